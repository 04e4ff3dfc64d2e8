"""A modal as a form: one question per input block, answers checked as Slack's client checks them.

`questions(view)` lists the inputs; `answer(question, text)` turns what was typed into the state value
Slack would submit (or a problem to show before asking again). Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from devkit.console.blocks import describe_input
from devkit.console.mrkdwn import text_of
from devkit.console.people import ROOMS, find_person, find_room

CANCEL = "!cancel"
SUPPORTED = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "datepicker",
        "timepicker",
        "static_select",
        "radio_buttons",
        "checkboxes",
        "multi_static_select",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
_MULTI = ("checkboxes", "multi_static_select")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Question:
    """One input block of a modal."""

    block_id: str
    action_id: str
    label: str
    element: dict[str, Any]
    optional: bool
    hint: str

    @property
    def kind(self) -> str:
        return str(self.element.get("type"))

    def prompt(self) -> str:
        """'Threshold (USD) [number, 0 to 500, now 100.00]: '."""
        extra = " (optional)" if self.optional else ""
        return f"  {self.label}{extra} [{describe_input(self.element)}]: "


class Problem(ValueError):
    """An answer the Slack client itself would refuse; the message says what is accepted."""


def questions(view: dict[str, Any]) -> list[Question]:
    """The input blocks of `view`, in order."""
    found = []
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        found.append(
            Question(
                block_id=str(block.get("block_id") or ""),
                action_id=str(element.get("action_id") or ""),
                label=text_of(block.get("label")),
                element=element,
                optional=bool(block.get("optional")),
                hint=text_of(block.get("hint")),
            )
        )
    return found


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _pick(options: list[dict[str, Any]], word: str) -> dict[str, Any]:
    """An option by number, label, value, or a label prefix that only one option has."""
    key = word.strip().lower()
    if key.isdigit() and 1 <= int(key) <= len(options):
        return options[int(key) - 1]
    for option in options:
        if key in (text_of(option.get("text")).lower(), str(option.get("value")).lower()):
            return option
    matches = [o for o in options if text_of(o.get("text")).lower().startswith(key)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f"{i}) {text_of(o.get('text'))}" for i, o in enumerate(options, 1))
    raise Problem(f"{word!r} is not one of the choices: {names}")


def _initial(q: Question) -> dict[str, Any]:
    """The state value of an untouched input: its initial value, or empty like Slack sends it."""
    el, kind = q.element, q.kind
    if kind in _MULTI:
        return {"type": kind, "selected_options": list(el.get("initial_options") or [])}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": el.get("initial_option")}
    if kind == "datepicker":
        return {"type": kind, "selected_date": el.get("initial_date")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": el.get("initial_time")}
    if kind == "users_select":
        return {"type": kind, "selected_user": el.get("initial_user")}
    if kind in ("conversations_select", "channels_select"):
        key = "selected_channel" if kind == "channels_select" else "selected_conversation"
        return {"type": kind, key: el.get("initial_channel") or el.get("initial_conversation")}
    return {"type": kind, "value": el.get("initial_value") or None}


def _is_empty(value: dict[str, Any]) -> bool:
    return not any(v for k, v in value.items() if k != "type")


def answer(q: Question, typed: str) -> dict[str, Any]:
    """The state value for what was typed; an empty answer keeps the initial value. Raises Problem."""
    text = typed.strip()
    if not text:
        kept = _initial(q)
        if _is_empty(kept) and not q.optional:
            raise Problem("this field is required")
        return kept
    kind, el = q.kind, q.element
    if kind not in SUPPORTED:
        raise Problem(f"the console cannot fill a {kind} input")
    if kind == "plain_text_input":
        low, high = el.get("min_length"), el.get("max_length")
        if low is not None and len(text) < int(low):
            raise Problem(f"at least {low} characters, please")
        if high is not None and len(text) > int(high):
            raise Problem(f"at most {high} characters, please")
        return {"type": kind, "value": text}
    if kind == "number_input":
        return {"type": kind, "value": _number(el, text)}
    if kind == "email_text_input":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            raise Problem("enter an e-mail address")
        return {"type": kind, "value": text}
    if kind == "url_text_input":
        if not text.startswith(("http://", "https://")):
            raise Problem("enter a URL starting with http:// or https://")
        return {"type": kind, "value": text}
    if kind == "datepicker":
        try:
            return {"type": kind, "selected_date": date.fromisoformat(text).isoformat()}
        except ValueError:
            raise Problem("enter a date as YYYY-MM-DD") from None
    if kind == "timepicker":
        if not _TIME.match(text):
            raise Problem("enter a time as HH:MM")
        return {"type": kind, "selected_time": text}
    if kind in _MULTI:
        words = [] if text.lower() in ("none", "-") else [w for w in text.split(",") if w.strip()]
        return {"type": kind, "selected_options": [_pick(_options(el), w) for w in words]}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": _pick(_options(el), text)}
    if kind == "users_select":
        person = find_person(text)
        if person is None:
            raise Problem(f"{text!r} is not one of the preset people (type `people` to list them)")
        return {"type": kind, "selected_user": person.id}
    room = find_room(text)
    if room is None:
        raise Problem(f"{text!r} is not a preset channel: " + ", ".join(f"#{r.name}" for r in ROOMS))
    key = "selected_channel" if kind == "channels_select" else "selected_conversation"
    return {"type": kind, key: room.id}


def _number(el: dict[str, Any], text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Problem(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise Problem(f"{text!r} is not a number")
    if not el.get("is_decimal_allowed") and value != value.to_integral_value():
        raise Problem("a whole number, please")
    low, high = el.get("min_value"), el.get("max_value")
    if low is not None and value < Decimal(str(low)):
        raise Problem(f"at least {low}, please")
    if high is not None and value > Decimal(str(high)):
        raise Problem(f"at most {high}, please")
    return text
