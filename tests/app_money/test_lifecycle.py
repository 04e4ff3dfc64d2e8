"""Every top-up ends in a known state, told to the right people (over HTTP, on SQLite and PostgreSQL).

Unknown outcomes that finance closes, the reconciler for requests a crash left executing, the outbox that
delivers cards, DMs and audit posts after the commit, live group membership for decisions, clean reasons,
the pending cap and replayed commands.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import update

from bot import ids
from bot.approvals import TopupState
from bot.store import TopupRow
from devkit.sandbox import Fault
from devkit.slackfake.values import text_input
from formatting.telnyx_errors import topup_failure
from tests.app.harness import NOW, Bot, text_of
from tests.app_money.helpers import (
    ADMIN,
    APPROVALS,
    AUDIT,
    FIN1,
    FIN2,
    GENERAL,
    PAYMENTS,
    REQUESTER,
    audit_posts,
    buttons,
    card,
    card_id,
    click,
    dm,
    payments,
    request_on,
    request_topup,
    seen_by,
)
from tests.app_money.instances import Instance, app_instance

S = TopupState
UNKNOWN_BUTTONS = [ids.ACTION_TOPUP_PAID, ids.ACTION_TOPUP_NOT_CHARGED]


async def one_command(instance: Instance, bot: Bot, text: str, user: str = REQUESTER) -> list:
    """`/telnyx <text>` served by `instance`; what `user` saw change."""
    snap = bot.snapshot()
    resp = await instance.requests.command("/telnyx", text, user=user, channel=GENERAL)
    assert resp.ok
    await instance.idle()
    return bot.changed_since(snap, user)


async def click_on(instance: Instance, message, action: str, user: str, *, channel: str = APPROVALS) -> None:
    resp = await instance.requests.click(message, action, user=user, channel=channel)
    assert resp.ok
    await instance.idle()


async def unknown_outcome(instance: Instance, bot: Bot, requester: str = REQUESTER):
    """A $150 request approved by FIN1 whose payment Telnyx answered 503: outcome unknown."""
    await request_on(instance, '150 "launch"', user=requester)
    posted = card(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(status=503))
    await click_on(instance, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    bot.sandbox.clear_faults()
    assert "Payment outcome unknown" in text_of([posted]) and buttons(posted) == UNKNOWN_BUTTONS
    return posted


async def submit_resolution(instance: Instance, bot: Bot, posted, action: str, user: str, note: str):
    """Click Paid / Not charged as `user`, then submit the note; return the modal's submission response."""
    await click_on(instance, posted, action, user)
    stack = bot.slack.view_stack(user)
    assert stack and stack[-1]["callback_id"] == ids.VIEW_TOPUP_RESOLVE, "the note modal did not open"
    values = {ids.BLOCK_RESOLVE_NOTE: {ids.INPUT: text_input(note)}}
    resp = await instance.requests.view_submission(stack[-1], values, user=user)
    await instance.idle()
    return resp


