"""Text helpers for Slack mrkdwn: escaping, truncation, code, dates, counts and durations.

Everything that comes from Telnyx or a user is untrusted: it goes through `escape` (or a helper that
escapes) before it lands in mrkdwn, so `<!channel>` or `<@U1>` in a webhook body shows as text.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date

from bot.times import as_utc

DEFAULT_DATE_FORMAT = "{date_short_pretty} {time}"
ELLIPSIS = "…"
ZWSP = "\u200b"  # zero-width space: splits ``` so untrusted text cannot close a code block

# C0/C1 controls (newline and tab kept), bidi overrides and marks: they can hide or reorder text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def strip_control(text: str) -> str:
    """Drop control and bidi characters; keep newlines and tabs; turn CR LF into LF."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape(text: str) -> str:
    """Escape &, < and > for mrkdwn, so no mention, link or date token can be injected."""
    return strip_control(str(text)).translate(_ESCAPE_TABLE)


def truncate(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """`text` cut to at most `limit` characters, ending in `marker` when cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if len(marker) >= limit:
        return marker[:limit]
    return text[: limit - len(marker)] + marker


def escape_truncated(text: str, limit: int, marker: str = ELLIPSIS, *, single_line: bool = False) -> str:
    """Escape `text` and fit the result in `limit` characters without cutting an `&amp;` in half."""
    clean = strip_control(str(text))
    if single_line:
        clean = " ".join(clean.split())
    escaped = clean.translate(_ESCAPE_TABLE)
    if len(escaped) <= limit:  # most text fits: no need to walk it character by character
        return escaped
    out: list[str] = []
    size = 0
    budget = limit - len(marker)
    for index, ch in enumerate(clean):
        piece = _ESCAPES.get(ch, ch)
        if size + len(piece) > budget:
            # the rest fits whole only if it would not need the marker at all
            rest = "".join(_ESCAPES.get(c, c) for c in clean[index:])
            if size + len(rest) <= limit:
                out.append(rest)
                return "".join(out)
            return "".join(out) + marker if limit >= len(marker) else ""
        out.append(piece)
        size += len(piece)
    return "".join(out)


def inline_code(text: str, limit: int = 200) -> str:
    """`text` as inline code; backticks become look-alikes so the span cannot be closed early."""
    body = escape_truncated(str(text).replace("`", "ˋ"), max(limit - 2, 1), single_line=True)
    return f"`{body}`" if body.strip() else "` `"


def code_block(text: str, limit: int) -> str:
    """`text` as a ``` block of at most `limit` characters, escaped, safe against ``` inside.

    When the text does not fit it is cut and a line after the block says how much is shown.
    """
    clean = strip_control(str(text))
    fence_cost = len("```\n") + len("\n```")
    note_room = 60
    budget = max(limit - fence_cost, 1)
    pieces: list[str] = []
    size = 0
    prev = ""
    shown = 0
    for ch in clean:
        piece = _ESCAPES.get(ch, ch)
        if ch == "`" and prev == "`":
            piece = ZWSP + piece
        if size + len(piece) > budget:
            break
        pieces.append(piece)
        size += len(piece)
        prev = ch
        shown += 1
    if shown < len(clean):
        # make room for the note, then cut again
        budget = max(limit - fence_cost - note_room, 1)
        while pieces and size > budget:
            size -= len(pieces.pop())
            shown -= 1
        note = f"\n_truncated: showing {shown:,} of {len(clean):,} characters_"
        return "```\n" + "".join(pieces) + "\n```" + note
    return "```\n" + ("".join(pieces) or " ") + "\n```"


def slack_date(moment: datetime, fmt: str = DEFAULT_DATE_FORMAT) -> str:
    """A Slack date token: each reader sees the time in their own zone; the fallback is UTC."""
    utc = as_utc(moment)  # a naive time is UTC, never the host's zone
    return f"<!date^{int(utc.timestamp())}^{fmt}|{plain_date(utc)}>"


def plain_date(moment: datetime) -> str:
    """2025-01-31 17:05 UTC: the one plain-text date-time (fallbacks, where date tokens do not render, and
    plain sentences)."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def date_label(day: date, locale: str = "en_US") -> str:
    """A calendar date such as "Nov 1, 2023".

    Billing dates are calendar days, not instants: a date token would move them across midnight for
    readers west of UTC, so they are printed as they are.
    """
    return format_date(day, format="medium", locale=locale)


def period_label(start: date, end: date, *, end_exclusive: bool = True) -> str:
    """A date range in the one style people read: "Nov 1 – Nov 29, 2026", both days included.

    A whole month is "November 2026", one day "Nov 1, 2026", and a range across a new year names both
    years ("Dec 15, 2025 – Jan 10, 2026"). Telnyx end dates are exclusive by default: the label shows the
    last day included, never the first day after.
    """
    last = end - timedelta(days=1) if end_exclusive and end > start else end
    if last == start:
        return date_label(start)
    whole_month = start.day == 1 and (last + timedelta(days=1)).day == 1
    if whole_month and (start.year, start.month) == (last.year, last.month):
        return format_date(start, format="MMMM y", locale="en_US")
    first = (
        format_date(start, format="MMM d", locale="en_US") if start.year == last.year else date_label(start)
    )
    return f"{first} – {date_label(last)}"


def count(number: int) -> str:
    """An integer with thousands separators."""
    return f"{number:,}"


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 record", "2 records", "1,024 entries"."""
    word = singular if number == 1 else (plural_form or singular + "s")
    return f"{number:,} {word}"


def showing(shown: int, total: int, noun: str, plural_form: str | None = None) -> str:
    """ "showing 10 of 35 invoices" when cut, else "35 invoices"."""
    if shown >= total:
        return plural(total, noun, plural_form)
    word = plural_form or noun + "s"
    return f"showing {shown:,} of {total:,} {word}"


def duration(seconds: float) -> str:
    """A short duration: "250 ms", "1.4 s", "2 min 5 s"."""
    if seconds < 0:
        seconds = 0.0
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def freshness(fetched_at: datetime, now: datetime | None = None) -> str:
    """How old cached data is: "as of 12 s ago"."""
    age = ((as_utc(now) if now else datetime.now(UTC)) - as_utc(fetched_at)).total_seconds()
    if age < 1:
        return "as of just now"
    if age < 60:
        return f"as of {int(age)} s ago"
    if age < 3600:
        return f"as of {int(age // 60)} min ago"
    if age < 86400:
        return f"as of {int(age // 3600)} h ago"
    return f"as of {int(age // 86400)} d ago"


def freshness_line(fetched_at: datetime, *, from_cache: bool, now: datetime | None = None) -> str:
    """ "Cached, as of 12 s ago" for a shared read, "Fetched <time>" for a live one."""
    if from_cache:
        return f":hourglass: Cached, {freshness(fetched_at, now)} ({slack_date(fetched_at, '{time_secs}')})"
    return f"Fetched {slack_date(fetched_at, '{date_short_pretty} {time_secs}')}"


def compact(value: Any, limit: int = 120) -> str:
    """Any JSON value in one short line: strings bare, the rest as compact JSON; not escaped."""
    if value is None:
        text = "(none)"
    elif isinstance(value, str):
        text = value if value.strip() else json.dumps(value)
    elif isinstance(value, bool | int | float | Decimal):
        text = json.dumps(value, default=str) if not isinstance(value, Decimal) else str(value)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str, sort_keys=True)
    return truncate(" ".join(strip_control(text).split()), limit)


def pretty_json(value: Any) -> str:
    """Indented JSON for a code block (not escaped: code_block does that)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=False)


def clip_mrkdwn(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """Cut already formatted mrkdwn without leaving half an `&amp;` or half a `<...>` token."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(marker), 0)]
    amp, semi = cut.rfind("&"), cut.rfind(";")
    if amp > semi:
        cut = cut[:amp]
    lt, gt = cut.rfind("<"), cut.rfind(">")
    if lt > gt:
        cut = cut[:lt]
    return cut + marker
