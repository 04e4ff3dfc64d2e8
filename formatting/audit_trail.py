"""The bot's own audit trail, as posted to the audit channel: who did what, when, before/after, result."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.audit_trail import AuditRecord
from formatting.layout import context, section
from formatting.text import compact, escape, slack_date

RESULT_MARK = {
    "ok": ":white_check_mark:",
    "denied": ":no_entry:",
    "refused": ":no_entry_sign:",
    "failed": ":x:",
}


def _changes(before: Any, after: Any) -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in after if before.get(k) != after.get(k)]
        return [
            f"{escape(k)}: {escape(compact(before.get(k)))} → {escape(compact(after.get(k)))}" for k in keys
        ]
    if before is None and after is None:
        return []
    return [f"{escape(compact(before))} → {escape(compact(after))}"]


def audit_record_text(record: AuditRecord) -> str:
    """Plain fallback."""
    return f"{record.action} by <@{record.actor}> on {record.target}: {record.result}"


def audit_record_blocks(record: AuditRecord) -> list[Block]:
    """One record: the action, who, the result, and each changed field."""
    mark = RESULT_MARK.get(record.result, ":information_source:")
    lines = [
        f"{mark} *{escape(record.action)}* on `{escape(record.target)}` by <@{record.actor}>: *{escape(record.result)}*"
    ]
    lines += _changes(record.before, record.after)[:20]
    if record.detail:
        lines.append(f"_{escape(compact(record.detail, 500))}_")
    return [section("\n".join(lines)), context(f"{slack_date(record.at)} · audit record #{record.id}")]
