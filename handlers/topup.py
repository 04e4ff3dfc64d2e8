"""Top-ups: `/telnyx topup <amount> [reason]` or "Request top-up", the approval card, Approve and Deny,
and Paid / Not charged on a card whose payment outcome is unknown.

Every click and submission checks access first (live group membership for decisions), then goes through
the store's compare-and-set (bot/approvals): a double click, a second approver or a retried request cannot
pay twice. Card redraws and the requester's DMs follow each change through the outbox
(handlers/deliveries.py), so nothing slow runs between a decision and its payment. Modal submissions carry
no response_url: the click's one travels in `private_metadata` (see handlers/modals.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.access import Permission
from bot.approvals import (
    AccessDenied,
    Outcome,
    Resolution,
    TooManyPending,
    TopupError,
    TopupRequest,
    TopupState,
    parse_amount,
)
from bot.logs import bind_topup
from bot.metrics import CommandOutcome
from bot.models import Balance
from bot.parsing import Parsed
from bot.services import Services
from formatting.access import denied_blocks, denied_text
from formatting.approvals import CLOSE_OWN, outcome_text, refusal_text
from formatting.help import usage_error_blocks
from formatting.money import money
from formatting.topup import (
    card_not_posted_blocks,
    deny_modal,
    notice_blocks,
    request_modal,
    requested_blocks,
    resolve_modal,
)
from handlers.access import require
from handlers.deliveries import card_of
from handlers.outcome import note
from handlers.replies import (
    TRIGGER,
    action_value,
    answer,
    field_value,
    modal_metadata,
    services,
    slack,
    usage_error,
    user,
)
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)
EXAMPLE = '/telnyx topup 150.00 "launch week traffic"'
REQUEST, APPROVE, DENY = "request a top-up", "approve a top-up", "deny a top-up"
RESOLVE = "close an unknown payment outcome"
RESOLUTIONS = {ids.ACTION_TOPUP_PAID: Resolution.PAID, ids.ACTION_TOPUP_NOT_CHARGED: Resolution.NOT_CHARGED}


async def create_request(context: AsyncBoltContext, amount: str, reason: str) -> None:
    """Store the request (access and limits checked there), post the card, tell the requester."""
    try:
        request = await services(context).approvals.request(user(context), amount, reason)
    except AccessDenied as err:
        note(context, CommandOutcome.DENIED)
        await answer(context, denied_text(REQUEST, err.decision), denied_blocks(REQUEST, err.decision))
        return
    except TooManyPending as err:
        note(context, CommandOutcome.DENIED)
        await answer(context, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    except TopupError as err:
        note(context, CommandOutcome.USAGE_ERROR)
        accepted = f"USD with at most two decimals, up to {money(services(context).policy.max_topup)} and the daily limit"
        await answer(
            context,
            refusal_text(err.refused),
            usage_error_blocks(refusal_text(err.refused), accepted, EXAMPLE),
        )
        return
    bind_topup(request.id)
    channel = services(context).policy.approvals_channel or ""
    error = await post_card(services(context), slack(context), request)
    if error is not None:
        await answer(
            context,
            f"The request was stored but finance was not told: {error}.",
            card_not_posted_blocks(request, channel, error),
        )
        return
    await answer(
        context, f"Top-up request sent to finance in <#{channel}>.", requested_blocks(request, channel)
    )


async def post_card(svc: Services, client: AsyncWebClient, request: TopupRequest) -> str | None:
    """Post a new request's approval card and remember where it lives; Slack's error when it was not posted
    (the request stays stored: finance just does not know of it)."""
    channel = svc.policy.approvals_channel or ""
    text, blocks = await card_of(svc, request)
    try:
        posted = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as err:
        error = str(err.response.get("error"))
        logger.error("approval card for %s not posted in %s: %s", request.id, channel, error)
        return error
    await svc.approvals.attach_card(request.id, posted["channel"], posted["ts"])
    return None


async def run_topup(context: AsyncBoltContext, parsed: Parsed) -> None:
    """`topup <amount> [reason]` (access already checked by the router; the core checks it again)."""
    options = dict(parsed.options)
    reason = options.pop("reason", None)
    if not parsed.args or options:
        await usage_error(context, "`topup` needs an amount", "`/telnyx topup <amount> [reason]`", EXAMPLE)
        return
    await create_request(context, parsed.args[0], reason if reason is not None else " ".join(parsed.args[1:]))


async def handle_request_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """ "Request top-up" on the balance: open the request form."""
    await ack()
    meta = json.dumps({"url": body.get("response_url"), "ch": context.channel_id})
    view = request_modal(meta, max_topup=services(context).policy.max_topup)
    await slack(context).views_open(trigger_id=context.get(TRIGGER), view=view)


async def handle_request_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The request form: the amount checked inline, then the same path as `/telnyx topup`."""
    amount, limit = field_value(body, ids.BLOCK_TOPUP_AMOUNT), services(context).policy.max_topup
    try:
        problem = f"At most {money(limit)} per top-up." if parse_amount(amount) > limit else None
    except TopupError as err:
        problem = refusal_text(err.refused)
    if problem:
        await ack(response_action="errors", errors={ids.BLOCK_TOPUP_AMOUNT: problem[:150]})
        return
    await ack()
    await create_request(context, amount, field_value(body, ids.BLOCK_TOPUP_REASON))


async def sweep_expired(svc: Services) -> list[TopupRequest]:
    """Expire every pending request past its approval window (run periodically); the outbox redraws
    their cards and tells the requesters."""
    return await svc.approvals.expire_due()


async def after_decision(context: AsyncBoltContext, outcome: Outcome) -> None:
    """The card and the requester follow through the outbox; a click that changed nothing is told why."""
    if not outcome.changed:
        await answer(context, outcome_text(outcome), notice_blocks(outcome_text(outcome), outcome.request))