async def test_finance_closes_an_unknown_outcome_as_not_charged_with_a_note(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one:
        posted = await unknown_outcome(one, bot, requester=ADMIN)  # admin may request and approve
        request_id, old_card = card_id(posted), posted.to_dict()
        assert await one.svc.approvals.daily_used() == Decimal("150.00")  # may have been charged: counts
        # the requester may not close their own request (four eyes); nothing changes
        await click_on(one, posted, ids.ACTION_TOPUP_NOT_CHARGED, ADMIN)
        assert "someone else in finance must close it" in seen_by(bot, ADMIN)
        assert bot.slack.view_stack(ADMIN) == []
        # a note is required: the modal answers an inline error and nothing is stored
        resp = await submit_resolution(one, bot, posted, ids.ACTION_TOPUP_NOT_CHARGED, FIN2, "   ")
        assert resp.json["response_action"] == "errors" and ids.BLOCK_RESOLVE_NOTE in resp.json["errors"]
        assert (await one.svc.approvals.get(request_id)).state is S.OUTCOME_UNKNOWN  # type: ignore[union-attr]
        stack = bot.slack.view_stack(FIN2)
        values = {ids.BLOCK_RESOLVE_NOTE: {ids.INPUT: text_input("Portal\x00 shows no charge at 12:00")}}
        resp = await one.requests.view_submission(stack[-1], values, user=FIN2)
        await one.idle()
        assert resp.ok
        final = await one.svc.approvals.get(request_id)
        assert final is not None and (final.state, final.resolved_by, final.resolution_note) == (
            S.FAILED,
            FIN2,
            "Portal shows no charge at 12:00",
        )
        shown = text_of([posted])
        assert "Not charged (outcome confirmed by finance)" in shown and "Portal shows no charge" in shown
        assert buttons(posted) == []
        assert "confirmed nothing was charged" in dm(bot, ADMIN)
        assert await one.svc.approvals.daily_used() == Decimal("0.00")  # no longer counted
        history = [(t.from_state, t.to_state, t.actor) for t in await one.svc.approvals.history(request_id)]
        assert history[-1] == (S.OUTCOME_UNKNOWN, S.FAILED, FIN2)
        assert "topup.resolve.not_charged" in audit_posts(bot)
        # a late click on the old buttons is told what happened, and changes nothing
        await click_on(one, old_card, ids.ACTION_TOPUP_PAID, FIN1)
        assert "confirmed nothing was charged" in seen_by(bot, FIN1) and bot.slack.view_stack(FIN1) == []
        assert (await one.svc.approvals.get(request_id)).state is S.FAILED  # type: ignore[union-attr]


async def test_a_charge_the_front_hid_shows_as_evidence_and_paid_keeps_counting(tmp_path):
    from contextlib import asynccontextmanager

    from tests.app.harness import running_bot
    from tests.support.payment_front import Mode, PaymentFront

    @asynccontextmanager
    async def front(upstream: str):
        async with PaymentFront(upstream, mode=Mode.HTTP_500) as proxy:
            yield proxy.base_url

    async with running_bot(tmp_path, front=front) as bot:
        posted = await request_topup(bot)
        start = bot.sandbox.state.balance
        await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
        assert bot.sandbox.state.balance == start + Decimal("150.00")  # charged, though answered 500
        shown = text_of([posted])
        assert "Payment outcome unknown" in shown and "Nothing was charged" not in shown
        assert "Evidence: Telnyx's audit log shows the balance rose by $150.00" in shown
        values = {ids.BLOCK_RESOLVE_NOTE: {ids.INPUT: text_input("Seen in Billing > Payments")}}
        await click(bot, posted, ids.ACTION_TOPUP_PAID, FIN2)
        [modal] = bot.slack.view_stack(FIN2)
        await bot.requests.view_submission(modal, values, user=FIN2)
        await bot.idle()
        assert "Paid (outcome confirmed by finance)" in text_of([posted]) and buttons(posted) == []
        assert await bot.svc.approvals.daily_used() == Decimal("150.00")
        assert "confirmed it was paid" in dm(bot, REQUESTER)


async def test_the_card_says_when_the_audit_log_shows_no_charge(bot):
    posted = await request_topup(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(status=502))  # refused before the sandbox charged anything
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    shown = text_of([posted])
    assert "Payment outcome unknown" in shown
    assert "shows no balance rise of $150.00 since the attempt" in shown


async def test_a_request_a_crash_left_executing_becomes_unknown_once_across_instances(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
        await request_on(one, '200 "quarter end"')
        posted = card(bot)
        request_id = card_id(posted)
        # what a process killed mid-payment leaves behind: executing, decided a moment ago
        async with one.svc.store.transaction() as session:
            await session.execute(
                update(TopupRow)
                .where(TopupRow.id == request_id)
                .values(state=S.EXECUTING.value, decided_by=FIN1, decided_at=NOW)
            )
        stale_after = one.svc.approvals.stale_after
        bot.clock[0] = NOW + stale_after / 2  # still within the payment's deadline: left alone
        await asyncio.gather(one.svc.sweep_once(), two.svc.sweep_once())
        assert (await one.svc.approvals.get(request_id)).state is S.EXECUTING  # type: ignore[union-attr]
        bot.clock[0] = NOW + stale_after
        await asyncio.gather(one.svc.sweep_once(), two.svc.sweep_once())  # both look; one acts
        await asyncio.gather(one.idle(), two.idle())
        final = await two.svc.approvals.get(request_id)
        assert final is not None and final.state is S.OUTCOME_UNKNOWN
        assert (
            topup_failure(final) == "No answer was stored: the bot stopped while the payment was being sent."
        )
        moves = Counter(t.to_state for t in await one.svc.approvals.history(request_id))
        assert moves[S.OUTCOME_UNKNOWN] == 1
        assert "Payment outcome unknown" in text_of([posted]) and buttons(posted) == UNKNOWN_BUTTONS
        assert dm(bot, REQUESTER).count("Payment outcome unknown") == 1
        thread = [m for m in bot.slack.messages(APPROVALS) if m.thread_ts == posted.ts]
        assert len(thread) == 1 and "the bot stopped while sending the payment" in text_of(thread)
        assert payments(bot) == 0  # the reconciler never pays


async def test_the_payment_leaves_at_once_while_the_audit_channel_takes_3_s_a_post(bot):
    bot.slack.slow_down("chat.postMessage", 3.0, channel=AUDIT)
    resp = await bot.requests.command("/telnyx", 'topup 150 "launch"', user=REQUESTER, channel=GENERAL)
    assert resp.ok and await bot.svc.inflight.wait_idle(10)  # the card is posted; the audit post is slow
    posted = card(bot)
    clicked = time.monotonic()
    resp = await bot.requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS)
    assert resp.ok
    async with asyncio.timeout(5):
        while payments(bot) == 0:  # noqa: ASYNC110 - polls the sandbox's record, with a deadline
            await asyncio.sleep(0.01)
    [payment] = [r for r in bot.sandbox.requests if r.path == PAYMENTS]
    assert payment.at - clicked < 0.5, f"the payment left {payment.at - clicked:.2f} s after the click"
    assert await bot.svc.inflight.wait_idle(10)
    assert (await bot.svc.approvals.get(card_id(posted))).state is S.SUCCEEDED  # type: ignore[union-attr]
    assert len(bot.slack.messages(AUDIT)) < 3  # the audit posts were still on their way meanwhile


async def test_side_effects_committed_by_a_process_that_died_are_delivered_after_restart(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as doomed:
        await doomed.svc.outbox.aclose()  # its worker dies: what it commits from now on is not delivered
        await doomed.requests.command(
            "/telnyx", 'topup 120 "before the crash"', user=REQUESTER, channel=GENERAL
        )
        assert await doomed.svc.inflight.wait_idle(10)
        posted = card(bot)
        await doomed.requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS)
        assert await doomed.svc.inflight.wait_idle(10)
        assert payments(bot) == 1 and "Paid" not in text_of([posted])  # paid, but nobody was told yet
        assert dm(bot, REQUESTER) == "" and audit_posts(bot) == ""
        backlog, _ = await doomed.svc.outbox.backlog()
        assert backlog >= 4
    async with app_instance(bot, url, schema=schema) as restarted:
        await restarted.idle()
        assert "Paid" in text_of([posted]) and buttons(posted) == []
        assert dm(bot, REQUESTER).count("Your top-up request for *$120.00*") == 1
        posts = audit_posts(bot)
        assert posts.index("topup.request") < posts.index("topup.approve") < posts.index("topup.succeeded")
        assert await restarted.svc.outbox.backlog() == (0, None)


async def test_someone_just_removed_from_the_finance_group_cannot_decide(bot):
    posted = await request_topup(bot)
    assert "approve or deny top-ups" in text_of(await bot.command("whoami", user=FIN2))  # group cached
    bot.slack.set_usergroup("S0FINANCE", [])  # FIN2 leaves finance
    answer = await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN2)
    assert "You cannot approve or deny top-ups" in answer and payments(bot) == 0
    await click(bot, posted, ids.ACTION_TOPUP_DENY, FIN2)
    assert bot.slack.view_stack(FIN2) == [] and buttons(posted) == [
        ids.ACTION_TOPUP_APPROVE,
        ids.ACTION_TOPUP_DENY,
    ]


