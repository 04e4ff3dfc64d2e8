"""`/telnyx usage <record_type> [period] [field=value ...]`: stats, one page of records, paging buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from slack_sdk.models.blocks import Block

from bot import ids
from bot.models import DetailRecord, DetailRecordPage
from formatting.layout import actions, button, context, fallback, fields_section, header, pack_lines
from formatting.money import money
from formatting.text import escape, escape_truncated, inline_code, plural, slack_date

MAX_STATUSES = 8
MAX_RECORD_BLOCKS = 6
# raw fields worth a glance, by record type family; the first two present are shown
_PARTIES = ("from", "to", "cli", "cld", "phone_number", "destination_number")


@dataclass(frozen=True)
class UsageStats:
    """Totals over every record that matched the filter, not just the page shown."""

    count: int
    total_cost: Decimal
    currency: str = "USD"
    by_status: dict[str, int] = field(default_factory=dict)
    walked: int | None = None  # set when cost and statuses cover only the first `walked` of `count` records


def _record_line(record: DetailRecord, fallback_currency: str) -> str:
    parts = [slack_date(record.created_at) if record.created_at else "(no time)"]
    for value in (record.status, record.direction):
        if value:
            parts.append(escape_truncated(value, 40, single_line=True))
    shown = 0
    for key in _PARTIES:
        value = record.raw.get(key)
        if isinstance(value, str | int) and shown < 2:
            parts.append(f"{key} {escape_truncated(str(value), 40, single_line=True)}")
            shown += 1
    if record.cost is not None:
        parts.append(money(record.cost, record.currency or fallback_currency, exact=True))
    parts.append(inline_code(record.id, 80))
    return "• " + " · ".join(parts)


def _status_breakdown(by_status: dict[str, int]) -> str:
    ranked = sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{escape_truncated(k, 40, single_line=True)} {v:,}" for k, v in ranked[:MAX_STATUSES])
    if len(ranked) > MAX_STATUSES:
        text += f", +{len(ranked) - MAX_STATUSES} more"
    return text or "–"


def usage_blocks(
    record_type: str,
    period_label: str,
    page: DetailRecordPage,
    stats: UsageStats,
    *,
    nav_value_prev: str | None,
    nav_value_next: str | None,
    export_value: str,
) -> list[Block]:
    """Count, total cost and status breakdown, then the page's records, paging and Export CSV buttons."""
    blocks: list[Block] = [
        header(f"Usage: {record_type}"),
        context(escape_truncated(period_label, 200, single_line=True)),
        fields_section(
            [
                ("Records", f"{stats.count:,}"),
                ("Total cost", money(stats.total_cost, stats.currency, exact=True)),
                ("By status", _status_breakdown(stats.by_status)),
            ]
        ),
    ]
    if stats.walked is not None and stats.walked < stats.count:
        blocks.append(
            context(
                f"Cost and statuses are over the first {stats.walked:,} of {stats.count:,} records; "
                "Export CSV has them all."
            )
        )
    records = page.records
    if records:
        lines = [_record_line(r, stats.currency) for r in records]
        record_blocks, shown = pack_lines(lines, max_blocks=MAX_RECORD_BLOCKS)
        blocks.extend(record_blocks)
        first = (max(page.page.number, 1) - 1) * page.page.size + 1
        total = max(page.page.total_results, stats.count, first + len(records) - 1)
        note = f"Records {first:,}–{first + shown - 1:,} of {total:,} (page {page.page.number:,} of {max(page.page.total_pages, 1):,})"
        if shown < len(records):
            note += f"; showing {shown:,} of the page's {len(records):,}"
        blocks.append(context(note))
    else:
        blocks.append(context("No records match."))
    buttons = []
    if nav_value_prev is not None:
        buttons.append(button("Previous page", ids.ACTION_USAGE_PREV, value=nav_value_prev))
    if nav_value_next is not None:
        buttons.append(button("Next page", ids.ACTION_USAGE_NEXT, value=nav_value_next))
    buttons.append(button("Export CSV", ids.ACTION_USAGE_EXPORT, value=export_value))
    blocks.append(actions(*buttons))
    return blocks


def usage_text(record_type: str, period_label: str, stats: UsageStats) -> str:
    """Plain fallback for usage_blocks."""
    return fallback(
        escape(
            f"Telnyx {record_type} usage, {period_label}: {plural(stats.count, 'record')}, "
            f"{money(stats.total_cost, stats.currency)}."
        )
    )
