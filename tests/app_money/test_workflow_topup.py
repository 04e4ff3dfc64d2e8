"""The "Request a Telnyx top-up" Workflow Builder step over HTTP: a signed `function_executed` event makes a
normal request (card, checks, limits), finance decides with the card's buttons, and the step is completed
once through the outbox (`functions.completeSuccess` when paid, `completeError` with the reason otherwise),
also after a restart and whichever instance decides; refusals fail it at once. The fake Slack checks every
completion against the manifest's definition and records which token made it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.approvals import TopupState
from bot.services import Services
from bot.store import TopupRow, WorkflowStepRow
from bot.workflow import StepOutcome, StepState
from devkit.sandbox import Fault
from devkit.slackfake import FunctionExecution, SendOptions
from devkit.slackfake.values import text_input
from tests.app.harness import NOW, Bot, running_bot, text_of
from tests.app.steps import run_step
from tests.app_money.helpers import (
    ALICE,
    APPROVALS,
    FIN1,
    FIN2,
    PAYMENTS,
    REQUESTER,
    buttons,
    card,
    card_id,
    click,
    dm,
    open_deny_modal,
    payments,
)
from tests.app_money.instances import app_instance

TOPUP = ids.FUNCTION_TOPUP
COMPLETIONS = ("functions.completeSuccess", "functions.completeError")


async def request_by_step(target, amount: str = "150", reason: str = "launch week", user: str = REQUESTER):
    """The workflow step run by `user`; it stays running while finance decides."""
    return await run_step(target, TOPUP, user, amount=amount, reason=reason)


def completions(bot: Bot) -> list[str]:
    """The functions.complete* calls Slack accepted, by method, in order."""
    return [c.method for c in bot.slack.calls if c.method in COMPLETIONS and c.ok]


async def stored_requests(svc: Services) -> int:
    async with svc.store.transaction() as session:
        return int(await session.scalar(select(func.count(TopupRow.id))) or 0)


async def stored_step(svc: Services, execution: FunctionExecution) -> WorkflowStepRow:
    async with svc.store.transaction() as session:
        row = await session.get(WorkflowStepRow, execution.id)
    assert row is not None, "the step was not stored with its request"
    return row


async def test_the_step_requests_like_the_command_and_completes_with_id_and_state_paid_once(bot):
    execution = await request_by_step(bot)
    posted = card(bot)
    shown = text_of([posted])
    assert "$150.00" in shown and f"<@{REQUESTER}>" in shown and "launch week" in shown
    assert buttons(posted) == [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]
    assert execution.running and completions(bot) == [] and payments(bot) == 0  # waiting for finance
    [record] = [r for r in await bot.svc.audit.recent() if r.action == "topup.request"]
    assert record.actor == REQUESTER  # the person running the workflow is the requester

    as_it_was = posted.to_dict()  # with its buttons, for the late clicks below
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 1 and "Paid" in text_of([posted])
    assert execution.state == "completed" and execution.outputs == {
        "request_id": card_id(posted),
        "state": "paid",
        "amount": 150.0,
        "transaction_id": bot.sandbox.state.payments[0]["id"],
    }
    assert execution.completed_with == "function_token"  # the token Slack sent, kept in the database
    assert "Your top-up request for *$150.00*" in dm(bot, REQUESTER)  # told as usual

    # the decision clicked again, by someone else too: no second payment, no second completion
    for approver in (FIN1, FIN2):
        await bot.click(as_it_was, ids.ACTION_TOPUP_APPROVE, user=approver, channel=APPROVALS)
    assert payments(bot) == 1 and completions(bot) == ["functions.completeSuccess"]
    step = await stored_step(bot.svc, execution)
    assert (step.state, step.outcome, step.token) == (StepState.DONE, StepOutcome.COMPLETED, None)


async def test_a_denied_request_fails_the_step_with_who_denied_it_and_why(bot):
    execution = await request_by_step(bot)
    posted = card(bot)
    modal = await open_deny_modal(bot, posted, FIN1)
    values = {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input("Budget frozen until Monday")}}
    assert (await bot.requests.view_submission(modal, values, user=FIN1)).ok
    await bot.idle()
    assert execution.state == "failed" and execution.outputs is None
    assert execution.error == (
        f"Top-up request {card_id(posted)} for $150.00 was not paid. "
        f"Denied by <@{FIN1}>: Budget frozen until Monday"
    )
    assert completions(bot) == ["functions.completeError"] and payments(bot) == 0


@pytest.mark.parametrize(
    ("amount", "said"),
    [
        ("5,00", '"5,00" is not an amount: use a dot for cents'),
        ("lots", '"lots" is not an amount'),
        ("900", "$900.00 is above the limit of $500.00 per top-up"),
    ],
)
async def test_a_refused_amount_fails_the_step_at_once_and_nothing_is_requested(bot, amount, said):
    execution = await request_by_step(bot, amount=amount)
    assert execution.state == "failed" and execution.error is not None
    assert execution.error.startswith(said) and "e.g. 150.00" in execution.error
    assert "Nothing was requested" in execution.error
    assert bot.slack.messages(APPROVALS) == [] and await stored_requests(bot.svc) == 0
    assert completions(bot) == ["functions.completeError"]


async def test_someone_without_the_requester_role_fails_the_step_at_once(bot):
    execution = await request_by_step(bot, user=ALICE)  # a viewer only
    assert execution.state == "failed" and execution.error is not None
    assert execution.error.startswith("You may not request a top-up")
    assert bot.slack.messages(APPROVALS) == [] and await stored_requests(bot.svc) == 0
    [denial] = await bot.svc.audit.recent(1)
    assert (denial.actor, denial.action) == (ALICE, "denied: request_topup")


async def test_an_expired_request_fails_the_step(bot):
    execution = await request_by_step(bot)
    bot.clock[0] = NOW + timedelta(hours=25)  # approval_ttl_hours = 24
    await bot.svc.sweep_once()
    await bot.idle()
    assert execution.state == "failed" and execution.error is not None
    assert "was not paid" in execution.error and "expired" in execution.error
    assert completions(bot) == ["functions.completeError"] and "Expired" in text_of([card(bot)])


async def test_an_unknown_outcome_fails_the_step_and_finance_closing_it_later_completes_nothing(bot):
    execution = await request_by_step(bot)
    posted = card(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(status=503))
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    bot.sandbox.clear_faults()
    assert execution.state == "failed" and execution.error is not None
    assert "the outcome is unknown" in execution.error and "Do not pay again" in execution.error
    await click(bot, posted, ids.ACTION_TOPUP_PAID, FIN2)
    [modal] = bot.slack.view_stack(FIN2)
    values = {ids.BLOCK_RESOLVE_NOTE: {ids.INPUT: text_input("Seen in the portal")}}
    assert (await bot.requests.view_submission(modal, values, user=FIN2)).ok
    await bot.idle()
    request = await bot.svc.approvals.get(card_id(posted))
    assert request is not None and request.state is TopupState.SUCCEEDED
    assert completions(bot) == ["functions.completeError"]  # the step had ended; nothing more is sent


async def test_the_step_survives_a_restart_and_whichever_instance_decides_completes_it_once(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as before:
        execution = await request_by_step(before)
        posted = card(bot)
    # that process is gone; two new ones share the database, and finance clicks on both at once
    async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
        bot.sandbox.set_fault(PAYMENTS, Fault(latency=0.2))  # clicks land mid-payment
        clicks = [
            (one, two)[i % 2].requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS)
            for i in range(6)
        ]
        assert all(r.ok for r in await asyncio.gather(*clicks))
        await asyncio.gather(one.idle(), two.idle())
        await asyncio.gather(one.idle(), two.idle())  # a completion queued by one, claimed by the other
        assert payments(bot) == 1
        assert execution.state == "completed" and execution.completed_with == "function_token"
        assert execution.outputs is not None and execution.outputs["request_id"] == card_id(posted)
        assert completions(bot) == ["functions.completeSuccess"]
        step = await stored_step(one.svc, execution)
        assert (step.state, step.token) == (StepState.DONE, None)


async def test_the_same_event_delivered_again_makes_no_second_request(bot):
    execution = await request_by_step(bot)
    event = execution.event(app_id="A0TEST", event_ts=bot.requests.build.next_ts())
    again = bot.requests.build.event_callback(event)  # Slack's retry, and a second copy on top
    retried = SendOptions(retry_num=1, retry_reason="http_timeout")
    assert (await bot.requests.post_event(again, retried)).ok
    assert (await bot.requests.post_event(again)).ok
    await bot.idle()
    assert await stored_requests(bot.svc) == 1 and len(bot.slack.messages(APPROVALS)) == 1
    assert execution.running and completions(bot) == []


async def test_a_step_whose_token_slack_refuses_is_completed_with_the_bot_token(tmp_path: Path):
    async with running_bot(tmp_path) as bot:
        execution = await request_by_step(bot)
        execution.token_revoked = True  # e.g. it expired while finance took its time
        await click(bot, card(bot), ids.ACTION_TOPUP_APPROVE, FIN1)
        assert execution.state == "completed" and execution.completed_with == "bot_token"
        refused = [c.error for c in bot.slack.calls if not c.ok]
        assert refused == ["invalid_auth"]  # the step's own token, once; then the bot's went through


async def test_a_completion_slack_already_took_is_not_sent_again(tmp_path: Path):
    """A delivery whose answer was lost is repeated: Slack says the step is no longer running, and that
    is taken as done (no retry, no error left)."""
    async with running_bot(tmp_path) as bot:
        execution = await request_by_step(bot)
        execution.state = "completed"  # what an earlier call, whose answer never came back, did
        await click(bot, card(bot), ids.ACTION_TOPUP_APPROVE, FIN1)
        assert [c.error for c in bot.slack.calls if not c.ok] == [
            "invalid_auth",
            "execution_not_in_running_state",
        ]
        step = await stored_step(bot.svc, execution)
        assert (step.state, step.outcome, step.token) == (StepState.DONE, StepOutcome.ALREADY, None)
        assert await bot.svc.outbox.backlog() == (0, None)  # delivered, nothing left to retry


async def test_a_card_slack_refuses_to_post_fails_the_step_at_once_and_only_once(tmp_path: Path):
    async with running_bot(tmp_path) as bot:
        bot.slack.add_channel(APPROVALS, name="approvals", is_member=False)
        execution = await request_by_step(bot)
        assert execution.state == "failed" and execution.error is not None
        assert (
            "was stored, but finance was not told" in execution.error and "not_in_channel" in execution.error
        )
        bot.clock[0] = NOW + timedelta(hours=25)  # the request it left behind expires later
        await bot.svc.sweep_once()
        await bot.idle()
        assert completions(bot) == ["functions.completeError"]


async def test_the_steps_token_never_reaches_a_log_line_at_debug(bot, caplog):
    caplog.set_level(logging.DEBUG)
    execution = await request_by_step(bot)
    await click(bot, card(bot), ids.ACTION_TOPUP_APPROVE, FIN1)
    assert execution.state == "completed"
    logged = caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "functions.completeSuccess" in logged and "chat.postMessage" in logged
    assert execution.token.split("-")[-1] not in logged