async def test_control_characters_never_reach_the_database_and_the_people_are_told(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one:
        typed = text_of(await one_command(one, bot, 'topup 75 "SMS\x00 burst"'))
        assert "NUL" in typed and bot.slack.messages(APPROVALS) == []  # the command line refuses it
        await one_command(one, bot, "balance")
        [answer] = [m for m in bot.slack.messages(GENERAL, REQUESTER) if m.ephemeral_to == REQUESTER][-1:]
        await click_on(one, answer, ids.ACTION_REQUEST_TOPUP, REQUESTER, channel=GENERAL)
        [form] = bot.slack.view_stack(REQUESTER)
        values = {
            ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("75")},
            ids.BLOCK_TOPUP_REASON: {ids.INPUT: text_input("SMS\x00 burst\x1b[31m")},
        }
        resp = await one.requests.view_submission(form, values, user=REQUESTER)
        await one.idle()
        assert resp.ok
        posted = card(bot)
        request = await one.svc.approvals.get(card_id(posted))
        assert request is not None and request.reason == "SMS burst[31m"
        await click_on(one, posted, ids.ACTION_TOPUP_DENY, FIN1)
        [modal] = bot.slack.view_stack(FIN1)
        values = {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input("Budget\x00\nfrozen")}}
        resp = await one.requests.view_submission(modal, values, user=FIN1)
        await one.idle()
        assert resp.ok
        denied = await one.svc.approvals.get(request.id)
        assert denied is not None and (denied.state, denied.deny_reason) == (S.DENIED, "Budget frozen")
        assert "Budget frozen" in dm(bot, REQUESTER) and "Budget frozen" in text_of([posted])


