"""The bot's own audit trail, as posted to the audit channel: who did what, when, before/after, result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.approvals import Refused
from bot.audit_trail import DENIED, AuditRecord
from formatting.approvals import refusal_text
from formatting.layout import BLOCK_BUDGET, context, fallback, header, pack_lines, section
from formatting.text import compact, escape, showing, slack_date

RESULT_MARK = {
    "ok": ":white_check_mark:",
    "denied": ":no_entry:",
    "refused": ":no_entry_sign:",
    "failed": ":x:",
}


def _changes(before: Any, after: Any) -> list[str]:
    """One "field: old → new" line per changed field (a creation has no before: every field is new)."""
    if isinstance(after, dict) and (before is None or isinstance(before, dict)):
        old = before or {}
        keys = [k for k in after if old.get(k) != after.get(k)]
        return [f"{escape(k)}: {escape(compact(old.get(k)))} → {escape(compact(after.get(k)))}" for k in keys]
    if before is None and after is None:
        return []
    return [f"{escape(compact(before))} → {escape(compact(after))}"]


def detail_text(record: AuditRecord) -> str:
    """The record's detail in words: a top-up refusal is stored as data (`Refused.note`), the rest as text."""
    refused = Refused.from_note(record.detail) if record.result == "refused" else None
    return refusal_text(refused) if refused is not None else record.detail


def audit_record_text(record: AuditRecord) -> str:
    """Plain fallback."""
    return f"{record.action} by <@{record.actor}> on {record.target}: {record.result}"


def audit_record_blocks(record: AuditRecord) -> list[Block]:
    """One record: the action, who, the result, and each changed field."""
    mark = RESULT_MARK.get(record.result, ":information_source:")
    lines = [
        f"{mark} *{escape(record.action)}* on `{escape(record.target)}` by <@{record.actor}>: "
        f"*{escape(record.result)}*"
    ]
    lines += _changes(record.before, record.after)[:20]
    if record.detail:
        lines.append(f"_{escape(compact(detail_text(record), 500))}_")
    footer = f"{slack_date(record.at)} · audit record #{record.id}"
    if record.result == DENIED:
        footer += " · more refusals like this one within the hour are recorded, not posted: /telnyx trail"
    return [section("\n".join(lines)), context(footer)]


def _trail_line(record: AuditRecord) -> str:
    mark = RESULT_MARK.get(record.result, ":information_source:")
    line = (
        f"{mark} {slack_date(record.at)} *{escape(record.action)}* on `{escape(compact(record.target, 80))}` "
        f"by <@{record.actor}>: {escape(record.result)}"
    )
    changes = _changes(record.before, record.after)[:4]
    if changes:
        line += "\n      " + "; ".join(changes)
    if record.detail:
        line += f"\n      _{escape(compact(detail_text(record), 200))}_"
    return line


def trail_blocks(records: Sequence[AuditRecord]) -> list[Block]:
    """The newest records of the bot's own audit trail (what `/telnyx trail` shows admins)."""
    blocks: list[Block] = [header("The bot's audit trail")]
    if not records:
        return [*blocks, section("Nothing recorded yet: no change, decision or denial has been handled.")]
    packed, shown = pack_lines([_trail_line(r) for r in records], max_blocks=BLOCK_BUDGET - 2)
    blocks += packed
    blocks.append(context(f"{showing(shown, len(records), 'record')}, newest first."))
    return blocks


def trail_text(records: Sequence[AuditRecord]) -> str:
    """Plain fallback of trail_blocks."""
    if not records:
        return "The bot's audit trail is empty."
    return fallback(
        f"The bot's audit trail: {len(records)} records, the newest {audit_record_text(records[0])}."
    )
