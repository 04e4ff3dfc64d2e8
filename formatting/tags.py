"""`/telnyx tags [prefix]`: number tags and outbound profile tags."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.models import UserTags
from formatting.layout import SECTION_TEXT, context, fallback, header, section
from formatting.text import escape, freshness_line, inline_code, showing


def _matching(tags: list[str], prefix: str | None) -> list[str]:
    # Telnyx filters by prefix already; filtering again keeps the answer right if it did not,
    # and the casing Telnyx returns may differ from what the user typed
    unique = sorted(set(tags), key=str.casefold)
    if not prefix:
        return unique
    return [t for t in unique if t.casefold().startswith(prefix.casefold())]


def _tag_section(title: str, tags: list[str]) -> Block:
    head = f"*{title}*"
    if not tags:
        return section(f"{head}\n_none_")
    text = head + "\n"
    used = 0
    for tag in tags:
        item = inline_code(tag, 100)
        extra = (", " if used else "") + item
        # leave room for the "showing N of M" tail
        if len(text) + len(extra) > SECTION_TEXT - 60:
            break
        text += extra
        used += 1
    text += f"\n_{showing(used, len(tags), 'tag')}_"
    return section(text)


def tags_blocks(
    tags: UserTags,
    *,
    prefix: str | None,
    fetched_at: datetime,
    from_cache: bool = False,
    now: datetime | None = None,
) -> list[Block]:
    """Number tags and outbound profile tags, each list cut to fit with "showing N of M"."""
    numbers = _matching(tags.number_tags, prefix)
    profiles = _matching(tags.outbound_profile_tags, prefix)
    filter_note = f"Tags starting with {inline_code(prefix, 60)}" if prefix else "All tags"
    return [
        header("Telnyx tags"),
        context(filter_note, freshness_line(fetched_at, from_cache=from_cache, now=now)),
        _tag_section("Number tags", numbers),
        _tag_section("Outbound profile tags", profiles),
    ]


def tags_text(tags: UserTags, prefix: str | None = None) -> str:
    """Plain fallback for tags_blocks."""
    numbers = len(_matching(tags.number_tags, prefix))
    profiles = len(_matching(tags.outbound_profile_tags, prefix))
    return fallback(escape(f"Telnyx tags: {numbers:,} number tags, {profiles:,} outbound profile tags."))