async def test_a_requester_may_have_at_most_three_requests_waiting(bot):
    cards = [await request_topup(bot, f"{amount}") for amount in ("10", "20", "30")]
    answer = text_of(await bot.command("topup 40", user=REQUESTER))
    assert "You already have 3 top-up requests waiting for finance" in answer
    assert len([m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral]) == 3
    await bot.requests.click(cards[0], ids.ACTION_TOPUP_DENY, user=FIN1, channel=APPROVALS)
    await bot.idle()
    [modal] = bot.slack.view_stack(FIN1)
    await bot.requests.view_submission(
        modal, {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input("dup")}}, user=FIN1
    )
    await bot.idle()
    await request_topup(bot, "40")  # one was decided: room for another


async def test_a_replayed_signed_command_is_handled_once_across_instances(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
        fields = one.requests.build.command("/telnyx", 'topup 90 "once"', user=REQUESTER, channel=GENERAL)
        for instance in (one, two, one):  # the captured request, sent again to each instance
            resp = await instance.requests.post_form(dict(fields))
            assert resp.ok
            await instance.idle()
        cards = [m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral]
        assert len(cards) == 1
        fresh = replace_trigger(one, fields)
        resp = await two.requests.post_form(fresh)  # a new command (new trigger_id) still works
        await two.idle()
        assert len([m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral]) == 2


def replace_trigger(instance: Instance, fields: dict[str, str]) -> dict[str, str]:
    """The same command typed again: Slack gives it a new trigger_id."""
    typed = instance.requests.build.command("/telnyx", "x", user=REQUESTER, channel=GENERAL)
    return {**fields, "trigger_id": typed["trigger_id"]}


@pytest.mark.parametrize("typed", ["5,00", "1,5", "1.000,50", "1.000", "1e3", "NaN", "0.001", "0", "-5"])
async def test_bad_amounts_are_refused_by_the_command_and_the_form_and_nothing_is_stored(bot, typed):
    answer = text_of(await bot.command(f"topup {typed}", user=REQUESTER))
    assert f'"{typed}"' in answer and "e.g." in answer, answer
    [balance] = await bot.command("balance", user=REQUESTER)
    await bot.click(balance, ids.ACTION_REQUEST_TOPUP, user=REQUESTER)
    [form] = bot.slack.view_stack(REQUESTER)
    resp = await bot.requests.view_submission(
        form, {ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input(typed)}}, user=REQUESTER
    )
    assert resp.json["response_action"] == "errors"
    assert f'"{typed}"' in resp.json["errors"][ids.BLOCK_TOPUP_AMOUNT]
    assert [m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral] == []
    assert await bot.svc.approvals.daily_used() == 0


