"""Top-ups: `/telnyx topup <amount> [reason]` or "Request top-up", the approval card, Approve and Deny.

Every click re-checks access and goes through the store's compare-and-set (bot/approvals), so a double
click, a second approver or a retried request cannot pay twice. After each decision the card is redrawn
with chat.update (it may be older than a response_url lives) and the requester gets a direct message.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import ids
from bot.access import Permission
from bot.approvals import AccessDenied, Outcome, TopupError, TopupRequest, status_text
from bot.errors import TelnyxError
from bot.parsing import Parsed
from formatting.topup import (
    card_blocks,
    card_text,
    decision_dm_blocks,
    decision_dm_text,
    deny_modal,
    request_modal,
    requested_blocks,
)
from handlers.common import Req, answer, decorate, tracked, usage_error
from handlers.guard import allowed
from handlers.registry import Subcommand

logger = logging.getLogger(__name__)
EXAMPLE = '/telnyx topup 150.00 "launch week traffic"'


def _policy_missing(req: Req) -> bool:
    return not req.svc.policy.configured or not req.svc.policy.approvals_channel


async def create_request(req: Req, amount: str, reason: str, reply: Any) -> None:
    """Store the request (access and limits checked there), post the card, tell the requester."""
    try:
        request = await req.svc.approvals.request(req.user_id, amount, reason)
    except AccessDenied as err:
        from formatting.access import denied_blocks, denied_text

        await reply(
            denied_text("request a top-up", err.decision), denied_blocks("request a top-up", err.decision)
        )
        return
    except TopupError as err:
        from formatting.help import usage_error_blocks

        accepted = f"an amount in USD above 0 with at most two decimals, at most {req.svc.policy.max_topup}"
        await reply(err.user_message, usage_error_blocks(err.user_message, accepted, EXAMPLE))
        return
    balance = None
    try:
        balance = (await req.svc.telnyx.balance()).value
    except TelnyxError as err:  # the card is still useful without it; finance sees the balance is missing
        logger.warning("balance for the approval card failed: %s", type(err).__name__)
    channel = req.svc.policy.approvals_channel
    posted = await req.client.chat_postMessage(
        channel=channel,
        text=card_text(request),
        blocks=decorate(req.svc, card_blocks(request, balance), None),
    )
    await req.svc.approvals.attach_card(request.id, posted["channel"], posted["ts"])
    await reply(f"Top-up request sent to finance in <#{channel}>.", requested_blocks(request, channel))


async def run_topup(req: Req, parsed: Parsed) -> None:
    """`topup <amount> [reason]`."""
    if _policy_missing(req):
        await usage_error(req, "Top-ups are disabled: no access policy with an approvals channel is configured",
                          "an admin sets ACCESS_POLICY (see access.example.toml)", EXAMPLE)  # fmt: skip
        return
    options = dict(parsed.options)
    reason = options.pop("reason", None)
    if not parsed.args or options:
        await usage_error(req, "`topup` needs an amount", "`/telnyx topup <amount> [reason]`", EXAMPLE)
        return
    reason = reason if reason is not None else " ".join(parsed.args[1:])

    async def reply(text: str, blocks: list[Any]) -> None:
        await answer(req, text, blocks)

    await create_request(req, parsed.args[0], reason, reply)


@tracked
async def handle_request_button(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """ "Request top-up" on the balance: open the request form."""
    await ack()
    req = Req.from_bolt(body, context, respond, client)
    if _policy_missing(req):
        await usage_error(req, "Top-ups are disabled: no access policy with an approvals channel is configured",
                          "an admin sets ACCESS_POLICY (see access.example.toml)", EXAMPLE)  # fmt: skip
        return
    if not await allowed(req, Permission.REQUEST_TOPUP, "request a top-up"):
        return
    meta = json.dumps({"url": body.get("response_url"), "ch": req.channel_id})
    await client.views_open(
        trigger_id=req.trigger_id, view=request_modal(meta, max_topup=str(req.svc.policy.max_topup))
    )


@tracked
async def handle_request_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """The request form: amount checked inline, then the same path as `/telnyx topup`."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    amount = ((values.get(ids.BLOCK_TOPUP_AMOUNT) or {}).get(ids.INPUT) or {}).get("value") or ""
    reason = ((values.get(ids.BLOCK_TOPUP_REASON) or {}).get(ids.INPUT) or {}).get("value") or ""
    from bot.approvals import parse_amount

    try:
        parse_amount(amount)
    except TopupError as err:
        await ack(response_action="errors", errors={ids.BLOCK_TOPUP_AMOUNT: err.user_message[:150]})
        return
    await ack()
    meta = json.loads(view.get("private_metadata") or "{}")
    req = Req.from_bolt(body, context, respond, client)
    req.channel_id = meta.get("ch")
    hook = AsyncWebhookClient(meta["url"]) if meta.get("url") else None

    async def reply(text: str, blocks: list[Any]) -> None:
        if hook is not None:
            await hook.send(text=text, blocks=decorate(req.svc, blocks, None), response_type="ephemeral",
                            replace_original=False)  # fmt: skip

    await create_request(req, amount, reason, reply)


