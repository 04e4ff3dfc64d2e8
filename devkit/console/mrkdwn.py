"""Slack mrkdwn to rich text: *bold*, _italic_, ~strike~, `code`, ```blocks```, links, mentions, dates.

Pure functions: the same text, names and clock always give the same renderable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.emoji import Emoji
from rich.panel import Panel
from rich.style import Style
from rich.text import Text

from devkit.console.people import Names

_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_TOKEN = re.compile(
    r"<(?P<angle>[^<>\n]+)>"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\s](?:[^_\n]*?[^_\s])?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\s](?:[^~\n]*?[^~\s])?)~(?![\w~])"
)
_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
CODE_STYLE = Style(color="cyan")
LINK_STYLE = Style(color="blue", underline=True)
MENTION_STYLE = Style(color="magenta", bold=True)


# Slack's names that rich's emoji table spells otherwise
SLACK_EMOJI = {":large_orange_circle:": ":orange_circle:", ":large_blue_circle:": ":blue_circle:"}


def emoji(text: str) -> str:
    """`:name:` codes as the characters Slack shows."""
    for slack_name, rich_name in SLACK_EMOJI.items():
        text = text.replace(slack_name, rich_name)
    return Emoji.replace(text)


def unescape(text: str) -> str:
    """Undo Slack's three escapes (&amp; last, so '&amp;lt;' stays '&lt;')."""
    for escaped, plain in _UNESCAPE:
        text = text.replace(escaped, plain)
    return text


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            amount = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {amount}" if future else f"{amount} ago"
    return "just now"


def slack_date(timestamp: int, fmt: str, *, now: datetime, tz: tzinfo | None = None) -> str:
    """A `<!date^ts^fmt|...>` token as Slack shows it to a reader in `tz` (None: this machine's zone)."""
    moment = datetime.fromtimestamp(timestamp, UTC).astimezone(tz)
    today = now.astimezone(tz).date()
    date_short = f"{moment:%b} {moment.day}, {moment.year}"
    date = f"{moment:%B} {_ordinal(moment.day)}, {moment.year}"
    date_long = f"{moment:%A}, {date}"
    relative = {0: "today", -1: "yesterday", 1: "tomorrow"}.get((moment.date() - today).days)
    values = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": date,
        "date_short": date_short,
        "date_long": date_long,
        "date_pretty": relative or date,
        "date_short_pretty": relative or date_short,
        "date_long_pretty": relative or date_long,
        "time": f"{moment:%H:%M}",
        "time_secs": f"{moment:%H:%M:%S}",
        "ago": _ago(moment, now),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), fmt)


def _angle(token: str, names: Names, now: datetime, tz: tzinfo | None) -> Text:
    """One `<...>` token: a mention, a channel, a special mention, a date or a link."""
    body, _, label = token.partition("|")
    label = unescape(label)
    if body.startswith("@"):
        return Text(f"@{names.user(body[1:])}", style=MENTION_STYLE)
    if body.startswith("#"):
        return Text(names.channel(body[1:]) if not label else f"#{label}", style=MENTION_STYLE)
    if body.startswith("!subteam^"):
        group = body.split("^", 1)[1]
        return Text(label or f"@{names.groups.get(group, group)}", style=MENTION_STYLE)
    if body.startswith("!date^"):
        parts = body.split("^")
        try:
            return Text(
                slack_date(int(parts[1]), parts[2] if len(parts) > 2 else "{date_num}", now=now, tz=tz)
            )
        except (ValueError, OverflowError, OSError):
            return Text(label or body)
    if body.startswith("!"):
        return Text(label or f"@{body[1:]}", style=MENTION_STYLE)
    url = unescape(body)
    text = Text(label or url, style=LINK_STYLE + Style(link=url))
    if label and label != url:
        text.append(f" ({url})", style="dim")
    return text


def inline(
    text: str, names: Names, *, now: datetime, tz: tzinfo | None = None, style: Style | None = None
) -> Text:
    """One run of mrkdwn without code blocks, as rich Text."""
    out = Text(style=style or "")

    def plain(piece: str) -> None:
        out.append(emoji(unescape(piece)))

    pos = 0
    for match in _TOKEN.finditer(text):
        plain(text[pos : match.start()])
        pos = match.end()
        if match.group("angle") is not None:
            out.append_text(_angle(match.group("angle"), names, now, tz))
        elif match.group("code") is not None:
            out.append(unescape(match.group("code")), style=CODE_STYLE)
        else:
            kind = next(k for k in ("bold", "italic", "strike") if match.group(k) is not None)
            look = Style(bold=kind == "bold", italic=kind == "italic", strike=kind == "strike")
            out.append_text(inline(match.group(kind), names, now=now, tz=tz, style=look))
    plain(text[pos:])
    return out


def _quoted(text: str) -> str:
    """'> quote' lines (also escaped, as &gt;) get a bar, as Slack draws a block quote."""
    lines = []
    for line in text.split("\n"):
        for mark in ("&gt;", ">"):
            if line.startswith(mark):
                line = "▌ " + line[len(mark) :].lstrip()
                break
        lines.append(line)
    return "\n".join(lines)


def to_rich(
    text: str, names: Names, *, now: datetime | None = None, tz: tzinfo | None = None
) -> RenderableType:
    """mrkdwn -> Text, or a Group of Text and boxed code blocks when ``` blocks are present."""
    now = now or datetime.now(UTC)
    parts: list[RenderableType] = []
    pos = 0
    for match in _FENCE.finditer(text):
        before = text[pos : match.start()].strip("\n")
        if before:
            parts.append(inline(_quoted(before), names, now=now, tz=tz))
        code = unescape(match.group(1).strip("\n")).replace("\u200b", "")
        parts.append(Panel(Text(code, style=CODE_STYLE), box=box.SQUARE, border_style="dim", expand=False))
        pos = match.end()
    rest = text[pos:].strip("\n") if parts else text[pos:]
    if rest or not parts:
        parts.append(inline(_quoted(rest), names, now=now, tz=tz))
    return parts[0] if len(parts) == 1 else Group(*parts)


def plain_text(
    obj: object, names: Names, *, now: datetime | None = None, tz: tzinfo | None = None
) -> RenderableType:
    """A Block Kit text object ({"type": "mrkdwn"|"plain_text", "text": ...}) as a renderable."""
    if not isinstance(obj, dict):
        return Text("")
    text = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return to_rich(text, names, now=now, tz=tz)
    return Text(emoji(text) if obj.get("emoji", True) else text)


def text_of(obj: object) -> str:
    """The raw string of a text object (labels, button texts)."""
    return emoji(str(obj.get("text") or "")) if isinstance(obj, dict) else ""