FRONT_MODES = [
    "http_500",
    "http_503",
    "http_504",
    "html_502",
    "timeout",
    "drop",
    "garbage_200",
    "no_data_200",
]


@pytest.mark.parametrize("mode", FRONT_MODES)
async def test_a_payment_telnyx_took_but_answered_badly_is_outcome_unknown_never_not_charged(
    tmp_path, database, mode
):
    """A front lets the payment through to Telnyx (the sandbox charges it), then answers `mode`."""
    from contextlib import asynccontextmanager

    from tests.app.harness import running_bot
    from tests.support.payment_front import Mode, PaymentFront

    fronts: list[PaymentFront] = []

    @asynccontextmanager
    async def front(upstream: str):
        async with PaymentFront(upstream, mode=Mode(mode)) as proxy:
            fronts.append(proxy)
            yield proxy.base_url

    url, schema = database
    timeout = {"TELNYX_TIMEOUT": "1"}  # the least it takes: the timeout mode waits it out
    async with (
        running_bot(tmp_path, front=front, env=timeout) as bot,
        app_instance(bot, url, schema=schema) as one,
    ):
        await request_on(one, '150 "launch"')
        posted = card(bot)
        start = bot.sandbox.state.balance
        await click_on(one, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
        request = await one.svc.approvals.get(card_id(posted))
        assert request is not None and request.state is S.OUTCOME_UNKNOWN, request
        assert bot.sandbox.state.balance == start + Decimal("150.00")  # it WAS charged
        [payment] = fronts[0].payments  # sent exactly once, never retried
        assert payment.header("Idempotency-Key") == request.id
        for told in (text_of([posted]), dm(bot, REQUESTER), topup_failure(request) or ""):
            assert "nothing was charged" not in told.lower() and "nothing charged" not in told.lower()
        assert "may or may not have been charged" in text_of([posted])
        assert buttons(posted) == UNKNOWN_BUTTONS
        assert "outcome unknown" in dm(bot, REQUESTER).lower()


async def test_a_card_redraw_slack_rate_limits_is_delivered_after_retry_after(bot):
    posted = await request_topup(bot)
    # three 429s: more than slack_sdk's own two retries, so the outbox must wait and try again
    bot.slack.fail_next("chat.update", "ratelimited", retry_after=1, times=3)
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 1
    rows = await bot.svc.outbox.backlog()
    assert rows[0] >= 1 and "Paid" not in text_of([posted])  # waiting for Slack's Retry-After
    async with asyncio.timeout(10):
        while "Paid" not in text_of([posted]):  # noqa: ASYNC110 - polls the fake Slack, with a deadline
            await asyncio.sleep(0.2)
            await bot.svc.outbox.drain()
    assert buttons(posted) == [] and dm(bot, REQUESTER).count("Your top-up request for *$150.00*") == 1
    assert len([c for c in bot.slack.calls_to("chat.update") if c.error == "ratelimited"]) == 3
