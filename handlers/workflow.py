"""Workflow Builder steps (Bolt custom functions): "Get Telnyx balance" and "Request a Telnyx top-up".

Both act for the person running the workflow, read from their `slack#/types/user_context` input (which
Slack fills in and a workflow's builder cannot set by hand), and check the access policy for them exactly
as for a command: view the balance, request a top-up.

- Get Telnyx balance completes at once with the balance, available credit, currency and the runway (the
  same forecast `/telnyx balance` shows; formatting/workflow.py says how a missing forecast looks).
- Request a Telnyx top-up makes a normal request through the same core call as `/telnyx topup`
  (access, amount, limits and pending cap checked there), posts the same approval card, and stays running
  while finance decides with the card's buttons. The step is bound to the request in the request's own
  transaction (bot/workflow.py) and completed through the outbox when the request ends, once, by
  whichever instance sees it end (handlers/step_completion.py). A refusal fails the step at once.

Bolt acknowledges `function_executed` itself and gives each execution a client holding the token Slack
sent with it (`context.function_bot_access_token`), which `complete` and `fail` use.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from sqlalchemy.exc import IntegrityError

from bot import ids
from bot.access import Permission
from bot.approvals import AccessDenied, TopupError, Tx
from bot.errors import TelnyxError
from bot.logs import bind_topup
from bot.runway import runway
from bot.services import Services
from bot.workflow import MAX_EXECUTION_ID
from formatting.errors import error_text
from formatting.workflow import (
    NO_USER,
    REQUEST,
    SORRY,
    VIEW,
    balance_outputs,
    card_not_posted_text,
    denied_step_text,
    refused_text,
)
from handlers.replies import services, slack
from handlers.runway import pace
from handlers.step_completion import steps_of
from handlers.topup import post_card

logger = logging.getLogger(__name__)
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def running_user(inputs: dict[str, Any]) -> str | None:
    """The id of the person running the workflow: the `user` input, a user_context ({"id": ..., "secret":
    ...}); None when it is missing or not a user."""
    value = inputs.get(ids.PARAM_USER)
    user = value.get("id") if isinstance(value, dict) else None
    return user if isinstance(user, str) and USER_ID.fullmatch(user) else None


async def handle_balance_step(
    inputs: dict[str, Any], context: AsyncBoltContext, complete: AsyncComplete, fail: AsyncFail
) -> None:
    """Get Telnyx balance: for someone who may view it, the balance, available credit, currency, runway."""
    try:
        await balance_step(services(context), inputs, complete, fail)
    except Exception:  # noqa: BLE001 - logged whole; the step must still end, or the workflow hangs
        logger.exception("the balance step failed unexpectedly")
        await fail(SORRY)


async def balance_step(
    svc: Services, inputs: dict[str, Any], complete: AsyncComplete, fail: AsyncFail
) -> None:
    """The balance step's work: access for the running user, then Telnyx and the runway."""
    user = running_user(inputs)
    if user is None:
        await fail(NO_USER)
        return
    decision = await svc.access.check(user, Permission.VIEW)
    if not decision.allowed:
        logger.info("denied the balance step to %s: %s", user, decision.verdict.value)
        await svc.audit.record_denial(user, Permission.VIEW.value, VIEW, decision.note())
        await fail(denied_step_text(VIEW, decision))
        return
    try:
        fresh, (spend, _history) = await asyncio.gather(svc.telnyx.balance(), pace(svc))
    except TelnyxError as err:
        logger.warning("balance step: telnyx error %s (status %s)", type(err).__name__, err.status)
        await fail(error_text(err))
        return
    balance = fresh.value
    forecast = runway(balance.available_credit, svc.settings.low_balance_threshold, spend, svc.clock().date())
    await complete(outputs=balance_outputs(balance, forecast))


async def handle_topup_step(inputs: dict[str, Any], context: AsyncBoltContext, fail: AsyncFail) -> None:
    """Request a Telnyx top-up: a normal request and its card; the step completes when finance decides."""
    svc = services(context)
    execution = context.function_execution_id or ""
    try:
        await topup_step(svc, context, inputs, execution, fail)
    except Exception:  # noqa: BLE001 - logged whole; the step must still end, or the workflow hangs
        logger.exception("the top-up step failed unexpectedly")
        # a request stored with its step completes the step when it ends; only one never stored fails now
        if not await steps_of(svc).known(execution):
            await fail(SORRY)


async def topup_step(
    svc: Services, context: AsyncBoltContext, inputs: dict[str, Any], execution: str, fail: AsyncFail
) -> None:
    """The top-up step's work: the request stored with its step (or refused at once), then its card."""
    requester = running_user(inputs)
    if requester is None:
        await fail(NO_USER)
        return
    if not execution or len(execution) > MAX_EXECUTION_ID:
        logger.error("a top-up step without a usable function_execution_id: ignored")
        return
    steps = steps_of(svc)
    if await steps.known(execution):
        logger.info("function execution %s delivered again: already handled", execution)
        return
    token = context.function_bot_access_token

    async def bind(tx: Tx, request_id: str) -> None:
        await steps.bind(tx, execution, request_id, token)

    amount, reason = inputs.get(ids.PARAM_AMOUNT), inputs.get(ids.PARAM_REASON)
    try:
        request = await svc.approvals.request(
            requester,
            "" if amount is None else str(amount),
            "" if reason is None else str(reason),
            on_stored=bind,
        )
    except AccessDenied as err:
        await fail(denied_step_text(REQUEST, err.decision))
        return
    except TopupError as err:
        await fail(refused_text(err.refused, svc.policy.max_topup))
        return
    except IntegrityError:  # the same execution, delivered twice at once: the other delivery stored it
        logger.info("function execution %s delivered again: already handled", execution)
        return
    bind_topup(request.id)
    logger.info("top-up %s requested by a workflow step", request.id)
    error = await post_card(svc, slack(context), request)
    if error is not None and await steps.give_up(execution):
        await fail(card_not_posted_text(request, svc.policy.approvals_channel or "", error))


def register(app: AsyncApp, svc: Services) -> None:
    """Both steps' listeners, and the completion of top-up steps when their request ends."""
    app.function(ids.FUNCTION_BALANCE)(handle_balance_step)
    app.function(ids.FUNCTION_TOPUP)(handle_topup_step)
    svc.approvals.observe(steps_of(svc).on_change)
