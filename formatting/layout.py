"""Block constructors that respect Slack's limits whatever the input, so builders cannot overflow.

Every mrkdwn object is `verbatim`: Slack then does not auto-link or auto-mention words in untrusted
text; our own `<!date^...>` tokens still render.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from formatting.text import clip_mrkdwn, freshness_line, truncate

# Slack's limits (SLACK-NOTES.md)
MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000  # our own cap for a context element, far above what reads well
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
FALLBACK_TEXT = 3000  # `text=` fallbacks: notifications show a line or two, keep them short

# Builders stay within this many blocks, so the share button, the "shared by" line, the sandbox mark
# and one more context line (freshness_context) always fit under MAX_BLOCKS.
BLOCK_BUDGET = MAX_BLOCKS - 4


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    """A verbatim mrkdwn object, clipped to `limit`; `text` must already be escaped."""
    return MarkdownTextObject(text=clip_mrkdwn(text, limit) or " ", verbatim=True)


def header(text: str) -> HeaderBlock:
    """A header (plain text: never parsed, so untrusted text needs no escaping)."""
    clean = " ".join(str(text).split()) or " "
    return HeaderBlock(text=PlainTextObject(text=truncate(clean, HEADER_TEXT), emoji=True))


def section(text: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    """A mrkdwn section of at most 3000 characters; `text` must already be escaped."""
    return SectionBlock(text=mrkdwn(text, SECTION_TEXT), accessory=accessory)


def fields_section(pairs: Sequence[tuple[str, str]], text: str | None = None) -> SectionBlock:
    """A section of "*label*\\nvalue" fields (at most 10); labels and values must already be escaped."""
    if len(pairs) > MAX_FIELDS:
        raise ValueError(f"a section holds at most {MAX_FIELDS} fields, got {len(pairs)}")
    fields = [mrkdwn(f"*{label}*\n{value}", FIELD_TEXT) for label, value in pairs]
    return SectionBlock(text=mrkdwn(text) if text else None, fields=fields)


def context(*texts: str) -> ContextBlock:
    """A context line of up to 10 mrkdwn elements; texts must already be escaped."""
    elements = [mrkdwn(t, CONTEXT_TEXT) for t in texts if t][:CONTEXT_ELEMENTS]
    return ContextBlock(elements=elements or [mrkdwn(" ")])


def freshness_context(fetched_at: datetime, *, from_cache: bool, now: datetime | None = None) -> ContextBlock:
    """A context line saying how fresh an answer is ("Cached, as of 12 s ago"), for any builder's output."""
    return context(freshness_line(fetched_at, from_cache=from_cache, now=now))


def check_value(value: str | None) -> str | None:
    """A button value, or ValueError when it is over Slack's 2,000 characters (a cut id would be wrong)."""
    if value is not None and len(value) > BUTTON_VALUE:
        raise ValueError(
            f"button value is {len(value)} characters, Slack allows {BUTTON_VALUE}: store the state and "
            "pass a short key instead"
        )
    return value


def fits_value(value: str | None) -> bool:
    """True when `value` can be a button value (present and short enough)."""
    return bool(value) and len(value or "") <= BUTTON_VALUE


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> ButtonElement:
    """A button; the label is cut to 75 characters, an over-long value or URL is a ValueError."""
    if url is not None and len(url) > BUTTON_URL:
        raise ValueError(f"button url is {len(url)} characters, Slack allows {BUTTON_URL}")
    label = truncate(" ".join(text.split()) or "…", BUTTON_TEXT)
    return ButtonElement(
        text=PlainTextObject(text=label, emoji=True),
        action_id=action_id,
        value=check_value(value),
        url=url,
        style=style,
    )


def actions(*buttons: ButtonElement) -> ActionsBlock:
    """An actions block of at most 25 buttons."""
    if len(buttons) > ACTIONS_ELEMENTS:
        raise ValueError(f"an actions block holds at most {ACTIONS_ELEMENTS} elements")
    return ActionsBlock(elements=list(buttons))


def pack_lines(
    lines: Sequence[str], *, title: str = "", max_blocks: int = 1, limit: int = SECTION_TEXT
) -> tuple[list[Block], int]:
    """Pack lines into at most `max_blocks` sections of `limit` characters; returns (blocks, lines shown).

    A line too long for a section on its own is clipped; lines are never split between sections.
    """
    blocks: list[Block] = []
    current = title
    in_current = 0  # lines in `current`
    shown = 0
    for line in lines:
        if max_blocks <= 0:
            break
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit or in_current == 0:
            current = clip_mrkdwn(candidate, limit)
            in_current += 1
            shown += 1
            continue
        if len(blocks) + 1 >= max_blocks:
            break  # flushing would take the last slot: this line has nowhere to go
        blocks.append(section(current))
        current = clip_mrkdwn(line, limit)
        in_current = 1
        shown += 1
    if current and max_blocks > 0:
        blocks.append(section(current))
    return blocks, shown


def fallback(text: str) -> str:
    """Cap a `text=` fallback."""
    return clip_mrkdwn(text, FALLBACK_TEXT)
