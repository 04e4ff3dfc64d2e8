"""Completing a top-up workflow step once its request has ended: the outbox delivery of `STEP_COMPLETE`.

The row names the step's function execution and carries the request as it ended (bot/workflow.py queued it,
once, in the transaction that ended the request). Paid: `functions.completeSuccess` with the request's id,
state, amount and transaction; any other end: `functions.completeError` saying why. The call is made with
the token Slack gave that execution, read (sealed) from the database: it is never in the outbox row, nor in
a log;
should Slack refuse that token (it has expired), with the app's bot token, which functions.* accept too.

Delivery is at least once, so a call may repeat after a crash or a lost answer: Slack then answers
`execution_not_in_running_state`, which means the step was completed before, and it is left at that.
Other Slack errors go back to handlers/deliveries.py, which retries the transient ones.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.approvals import TopupRequest, TopupState
from bot.logs import bind_topup
from bot.outbox import Delivery, Permanent
from bot.services import Services
from bot.workflow import StepOutcome, StepState, TokenBox, WorkflowSteps
from formatting.workflow import ended_text, topup_outputs

logger = logging.getLogger(__name__)

ALREADY_DONE = "execution_not_in_running_state"
GONE = "function_execution_not_found"
# the execution's own token refused: expired or revoked (the app's bot token is tried next)
TOKEN_REFUSED = frozenset({"invalid_auth", "token_expired", "token_revoked", "not_authed"})


def steps_of(svc: Services) -> WorkflowSteps:
    """The stored top-up steps of this app (their tokens sealed with a key from the bot token)."""
    bot_token = svc.settings.slack_bot_token
    box = TokenBox(bot_token.get_secret_value() if bot_token is not None else None)
    return WorkflowSteps(svc.store, svc.outbox, box)


async def complete_step(svc: Services, client: AsyncWebClient, row: Delivery) -> None:
    """Complete the step `row` names, unless it is done already; then mark it done and forget its token."""
    steps = steps_of(svc)
    execution = str(row.payload["execution"])
    request = TopupRequest.from_payload(row.payload["request"])
    bind_topup(request.id)
    step = await steps.get(execution)
    if step is None or step.state is StepState.DONE:
        return
    try:
        outcome = await _call(client, execution, request, step.token)
    except SlackApiError as err:
        error = str(err.response.get("error") or "")
        if error == ALREADY_DONE:
            logger.info("workflow step %s was already completed", execution)
            outcome = StepOutcome.ALREADY
        elif error == GONE or error in TOKEN_REFUSED:
            await steps.settle(execution, StepOutcome.GONE)
            raise Permanent(
                f"workflow step {execution} cannot be completed: Slack answered {error}"
            ) from None
        else:
            raise
    await steps.settle(execution, outcome)
    logger.info("workflow step %s for top-up %s: %s", execution, request.id, outcome.value)


async def _call(
    client: AsyncWebClient, execution: str, request: TopupRequest, token: str | None
) -> StepOutcome:
    """Complete with the execution's token; when Slack refuses that token, with the app's own."""
    try:
        return await _complete(client, execution, request, token)
    except SlackApiError as err:
        if token is None or str(err.response.get("error") or "") not in TOKEN_REFUSED:
            raise
        logger.warning(
            "workflow step %s: its own token was refused; completing with the bot token", execution
        )
        return await _complete(client, execution, request, None)


async def _complete(
    client: AsyncWebClient, execution: str, request: TopupRequest, token: str | None
) -> StepOutcome:
    auth = {"token": token} if token else {}
    if request.state is TopupState.SUCCEEDED:
        outputs = topup_outputs(request)
        await client.functions_completeSuccess(function_execution_id=execution, outputs=outputs, **auth)
        return StepOutcome.COMPLETED
    await client.functions_completeError(function_execution_id=execution, error=ended_text(request), **auth)
    return StepOutcome.FAILED
