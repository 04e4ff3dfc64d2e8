"""`/telnyx autorecharge`: show the preferences; Edit opens a prefilled modal; Save re-checks and PATCHes."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.access import Permission
from bot.errors import TelnyxError
from bot.models import AutoRechargeChange
from bot.money import InvalidAmount, parse_amount
from bot.parsing import Parsed
from formatting.autorecharge import (
    PREFERENCES,
    change_blocks,
    change_text,
    edit_modal,
    loading_modal,
    prefs_blocks,
    prefs_text,
    unavailable_modal,
)
from handlers.common import Req, answer, answer_error, tracked, usage_error
from handlers.guard import allowed, check, on_click
from handlers.modals import modal_req
from handlers.registry import Subcommand

logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("100000")  # far above any real setting: a typo (an extra zero or two) is caught here
WHAT = "change auto-recharge"


async def run_autorecharge(req: Req, parsed: Parsed) -> None:
    """Show the auto-recharge preferences, with Edit for those allowed to change them (or why not)."""
    if parsed.args or parsed.options:
        await usage_error(
            req,
            "`autorecharge` takes no arguments",
            "`/telnyx autorecharge`, then Edit",
            "/telnyx autorecharge",
        )
        return
    fresh = await req.svc.telnyx.auto_recharge_prefs()
    decision = await check(req, Permission.CHANGE_AUTORECHARGE)
    mine = req.shared_by is None  # a shared answer shows no Edit and no note about one person's access
    note = decision.reason if mine and not decision.allowed else None
    blocks = prefs_blocks(
        fresh.value,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
        now=req.svc.clock(),
        can_edit=mine and decision.allowed,
        edit_note=note,
    )
    await answer(req, prefs_text(fresh.value), blocks, share="autorecharge")


@on_click(Permission.CHANGE_AUTORECHARGE, WHAT)
async def handle_edit(req: Req, _value: str) -> None:
    """Edit: check, open a loading modal at once (the trigger lasts 3 s), then fill it with current values."""
    opened = await req.client.views_open(trigger_id=req.trigger_id, view=loading_modal())
    view = opened["view"]
    try:
        await req.svc.telnyx.invalidate(
            "auto_recharge"
        )  # prefill with what Telnyx has now, not a cached copy
        prefs = (await req.svc.telnyx.auto_recharge_prefs()).value
    except TelnyxError as err:
        await req.client.views_update(view_id=view["id"], hash=view.get("hash"), view=unavailable_modal(err))
        return
    meta = json.dumps({"url": req.body.get("response_url"), "ch": req.channel_id})
    await req.client.views_update(view_id=view["id"], hash=view.get("hash"), view=edit_modal(prefs, meta))


def _amount(raw: str | None, *, allow_zero: bool) -> Decimal | str:
    """A two-place Decimal, or the inline error Slack shows under the field (bot.money keeps it short)."""
    try:
        return parse_amount(raw or "", allow_zero=allow_zero, maximum=MAX_AMOUNT)
    except InvalidAmount as err:
        return err.user_message


def read_form(values: dict[str, Any]) -> tuple[AutoRechargeChange | None, dict[str, str]]:
    """The change the form asks for, or the inline errors by block id."""

    def pick(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(ids.INPUT) or {}

    def chosen(block: str) -> str | None:
        return (pick(block).get("selected_option") or {}).get("value")

    errors: dict[str, str] = {}
    threshold = _amount(pick(ids.BLOCK_AR_THRESHOLD).get("value"), allow_zero=True)
    amount = _amount(pick(ids.BLOCK_AR_AMOUNT).get("value"), allow_zero=False)
    if isinstance(threshold, str):
        errors[ids.BLOCK_AR_THRESHOLD] = threshold
    if isinstance(amount, str):
        errors[ids.BLOCK_AR_AMOUNT] = amount
    preference = chosen(ids.BLOCK_AR_PREFERENCE)
    if preference not in PREFERENCES:
        errors[ids.BLOCK_AR_PREFERENCE] = "Choose a payment method"
    if errors:
        return None, errors
    return AutoRechargeChange(
        enabled=chosen(ids.BLOCK_AR_ENABLED) == "on",
        invoice_enabled=chosen(ids.BLOCK_AR_INVOICE) == "on",
        preference=preference,  # checked against PREFERENCES above
        threshold_amount=threshold,
        recharge_amount=amount,
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
    change, errors = read_form(((body.get("view") or {}).get("state") or {}).get("values") or {})
    if change is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    req, _ = modal_req(body, context, client)
    if not await allowed(req, Permission.CHANGE_AUTORECHARGE, WHAT, fresh=True):  # live group lookup
        return
    audit = req.svc.audit
    wanted = change.model_dump(mode="json")
    try:
        await req.svc.telnyx.invalidate("auto_recharge")  # "before" must be what Telnyx has now
        before = (await req.svc.telnyx.auto_recharge_prefs()).value
        after = await req.svc.telnyx.update_auto_recharge_prefs(change)
    except TelnyxError as err:
        await audit.record(
            req.user_id, "autorecharge.change", "autorecharge", None, wanted, "failed", err.user_message
        )
        await answer_error(req, err)
        return
    await audit.record(
        req.user_id,
        "autorecharge.change",
        "autorecharge",
        before.model_dump(mode="json"),
        after.model_dump(mode="json"),
        "ok",
    )
    await answer(req, change_text(before, after), change_blocks(before, after, req.user_id))


SUBCOMMANDS = [
    Subcommand(
        "autorecharge",
        "/telnyx autorecharge",
        "Auto-recharge settings; finance can edit them.",
        "/telnyx autorecharge",
        run_autorecharge,
    ),
]


def register(app: Any) -> None:
    """Edit button and the modal."""
    app.action(ids.ACTION_AUTORECHARGE_EDIT)(handle_edit)
    app.view(ids.VIEW_AUTORECHARGE)(handle_submit)
