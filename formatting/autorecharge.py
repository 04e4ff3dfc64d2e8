"""Auto-recharge: the preferences answer, the edit modal (prefilled), and the before -> after answer."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.errors import TelnyxError
from bot.models import AutoRechargePrefs
from formatting.errors import error_blocks
from formatting.layout import actions, button, context, fields_section, header, section
from formatting.money import money
from formatting.text import escape, freshness_line

PREFERENCES = {"credit_paypal": "Credit card / PayPal", "ach": "ACH bank transfer"}
FIELDS = ("enabled", "threshold_amount", "recharge_amount", "preference", "invoice_enabled")
LABELS = {
    "enabled": "Auto-recharge",
    "threshold_amount": "Recharge when balance is below",
    "recharge_amount": "Recharge amount",
    "preference": "Payment method",
    "invoice_enabled": "Invoice for each recharge",
}


def show(prefs: AutoRechargePrefs, field: str, currency: str = "USD") -> str:
    """One preference as a reader wants it."""
    value = getattr(prefs, field)
    if field in ("enabled", "invoice_enabled"):
        return "on" if value else "off"
    if field == "preference":
        return PREFERENCES.get(value or "", "not set")
    return money(value, currency) if value is not None else "not set"


def prefs_text(prefs: AutoRechargePrefs) -> str:
    """Plain fallback."""
    return "Auto-recharge: " + ", ".join(f"{LABELS[f]}: {show(prefs, f)}" for f in FIELDS)


def prefs_blocks(
    prefs: AutoRechargePrefs,
    *,
    fetched_at: datetime,
    from_cache: bool,
    can_edit: bool,
    now: datetime | None = None,
    edit_note: str | None = None,
) -> list[Block]:
    """The preferences; an Edit button for those allowed to change them, or `edit_note` saying why not."""
    blocks: list[Block] = [
        header("Auto-recharge"),
        fields_section([(LABELS[f], show(prefs, f)) for f in FIELDS]),
        context(freshness_line(fetched_at, from_cache=from_cache, now=now)),
    ]
    if can_edit:
        blocks.append(actions(button("Edit", ids.ACTION_AUTORECHARGE_EDIT, value="edit")))
    elif edit_note:
        blocks.append(context(f":lock: {escape(edit_note)}"))
    return blocks


def loading_modal() -> View:
    """Opened at once (the trigger expires in 3 s), replaced when the current values arrive."""
    return View(
        type="modal",
        callback_id=ids.VIEW_AUTORECHARGE,
        title=PlainTextObject(text="Auto-recharge"),
        close=PlainTextObject(text="Cancel"),
        blocks=[section(":hourglass_flowing_sand: Loading the current settings from Telnyx...")],
    )


def unavailable_modal(err: TelnyxError) -> View:
    """The loading modal's replacement when the current settings could not be read: nothing to edit."""
    return View(
        type="modal",
        callback_id=ids.VIEW_AUTORECHARGE,
        title=PlainTextObject(text="Auto-recharge"),
        close=PlainTextObject(text="Close"),
        blocks=[*error_blocks(err), context("Nothing was changed. Try Edit again in a minute.")],
    )


def _onoff(block_id: str, label: str, value: bool) -> InputBlock:
    on, off = Option(value="on", label="On"), Option(value="off", label="Off")
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=RadioButtonsElement(
            action_id=ids.INPUT, options=[on, off], initial_option=on if value else off
        ),
    )


def _amount_input(block_id: str, label: str, value: object, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        hint=PlainTextObject(text=hint),
        element=PlainTextInputElement(
            action_id=ids.INPUT,
            initial_value=str(value) if value is not None else None,
            placeholder="e.g. 100.00",
        ),
    )


def edit_modal(prefs: AutoRechargePrefs, private_metadata: str) -> View:
    """The form, prefilled with the current values."""
    options = [Option(value=k, label=v) for k, v in PREFERENCES.items()]
    initial = next((o for o in options if o.value == prefs.preference), None)
    return View(
        type="modal",
        callback_id=ids.VIEW_AUTORECHARGE,
        title=PlainTextObject(text="Auto-recharge"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            _onoff(ids.BLOCK_AR_ENABLED, LABELS["enabled"], prefs.enabled),
            _amount_input(
                ids.BLOCK_AR_THRESHOLD,
                LABELS["threshold_amount"],
                prefs.threshold_amount,
                "USD, at most two decimals, 0 or more",
            ),
            _amount_input(
                ids.BLOCK_AR_AMOUNT,
                LABELS["recharge_amount"],
                prefs.recharge_amount,
                "USD, at most two decimals, more than 0",
            ),
            InputBlock(
                block_id=ids.BLOCK_AR_PREFERENCE,
                label=PlainTextObject(text=LABELS["preference"]),
                element=StaticSelectElement(
                    action_id=ids.INPUT, options=options, initial_option=initial, placeholder="Choose"
                ),
            ),
            _onoff(ids.BLOCK_AR_INVOICE, LABELS["invoice_enabled"], prefs.invoice_enabled),
        ],
    )


def change_text(before: AutoRechargePrefs, after: AutoRechargePrefs) -> str:
    """Plain fallback of the before -> after answer."""
    changed = [
        f"{LABELS[f]}: {show(before, f)} -> {show(after, f)}"
        for f in FIELDS
        if show(before, f) != show(after, f)
    ]
    return "Auto-recharge saved. " + ("; ".join(changed) if changed else "Nothing changed.")


def unchanged_text(prefs: AutoRechargePrefs) -> str:
    """Plain fallback of unchanged_blocks."""
    return "Auto-recharge: nothing changed; the values saved are the ones Telnyx already has."


def unchanged_blocks(prefs: AutoRechargePrefs) -> list[Block]:
    """A save that changed nothing: said plainly, with the settings as they stay."""
    return [
        header("Auto-recharge: nothing changed"),
        section(
            "The values you saved are the ones Telnyx already has, so nothing was sent to Telnyx and "
            "nothing was recorded.\n" + "\n".join(f"{LABELS[f]}: {show(prefs, f)}" for f in FIELDS)
        ),
    ]


def change_blocks(before: AutoRechargePrefs, after: AutoRechargePrefs, user_id: str) -> list[Block]:
    """Every field as before -> after, the changed ones in bold."""
    lines = []
    for f in FIELDS:
        old, new = show(before, f), show(after, f)
        lines.append(f"*{LABELS[f]}*: {old} → *{new}*" if old != new else f"{LABELS[f]}: {new} (unchanged)")
    return [
        header("Auto-recharge saved"),
        section("\n".join(lines)),
        context(f"Changed by <@{user_id}> in Telnyx just now."),
    ]
