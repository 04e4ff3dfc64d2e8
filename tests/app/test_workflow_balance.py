"""The "Get Telnyx balance" Workflow Builder step over HTTP: a signed `function_executed` event in, and
`functions.completeSuccess` / `completeError` as the fake Slack received them (outputs checked against
the manifest's definition by the fake)."""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal

from bot import ids
from bot.logs import Redactor
from bot.redaction import RedactingFilter
from devkit.sandbox import Fault
from tests.app.harness import POLICY, running_bot, text_of
from tests.app.steps import run_step
from tests.app.test_runway import _history

VIEWER = "U0VIEWER"


async def test_the_step_outputs_balance_credit_currency_and_the_runway_from_the_balance_history(bot):
    await _history(bot, Decimal("120"), 3)
    execution = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)
    state = bot.sandbox.state
    days = float((state.available_credit / Decimal("120")).quantize(Decimal("0.1")))
    assert execution.state == "completed" and execution.outputs == {
        "balance": float(state.balance),
        "available_credit": float(state.available_credit),
        "currency": "USD",
        "runway_days": days,
        "runway_basis": "history",
    }
    assert execution.completed_with == "function_token"  # the token Slack sent with the event
    [call] = bot.slack.calls_to("functions.completeSuccess")
    assert call.args["function_execution_id"] == execution.id
    assert bot.slack.calls_to("functions.completeError") == []


async def test_with_less_than_a_day_of_history_the_runway_is_the_one_the_balance_command_shows(bot):
    execution = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)
    assert execution.outputs is not None and execution.outputs["runway_basis"] == "charges"
    [answer] = await bot.command("balance", user=VIEWER)
    shown = re.search(r"reaches zero in ([0-9.]+) days", text_of([answer]))
    assert shown is not None and execution.outputs["runway_days"] == float(shown[1])


async def test_with_nothing_to_go_on_the_runway_is_left_out_and_the_basis_says_none(bot):
    bot.sandbox.set_fault("/v2/charges_summary", Fault(status=503))
    execution = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)
    assert execution.state == "completed" and execution.outputs is not None
    assert execution.outputs["runway_basis"] == "none" and "runway_days" not in execution.outputs
    assert execution.outputs["balance"] == float(bot.sandbox.state.balance)


async def test_telnyx_failing_fails_the_step_with_what_happened(bot):
    bot.sandbox.set_fault("/v2/balance", Fault(status=503))
    execution = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)
    assert execution.state == "failed" and execution.outputs is None
    assert execution.error is not None and "Telnyx" in execution.error
    assert bot.slack.calls_to("functions.completeSuccess") == []


async def test_someone_who_may_not_view_fails_the_step_and_telnyx_is_not_asked(tmp_path):
    policy = POLICY.replace('viewer = ["*"]', 'viewer = ["U0VIEWER"]')
    async with running_bot(tmp_path, policy=policy) as bot:
        execution = await run_step(bot, ids.FUNCTION_BALANCE, "U0ALICE")
        assert execution.state == "failed"
        assert execution.error is not None and execution.error.startswith(
            "You may not read the Telnyx balance"
        )
        assert bot.sandbox.request_count("/v2/") == 0
        [denial] = await bot.svc.audit.recent(1)
        assert (denial.actor, denial.action) == ("U0ALICE", "denied: view")
        allowed = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)  # the same step for a viewer
        assert allowed.state == "completed"
    bot.slack.assert_no_errors()


async def test_the_steps_token_never_reaches_a_log_line_at_debug(bot, caplog):
    caplog.set_level(logging.DEBUG)
    execution = await run_step(bot, ids.FUNCTION_BALANCE, VIEWER)
    assert execution.state == "completed"
    logged = caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "functions.completeSuccess" in logged  # the capture saw the call made with the token
    assert execution.token not in logged and execution.token.split("-")[-1] not in logged


def test_the_log_filters_redact_a_steps_token_whatever_its_shape():
    """Should anything log the event itself, its `bot_access_token` is cut out, as is any xwfp- token."""
    event = {"type": "function_executed", "bot_access_token": "abcd-1325-527a1cab3979", "inputs": {}}
    for line in (json.dumps(event), repr(event), "token=xwfp-1-2-abc123 sent"):
        for redacted in (Redactor().redact(line), RedactingFilter([], "http://127.0.0.1/api/").redact(line)):
            assert "527a1cab3979" not in redacted and "abc123" not in redacted, redacted
            assert "function_executed" in redacted or "sent" in redacted  # the rest of the line stays
