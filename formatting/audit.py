"""`/telnyx audit [period]`: recent account changes, who, what, when, and each field's old -> new."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.models import AuditChange, AuditEvent
from formatting.layout import BLOCK_BUDGET, SECTION_TEXT, context, fallback, header, section
from formatting.text import clip_mrkdwn, compact, escape, escape_truncated, inline_code, showing, slack_date

WHO = {
    "telnyx": "Telnyx",
    "account_owner": "The account owner",
    "organization_member": "An organization member",
    "account_manager": "The account manager",
}
MAX_EVENTS = 20  # a screenful; the rest is "showing N of M"
MAX_CHANGES = 12
VALUE_CHARS = 120


def who(event: AuditEvent) -> str:
    """Who made the change, in words (escaped)."""
    by = event.change_made_by
    text = WHO.get(by or "", escape_truncated(by, 60, single_line=True) if by else "Someone")
    if event.user_id:
        text += f" ({inline_code(event.user_id, 60)})"
    return text


def change_line(change: AuditChange) -> str:
    """ "• `field`: old → new", each value compact and escaped."""
    old = escape(compact(change.old, VALUE_CHARS))
    new = escape(compact(change.new, VALUE_CHARS))
    return f"• {inline_code(change.field, 80)}: {old} → {new}"


def _event_text(event: AuditEvent) -> str:
    what = escape_truncated(event.change_type or "change", 60, single_line=True)
    head = f"*{who(event)}* · {what}"
    if event.resource_id:
        head += f" · {inline_code(event.resource_id, 80)}"
    head += f" · {slack_date(event.created_at)}"
    lines = [change_line(c) for c in event.changes[:MAX_CHANGES]]
    if len(event.changes) > MAX_CHANGES:
        lines.append(f"_…and {len(event.changes) - MAX_CHANGES} more changes_")
    if not lines:
        lines.append("_no field details recorded_")
    text = head
    for line in lines:
        if len(text) + 1 + len(line) > SECTION_TEXT - 40:
            text += "\n_…more changes not shown_"
            break
        text += "\n" + line
    return clip_mrkdwn(text, SECTION_TEXT)


def audit_blocks(events: list[AuditEvent], *, total: int, period_label: str) -> list[Block]:
    """One section per change event (newest first as given), with "showing N of M"."""
    shown = events[: min(MAX_EVENTS, BLOCK_BUDGET - 2)]  # header and context take 2 blocks
    total = max(total, len(events))
    blocks: list[Block] = [
        header("Account changes"),
        context(
            escape_truncated(period_label, 200, single_line=True), showing(len(shown), total, "change event")
        ),
    ]
    if not shown:
        blocks.append(section("No account changes in this period."))
    blocks.extend(section(_event_text(e)) for e in shown)
    return blocks


def audit_text(events: list[AuditEvent], *, total: int | None = None, period_label: str = "") -> str:
    """Plain fallback for audit_blocks."""
    total = max(total or 0, len(events))
    label = f" ({period_label})" if period_label else ""
    return fallback(escape(f"Telnyx account changes{label}: {total:,} change events."))
