"""Input values as they appear in `view.state.values[block_id][action_id]` of a view_submission.

await req.view_submission(view, {ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("250.00")}})
"""

from __future__ import annotations

from typing import Any


def text_input(value: str | None) -> dict[str, Any]:
    """A plain_text_input; None is an empty optional field."""
    return {"type": "plain_text_input", "value": value}


def number_input(value: str | None) -> dict[str, Any]:
    """A number_input: Slack sends the number as the string the user typed."""
    return {"type": "number_input", "value": value}


def _option(value: str, text: str | None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def static_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    """A static_select with `value` chosen (None: nothing chosen)."""
    return {"type": "static_select", "selected_option": _option(value, text) if value is not None else None}


def radio_buttons(value: str | None, text: str | None = None) -> dict[str, Any]:
    """Radio buttons with `value` chosen (None: nothing chosen)."""
    return {"type": "radio_buttons", "selected_option": _option(value, text) if value is not None else None}


def checkboxes(*values: str) -> dict[str, Any]:
    """Checkboxes with `values` ticked."""
    return {"type": "checkboxes", "selected_options": [_option(v, None) for v in values]}