async def after_decision(req: Req, outcome: Outcome) -> None:
    """Redraw the card without buttons, DM the requester; or tell the clicker what already happened."""
    request = outcome.request
    if not outcome.changed:
        await req.respond(text=outcome.message, response_type="ephemeral", replace_original=False)
        if request.state.value not in ("pending", "approved", "executing"):
            await redraw(req, request)  # an expired or decided card still showing buttons gets fixed
        return
    await redraw(req, request)
    try:
        await req.client.chat_postMessage(channel=request.requester, text=decision_dm_text(request),
                                          blocks=decision_dm_blocks(request))  # fmt: skip
    except SlackApiError as err:
        logger.warning("could not DM the requester: %s", err.response.get("error"))


async def redraw(req: Req, request: TopupRequest) -> None:
    """chat.update the stored card."""
    if not request.channel or not request.message_ts:
        return
    balance = None
    if request.new_balance is None and request.state.value == "pending":
        balance = (await req.svc.telnyx.balance()).value
    await req.client.chat_update(channel=request.channel, ts=request.message_ts, text=card_text(request),
                                 blocks=decorate(req.svc, card_blocks(request, balance), None))  # fmt: skip


def _request_id(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value", ""))[:64]


@tracked
async def handle_approve(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Approve: access, expiry and limits re-checked, then compare-and-set and one payment."""
    await ack()
    req = Req.from_bolt(body, context, respond, client)
    svc = req.svc

    async def read_balance() -> Decimal:
        await svc.telnyx.invalidate("balance")
        return (await svc.telnyx.balance()).value.balance

    pay = svc.telnyx.create_payment
    if svc.confirm_payment is not None:
        pay = svc.confirm_payment(pay)
    try:
        outcome = await svc.approvals.approve(_request_id(body), req.user_id, pay, balance=read_balance)
    except TopupError as err:
        await req.respond(text=err.user_message, response_type="ephemeral", replace_original=False)
        return
    await after_decision(req, outcome)


@tracked
async def handle_deny_button(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Deny: check now, then ask for the reason in a modal."""
    await ack()
    req = Req.from_bolt(body, context, respond, client)
    request = await req.svc.approvals.get(_request_id(body))
    if request is None:
        await req.respond(
            text="That top-up request no longer exists.", response_type="ephemeral", replace_original=False
        )
        return
    if not await allowed(req, Permission.APPROVE_TOPUP, "deny a top-up"):
        return
    if request.state.value != "pending":
        await after_decision(req, Outcome(request=request, changed=False, message=status_text(request)))
        return
    meta = json.dumps({"id": request.id, "url": body.get("response_url")})
    await client.views_open(trigger_id=req.trigger_id, view=deny_modal(meta, request))


@tracked
async def handle_deny_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Deny with the reason (required); the state machine re-checks access and state."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    reason = (((values.get(ids.BLOCK_DENY_REASON) or {}).get(ids.INPUT) or {}).get("value") or "").strip()
    if not reason:
        await ack(
            response_action="errors", errors={ids.BLOCK_DENY_REASON: "Say why: the requester reads it."}
        )
        return
    await ack()
    meta = json.loads(view.get("private_metadata") or "{}")
    req = Req.from_bolt(body, context, respond, client)
    hook = AsyncWebhookClient(meta["url"]) if meta.get("url") else None

    async def tell(text: str, **_: Any) -> None:
        if hook is not None:
            await hook.send(text=text, response_type="ephemeral", replace_original=False)

    req.respond = tell  # type: ignore[assignment]
    try:
        outcome = await req.svc.approvals.deny(str(meta.get("id", "")), req.user_id, reason)
    except TopupError as err:
        await tell(err.user_message)
        return
    await after_decision(req, outcome)


SUBCOMMANDS = [
    Subcommand("topup", "/telnyx topup <amount> [reason]", "Ask finance to approve a top-up of the balance "
               "(charged to the stored payment method once approved).", EXAMPLE, run_topup,
               permission=Permission.REQUEST_TOPUP, shareable=False),
]  # fmt: skip


def register(app: Any) -> None:
    """The request button and modal, the card's buttons and the deny modal."""
    app.action(ids.ACTION_REQUEST_TOPUP)(handle_request_button)
    app.view(ids.VIEW_TOPUP_REQUEST)(handle_request_submit)
    app.action(ids.ACTION_TOPUP_APPROVE)(handle_approve)
    app.action(ids.ACTION_TOPUP_DENY)(handle_deny_button)
    app.view(ids.VIEW_TOPUP_DENY)(handle_deny_submit)
