"""`/telnyx autorecharge`: show the preferences; Edit opens a prefilled modal; Save re-checks and PATCHes."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.errors import TelnyxError
from bot.models import AutoRechargeChange
from bot.money import InvalidAmount, parse_amount
from bot.parsing import Parsed
from formatting.access import reason_text
from formatting.amounts import amount_problem
from formatting.autorecharge import (
    PREFERENCES,
    change_blocks,
    change_text,
    edit_modal,
    loading_modal,
    prefs_blocks,
    prefs_text,
    unavailable_modal,
    unchanged_blocks,
    unchanged_text,
)
from formatting.telnyx_errors import message
from handlers.access import check, require
from handlers.replies import SHARED_BY, TRIGGER, answer, answer_error, services, slack, usage_error, user
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("100000")  # far above any real setting: a typo (an extra zero or two) is caught here
WHAT = "change auto-recharge"


async def run_autorecharge(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Show the auto-recharge preferences, with Edit for those allowed to change them (or why not)."""
    if parsed.args or parsed.options:
        await usage_error(
            context,
            "`autorecharge` takes no arguments",
            "`/telnyx autorecharge`, then Edit",
            "/telnyx autorecharge",
        )
        return
    fresh = await services(context).telnyx.auto_recharge_prefs()
    decision = await check(context, Permission.CHANGE_AUTORECHARGE)
    mine = (
        context.get(SHARED_BY) is None
    )  # a shared answer shows no Edit and no note about one person's access
    note = reason_text(decision) if mine and not decision.allowed else None
    blocks = prefs_blocks(
        fresh.value,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
        now=services(context).clock(),
        can_edit=mine and decision.allowed,
        edit_note=note,
    )
    await answer(context, prefs_text(fresh.value), blocks, share="autorecharge")


async def handle_edit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Edit: open a loading modal at once (the trigger lasts 3 s), then fill it with current values."""
    await ack()
    opened = await slack(context).views_open(trigger_id=context.get(TRIGGER), view=loading_modal())
    view = opened["view"]
    try:
        await services(context).telnyx.invalidate(
            "auto_recharge"
        )  # prefill with what Telnyx has now, not a cached copy
        prefs = (await services(context).telnyx.auto_recharge_prefs()).value
    except TelnyxError as err:
        await slack(context).views_update(
            view_id=view["id"], hash=view.get("hash"), view=unavailable_modal(err)
        )
        return
    meta = json.dumps({"url": body.get("response_url"), "ch": context.channel_id})
    await slack(context).views_update(view_id=view["id"], hash=view.get("hash"), view=edit_modal(prefs, meta))


def _amount(raw: str | None, *, allow_zero: bool) -> Decimal | str:
    """A two-place Decimal, or the inline error Slack shows under the field (bot.money keeps what was read
    short, so the words fit)."""
    try:
        return parse_amount(raw or "", allow_zero=allow_zero, maximum=MAX_AMOUNT)
    except InvalidAmount as err:
        return amount_problem(err)


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


async def handle_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Save: inline errors for bad amounts; access checked again; PATCH what differs; answer before -> after.

    A save that changes nothing sends nothing to Telnyx and records nothing: it only says so.
    """
    change, errors = read_form(((body.get("view") or {}).get("state") or {}).get("values") or {})
    if change is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    audit = services(context).audit
    wanted = change.model_dump(mode="json")
    try:
        await services(context).telnyx.invalidate("auto_recharge")  # "before" must be what Telnyx has now
        before = (await services(context).telnyx.auto_recharge_prefs()).value
        change = change.against(before)
        if change.empty:
            await answer(context, unchanged_text(before), unchanged_blocks(before))
            return
        after = await services(context).telnyx.update_auto_recharge_prefs(change)
    except TelnyxError as err:
        await audit.record(
            user(context), "autorecharge.change", "autorecharge", None, wanted, "failed", message(err)
        )
        await answer_error(context, err)
        return
    await audit.record(
        user(context),
        "autorecharge.change",
        "autorecharge",
        before.model_dump(mode="json"),
        after.model_dump(mode="json"),
        "ok",
    )
    await answer(context, change_text(before, after), change_blocks(before, after, user(context)))


SUBCOMMANDS = (
    Subcommand(
        "autorecharge",
        "/telnyx autorecharge",
        "Auto-recharge settings; finance can edit them.",
        "/telnyx autorecharge",
        run_autorecharge,
    ),
)


def register(app: AsyncApp) -> None:
    """Edit and the form's Save (access checked again on Save, with live user-group membership)."""
    app.action(ids.ACTION_AUTORECHARGE_EDIT, middleware=[require(Permission.CHANGE_AUTORECHARGE, WHAT)])(
        handle_edit
    )
    app.view(ids.VIEW_AUTORECHARGE, middleware=[require(Permission.CHANGE_AUTORECHARGE, WHAT, fresh=True)])(
        handle_submit
    )
