"""`/telnyx autorecharge`: show the preferences; Edit opens a prefilled modal; Save re-checks and PATCHes."""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import ids
from bot.access import Permission
from bot.errors import TelnyxError
from bot.models import AutoRechargeChange
from bot.parsing import Parsed
from formatting.autorecharge import (
    change_blocks,
    change_text,
    edit_modal,
    loading_modal,
    prefs_blocks,
    prefs_text,
)
from formatting.errors import error_blocks, error_text
from handlers.common import Req, answer, decorate, tracked, usage_error
from handlers.guard import allowed, check
from handlers.registry import Subcommand

logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("100000")


async def run_autorecharge(req: Req, parsed: Parsed) -> None:
    """Show the auto-recharge preferences, with Edit for those allowed to change them."""
    if parsed.args or parsed.options:
        await usage_error(req, "`autorecharge` takes no arguments", "`/telnyx autorecharge`, then Edit",
                          "/telnyx autorecharge")  # fmt: skip
        return
    fresh = await req.svc.telnyx.auto_recharge_prefs()
    can_edit = (await check(req, Permission.CHANGE_AUTORECHARGE)).allowed and req.shared_by is None
    blocks = prefs_blocks(fresh.value, fetched_at=fresh.fetched_at, from_cache=fresh.from_cache, can_edit=can_edit,
                          now=req.svc.clock())  # fmt: skip
    await answer(req, prefs_text(fresh.value), blocks, share="autorecharge")


@tracked
async def handle_edit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Edit: check, open a loading modal at once (the trigger lasts 3 s), then fill it with current values."""
    await ack()
    req = Req.from_bolt(body, context, respond, client)
    if not await allowed(req, Permission.CHANGE_AUTORECHARGE, "change auto-recharge"):
        return
    opened = await client.views_open(trigger_id=req.trigger_id, view=loading_modal())
    view = opened["view"]
    fresh = await req.svc.telnyx.auto_recharge_prefs()
    meta = json.dumps({"url": body.get("response_url"), "ch": req.channel_id})
    await client.views_update(view_id=view["id"], hash=view.get("hash"), view=edit_modal(fresh.value, meta))


def _amount(raw: str | None, *, allow_zero: bool) -> Decimal | str:
    """A Decimal, or the inline error Slack shows under the field."""
    text = (raw or "").strip().replace(",", "").lstrip("$")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "Enter an amount in USD, like 100.00"
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return "Use at most two decimals, like 100.50"
    if value < 0 or (value == 0 and not allow_zero):
        return "Enter an amount above 0" if not allow_zero else "Enter 0 or more"
    if value > MAX_AMOUNT:
        return f"At most {MAX_AMOUNT:,} USD"
    return value.quantize(Decimal("0.01"))


def read_form(values: dict[str, Any]) -> tuple[AutoRechargeChange | None, dict[str, str]]:
    """The change the form asks for, or the inline errors by block id."""

    def pick(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(ids.INPUT) or {}

    errors: dict[str, str] = {}
    threshold = _amount(pick(ids.BLOCK_AR_THRESHOLD).get("value"), allow_zero=True)
    amount = _amount(pick(ids.BLOCK_AR_AMOUNT).get("value"), allow_zero=False)
    if isinstance(threshold, str):
        errors[ids.BLOCK_AR_THRESHOLD] = threshold
    if isinstance(amount, str):
        errors[ids.BLOCK_AR_AMOUNT] = amount
    preference = (pick(ids.BLOCK_AR_PREFERENCE).get("selected_option") or {}).get("value")
    if preference not in ("credit_paypal", "ach"):
        errors[ids.BLOCK_AR_PREFERENCE] = "Choose a payment method"
    if errors:
        return None, errors
    return AutoRechargeChange(
        enabled=(pick(ids.BLOCK_AR_ENABLED).get("selected_option") or {}).get("value") == "on",
        invoice_enabled=(pick(ids.BLOCK_AR_INVOICE).get("selected_option") or {}).get("value") == "on",
        preference=preference,
        threshold_amount=threshold,  # type: ignore[arg-type]
        recharge_amount=amount,  # type: ignore[arg-type]
    ), {}


@tracked
async def handle_submit(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Save: inline errors for bad amounts; access checked again; PATCH; answer before -> after."""
    view = body.get("view") or {}
    change, errors = read_form((view.get("state") or {}).get("values") or {})
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    meta = json.loads(view.get("private_metadata") or "{}")
    reply = AsyncWebhookClient(meta["url"]) if meta.get("url") else None
    req = Req.from_bolt(body, context, respond, client)
    req.channel_id = meta.get("ch")

    async def send(text: str, blocks: list[Any]) -> None:
        if reply is not None:
            await reply.send(text=text, blocks=decorate(req.svc, blocks, None), response_type="ephemeral",
                             replace_original=False)  # fmt: skip

    decision = await check(req, Permission.CHANGE_AUTORECHARGE)
    if not decision.allowed:
        from formatting.access import denied_blocks, denied_text

        await req.svc.audit.record_denial(
            req.user_id, Permission.CHANGE_AUTORECHARGE, "autorecharge", decision.rule
        )
        await send(
            denied_text("change auto-recharge", decision), denied_blocks("change auto-recharge", decision)
        )
        return
    try:
        await req.svc.telnyx.invalidate("auto_recharge")  # "before" must be what Telnyx has now
        before = (await req.svc.telnyx.auto_recharge_prefs()).value
        after = await req.svc.telnyx.update_auto_recharge_prefs(change)
    except TelnyxError as err:
        await req.svc.audit.record(req.user_id, "autorecharge.change", "autorecharge", None,
                                   change.model_dump(mode="json"), "failed", err.user_message)  # fmt: skip
        await send(error_text(err), error_blocks(err))
        return
    await req.svc.audit.record(req.user_id, "autorecharge.change", "autorecharge",
                               before.model_dump(mode="json"), after.model_dump(mode="json"), "ok")  # fmt: skip
    await send(change_text(before, after), change_blocks(before, after, req.user_id))


SUBCOMMANDS = [
    Subcommand("autorecharge", "/telnyx autorecharge", "Auto-recharge settings; finance can edit them.",
               "/telnyx autorecharge", run_autorecharge),
]  # fmt: skip


def register(app: Any) -> None:
    """Edit button and the modal."""
    app.action(ids.ACTION_AUTORECHARGE_EDIT)(handle_edit)
    app.view(ids.VIEW_AUTORECHARGE)(handle_submit)
