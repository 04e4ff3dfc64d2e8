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

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
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
from bot.models import Balance
from bot.parsing import Parsed
from bot.services import Services
from formatting.access import denied_blocks, denied_text
from formatting.approvals import CLOSE_OWN, outcome_text, refusal_text
from formatting.help import usage_error_blocks
from formatting.topup import (
    card_not_posted_blocks,
    deny_modal,
    notice_blocks,
    request_modal,
    requested_blocks,
    resolve_modal,
)
from handlers.common import Req, answer, tracked, usage_error
from handlers.deliveries import card_of
from handlers.guard import allowed, on_click
from handlers.modals import field_value, modal_req
from handlers.registry import Subcommand

logger = logging.getLogger(__name__)
EXAMPLE = '/telnyx topup 150.00 "launch week traffic"'
REQUEST, APPROVE, DENY = "request a top-up", "approve a top-up", "deny a top-up"
RESOLVE = "close an unknown payment outcome"
RESOLUTIONS = {ids.ACTION_TOPUP_PAID: Resolution.PAID, ids.ACTION_TOPUP_NOT_CHARGED: Resolution.NOT_CHARGED}


async def create_request(req: Req, amount: str, reason: str) -> None:
    """Store the request (access and limits checked there), post the card, tell the requester."""
    try:
        request = await req.svc.approvals.request(req.user_id, amount, reason)
    except AccessDenied as err:
        await answer(req, denied_text(REQUEST, err.decision), denied_blocks(REQUEST, err.decision))
        return
    except TooManyPending as err:
        await answer(req, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    except TopupError as err:
        accepted = (
            f"USD with at most two decimals, up to ${req.svc.policy.max_topup:,.2f} and the daily limit"
        )
        await answer(
            req, refusal_text(err.refused), usage_error_blocks(refusal_text(err.refused), accepted, EXAMPLE)
        )
        return
    channel = req.svc.policy.approvals_channel or ""
    text, blocks = await card_of(req.svc, request)
    try:
        posted = await req.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as err:
        error = str(err.response.get("error"))
        logger.error("approval card for %s not posted in %s: %s", request.id, channel, error)
        await answer(
            req,
            f"The request was stored but finance was not told: {error}.",
            card_not_posted_blocks(request, channel, error),
        )
        return
    await req.svc.approvals.attach_card(request.id, posted["channel"], posted["ts"])
    await answer(req, f"Top-up request sent to finance in <#{channel}>.", requested_blocks(request, channel))


async def run_topup(req: Req, parsed: Parsed) -> None:
    """`topup <amount> [reason]` (access already checked by the router; the core checks it again)."""
    options = dict(parsed.options)
    reason = options.pop("reason", None)
    if not parsed.args or options:
        await usage_error(req, "`topup` needs an amount", "`/telnyx topup <amount> [reason]`", EXAMPLE)
        return
    await create_request(req, parsed.args[0], reason if reason is not None else " ".join(parsed.args[1:]))


@on_click(Permission.REQUEST_TOPUP, REQUEST)
async def handle_request_button(req: Req, _value: str) -> None:
    """ "Request top-up" on the balance: check, then open the request form."""
    meta = json.dumps({"url": req.body.get("response_url"), "ch": req.channel_id})
    view = request_modal(meta, max_topup=req.svc.policy.max_topup)
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


@tracked
async def handle_request_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """The request form: the amount checked inline, then the same path as `/telnyx topup`."""
    amount, limit = field_value(body, ids.BLOCK_TOPUP_AMOUNT), context["svc"].policy.max_topup
    try:
        problem = f"At most ${limit:,.2f} per top-up." if parse_amount(amount) > limit else None
    except TopupError as err:
        problem = refusal_text(err.refused)
    if problem:
        await ack(response_action="errors", errors={ids.BLOCK_TOPUP_AMOUNT: problem[:150]})
        return
    await ack()
    req, _ = modal_req(body, context, client)
    await create_request(req, amount, field_value(body, ids.BLOCK_TOPUP_REASON))


async def sweep_expired(svc: Services) -> list[TopupRequest]:
    """Expire every pending request past its approval window (run periodically); the outbox redraws
    their cards and tells the requesters."""
    return await svc.approvals.expire_due()


async def after_decision(req: Req, outcome: Outcome) -> None:
    """The card and the requester follow through the outbox; a click that changed nothing is told why."""
    if not outcome.changed:
        await answer(req, outcome_text(outcome), notice_blocks(outcome_text(outcome), outcome.request))


@on_click(Permission.APPROVE_TOPUP, APPROVE, fresh=True)
async def handle_approve(req: Req, request_id: str) -> None:
    """Approve: access, four eyes, expiry and limits checked now, then compare-and-set and one payment."""
    svc = req.svc

    async def read_balance() -> Balance:
        return (await svc.telnyx.balance()).value  # the gateway dropped the cached one when it paid

    try:
        outcome = await svc.approvals.approve(
            request_id[:64], req.user_id, svc.telnyx.create_payment, balance=read_balance
        )
    except TopupError as err:
        await answer(req, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(req, outcome)


@on_click(Permission.APPROVE_TOPUP, DENY, fresh=True)
async def handle_deny_button(req: Req, request_id: str) -> None:
    """Deny: check now, then ask for the reason in a modal (or say what already happened)."""
    request = await req.svc.approvals.get(request_id[:64])
    if request is None:
        message = "That top-up request does not exist (the card may belong to another installation)."
        await answer(req, message, notice_blocks(message, None))
        return
    if request.state is TopupState.PENDING and req.svc.clock() >= request.expires_at:
        await sweep_expired(req.svc)
        request = await req.svc.approvals.get(request.id) or request
    if request.state is not TopupState.PENDING:
        await after_decision(req, Outcome(request=request, changed=False))
        return
    meta = json.dumps({"id": request.id, "url": req.body.get("response_url"), "ch": req.channel_id})
    await req.client.views_open(trigger_id=req.trigger_id, view=deny_modal(meta, request))


@tracked
async def handle_deny_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Deny with the reason (required, inline error); access and state are checked again."""
    reason = field_value(body, ids.BLOCK_DENY_REASON)
    if not reason:
        await ack(
            response_action="errors", errors={ids.BLOCK_DENY_REASON: "Say why: the requester reads it."}
        )
        return
    await ack()
    req, meta = modal_req(body, context, client)
    if not await allowed(req, Permission.APPROVE_TOPUP, DENY, fresh=True):
        return
    try:
        outcome = await req.svc.approvals.deny(str(meta.get("id", ""))[:64], req.user_id, reason)
    except TopupError as err:
        await answer(req, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(req, outcome)


async def handle_resolve_button(req: Req, request_id: str) -> None:
    """Paid / Not charged on an unknown outcome: check now, then ask for the note in a modal."""
    action = str((req.body.get("actions") or [{}])[0].get("action_id") or "")
    request = await req.svc.approvals.get(request_id[:64])
    if request is None:
        message = "That top-up request does not exist (the card may belong to another installation)."
        await answer(req, message, notice_blocks(message, None))
        return
    if request.state is not TopupState.OUTCOME_UNKNOWN:
        await after_decision(req, Outcome(request=request, changed=False))
        return
    if request.requester == req.user_id:
        await answer(req, CLOSE_OWN, notice_blocks(CLOSE_OWN, None))
        return
    meta = json.dumps(
        {
            "id": request.id,
            "r": RESOLUTIONS[action].value,
            "url": req.body.get("response_url"),
            "ch": req.channel_id,
        }
    )
    view = resolve_modal(meta, request, RESOLUTIONS[action])
    await req.client.views_open(trigger_id=req.trigger_id, view=view)


@tracked
async def handle_resolve_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Close the unknown outcome with the note (required, inline error); access and state checked again."""
    note = field_value(body, ids.BLOCK_RESOLVE_NOTE)
    if not note:
        problem = "Say what you checked (e.g. what the Telnyx portal shows): it is recorded with your name."
        await ack(response_action="errors", errors={ids.BLOCK_RESOLVE_NOTE: problem})
        return
    await ack()
    req, meta = modal_req(body, context, client)
    if not await allowed(req, Permission.APPROVE_TOPUP, RESOLVE, fresh=True):
        return
    try:
        resolution = Resolution(str(meta.get("r", "")))
        outcome = await req.svc.approvals.resolve(str(meta.get("id", ""))[:64], req.user_id, resolution, note)
    except ValueError:
        return  # not metadata this app wrote
    except TopupError as err:
        await answer(req, refusal_text(err.refused), notice_blocks(refusal_text(err.refused), None))
        return
    await after_decision(req, outcome)


SUBCOMMANDS = [
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
]


def register(app: Any) -> None:
    """The request button and modal, the card's buttons and the deny modal."""
    app.action(ids.ACTION_REQUEST_TOPUP)(handle_request_button)
    app.view(ids.VIEW_TOPUP_REQUEST)(handle_request_submit)
    app.action(ids.ACTION_TOPUP_APPROVE)(handle_approve)
    app.action(ids.ACTION_TOPUP_DENY)(handle_deny_button)
    app.view(ids.VIEW_TOPUP_DENY)(handle_deny_submit)
    resolve = on_click(Permission.APPROVE_TOPUP, RESOLVE, fresh=True)(handle_resolve_button)
    app.action(ids.ACTION_TOPUP_PAID)(resolve)
    app.action(ids.ACTION_TOPUP_NOT_CHARGED)(resolve)
    app.view(ids.VIEW_TOPUP_RESOLVE)(handle_resolve_submit)
