"""The bot's own audit trail, as posted to the audit channel: who did what, when, before/after, result."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import Block

from bot.approvals import Refused
from bot.audit_trail import DENIED, AuditRecord
from formatting.access import denial_detail_text
from formatting.approvals import refusal_text
from formatting.layout import BLOCK_BUDGET, context, fallback, header, pack_lines, section
from formatting.money import money
from formatting.telnyx_errors import stored_failure
from formatting.text import compact, date_label, escape, showing, slack_date

RESULT_MARK = {
    "ok": ":white_check_mark:",
    "denied": ":no_entry:",
    "refused": ":no_entry_sign:",
    "failed": ":x:",
}


NOTHING = "—"  # a value that was not set
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*")
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def _is_money(field: str) -> bool:
    return field == "amount" or field.endswith(("_amount", "balance"))


def _value(field: str, value: Any) -> str:
    """A stored value as people read it (mrkdwn, escaped): money as money, dates in the house style,
    people as mentions, on/off for flags, and an unset value as a dash."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "on" if value else "off"
    if field == "failure" and isinstance(value, dict):  # a payment's failure, stored as data
        return escape(compact(stored_failure(value, None) or "", 300))
    if _is_money(field) and isinstance(value, str | int) and _AMOUNT.fullmatch(str(value)):
        try:
            return money(Decimal(str(value)))
        except InvalidOperation:
            pass
    if isinstance(value, str) and _INSTANT.fullmatch(value):
        try:
            return slack_date(datetime.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date_label(date.fromisoformat(value))
        except ValueError:
            pass
    if field.endswith("_by") and isinstance(value, str) and _SLACK_ID.fullmatch(value):
        return f"<@{value}>"
    return escape(compact(value))


def _changes(before: Any, after: Any) -> list[str]:
    """One "field: old → new" line per changed field; a creation (no before) lists "field: value"."""
    if isinstance(after, dict) and before is None:
        return [f"{escape(k)}: {_value(k, v)}" for k, v in after.items() if v is not None]
    if isinstance(after, dict) and isinstance(before, dict):
        keys = [k for k in after if before.get(k) != after.get(k)]
        return [f"{escape(k)}: {_value(k, before.get(k))} → {_value(k, after.get(k))}" for k in keys]
    if before is None and after is None:
        return []
    return [f"{_value('', before)} → {_value('', after)}"]


def detail_text(record: AuditRecord) -> str:
    """The record's detail in words: a top-up refusal (`Refused.note`) and an access denial
    (`Decision.note`) are stored as data; the rest, and records written before, as text."""
    if record.result == DENIED:
        return denial_detail_text(record.detail) or record.detail
    refused = Refused.from_note(record.detail) if record.result == "refused" else None
    return refusal_text(refused) if refused is not None else record.detail


def _headline(record: AuditRecord, *, limit: int | None = None) -> str:
    """What happened in one line (mrkdwn): the action, on what, by whom, and the result, said once."""
    target = escape(compact(record.target, limit) if limit else record.target)
    if record.refused is not None:
        return f"<@{record.actor}> was refused *{escape(record.refused)}* on `{target}`"
    return f"*{escape(record.action)}* on `{target}` by <@{record.actor}>: *{escape(record.result)}*"


def audit_record_text(record: AuditRecord) -> str:
    """Plain fallback."""
    if record.refused is not None:
        return f"<@{record.actor}> was refused {record.refused} on {record.target}"
    return f"{record.action} by <@{record.actor}> on {record.target}: {record.result}"


def audit_record_blocks(record: AuditRecord) -> list[Block]:
    """One record: the action, who, the result, and each changed field."""
    mark = RESULT_MARK.get(record.result, ":information_source:")
    lines = [f"{mark} {_headline(record)}"]
    lines += _changes(record.before, record.after)[:20]
    if record.detail:
        lines.append(f"_{escape(compact(detail_text(record), 500))}_")
    footer = f"{slack_date(record.at)} · audit record #{record.id}"
    if record.result == DENIED:
        footer += " · more refusals like this one within the hour are recorded, not posted: /telnyx trail"
    return [section("\n".join(lines)), context(footer)]


def _trail_line(record: AuditRecord) -> str:
    mark = RESULT_MARK.get(record.result, ":information_source:")
    line = f"{mark} {slack_date(record.at)} {_headline(record, limit=80)}"
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