async def handle_approve(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Approve: access, four eyes, expiry and limits checked now, then compare-and-set and one payment."""
    await ack()
    svc, request_id = services(context), action_value(body)
    bind_topup(request_id)

    async def read_balance() -> Balance:
        return (await svc.telnyx.balance()).value  # the gateway dropped the cached one when it paid

    try:
        outcome = await svc.approvals.approve(
            request_id[:64], user(context), svc.telnyx.create_payment, balance=read_balance
        )
    except TopupError as err:
        await answer(context, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(context, outcome)


async def handle_deny_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Deny: ask for the reason in a modal (or say what already happened)."""
    await ack()
    request_id = action_value(body)
    bind_topup(request_id)
    request = await services(context).approvals.get(request_id[:64])
    if request is None:
        message = "That top-up request does not exist (the card may belong to another installation)."
        await answer(context, message, notice_blocks(message, None))
        return
    if request.state is TopupState.PENDING and services(context).clock() >= request.expires_at:
        await sweep_expired(services(context))
        request = await services(context).approvals.get(request.id) or request
    if request.state is not TopupState.PENDING:
        await after_decision(context, Outcome(request=request, changed=False))
        return
    meta = json.dumps({"id": request.id, "url": body.get("response_url"), "ch": context.channel_id})
    await slack(context).views_open(trigger_id=context.get(TRIGGER), view=deny_modal(meta, request))


async def handle_deny_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Deny with the reason (required, inline error); access and state are checked again."""
    reason = field_value(body, ids.BLOCK_DENY_REASON)
    if not reason:
        await ack(
            response_action="errors", errors={ids.BLOCK_DENY_REASON: "Say why: the requester reads it."}
        )
        return
    await ack()
    meta = modal_metadata(body)
    bind_topup(str(meta.get("id", "")))
    try:
        outcome = await services(context).approvals.deny(str(meta.get("id", ""))[:64], user(context), reason)
    except TopupError as err:
        await answer(context, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(context, outcome)


async def handle_resolve_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Paid / Not charged on an unknown outcome: ask for the note in a modal."""
    await ack()
    request_id = action_value(body)
    bind_topup(request_id)
    action = str((body.get("actions") or [{}])[0].get("action_id") or "")
    request = await services(context).approvals.get(request_id[:64])
    if request is None:
        message = "That top-up request does not exist (the card may belong to another installation)."
        await answer(context, message, notice_blocks(message, None))
        return
    if request.state is not TopupState.OUTCOME_UNKNOWN:
        await after_decision(context, Outcome(request=request, changed=False))
        return
    if request.requester == user(context):
        await answer(context, CLOSE_OWN, notice_blocks(CLOSE_OWN, None))
        return
    meta = json.dumps(
        {
            "id": request.id,
            "r": RESOLUTIONS[action].value,
            "url": body.get("response_url"),
            "ch": context.channel_id,
        }
    )
    view = resolve_modal(meta, request, RESOLUTIONS[action])
    await slack(context).views_open(trigger_id=context.get(TRIGGER), view=view)


async def handle_resolve_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Close the unknown outcome with the note (required, inline error); access and state checked again."""
    note = field_value(body, ids.BLOCK_RESOLVE_NOTE)
    if not note:
        problem = "Say what you checked (e.g. what the Telnyx portal shows): it is recorded with your name."
        await ack(response_action="errors", errors={ids.BLOCK_RESOLVE_NOTE: problem})
        return
    await ack()
    meta = modal_metadata(body)
    bind_topup(str(meta.get("id", "")))
    try:
        resolution = Resolution(str(meta.get("r", "")))
        outcome = await services(context).approvals.resolve(
            str(meta.get("id", ""))[:64], user(context), resolution, note
        )
    except ValueError:
        return  # not metadata this app wrote
    except TopupError as err:
        await answer(context, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(context, outcome)


SUBCOMMANDS = (
    Subcommand(
        "topup",
        "/telnyx topup <amount> [reason]",
        "Ask finance to approve a top-up of the balance "
        "(charged to the stored payment method once approved).",
        EXAMPLE,
        run_topup,
        permission=Permission.REQUEST_TOPUP,
        shareable=False,
        replay_guarded=True,
    ),
)


def register(app: AsyncApp) -> None:
    """The request button and form, the card's buttons, and the deny and resolve forms.

    Every one checks access first (decisions with live user-group membership); the core checks again.
    """
    requesting = [require(Permission.REQUEST_TOPUP, REQUEST)]
    app.action(ids.ACTION_REQUEST_TOPUP, middleware=requesting)(handle_request_button)
    app.view(ids.VIEW_TOPUP_REQUEST, middleware=requesting)(handle_request_submit)
    app.action(ids.ACTION_TOPUP_APPROVE, middleware=[require(Permission.APPROVE_TOPUP, APPROVE, fresh=True)])(
        handle_approve
    )
    denying = [require(Permission.APPROVE_TOPUP, DENY, fresh=True)]
    app.action(ids.ACTION_TOPUP_DENY, middleware=denying)(handle_deny_button)
    app.view(ids.VIEW_TOPUP_DENY, middleware=denying)(handle_deny_submit)
    resolving = [require(Permission.APPROVE_TOPUP, RESOLVE, fresh=True)]
    app.action(ids.ACTION_TOPUP_PAID, middleware=resolving)(handle_resolve_button)
    app.action(ids.ACTION_TOPUP_NOT_CHARGED, middleware=resolving)(handle_resolve_button)
    app.view(ids.VIEW_TOPUP_RESOLVE, middleware=resolving)(handle_resolve_submit)
