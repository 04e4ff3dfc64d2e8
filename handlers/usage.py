"""`usage <record_type> [period] [field=value ...]`: detail records, paging, and the CSV export."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from contextlib import aclosing
from datetime import date
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.parsing import Parsed
from bot.periods import Period
from bot.telnyx_client import RECORD_TYPES
from formatting.periods import describe_period
from formatting.usage import UsageStats, usage_blocks, usage_text
from handlers.access import require
from handlers.exports import start_export
from handlers.periods import period_or_answer, split_period
from handlers.replies import action_value, answer, services, usage_error
from handlers.subcommand import Subcommand
from handlers.uploads import file_destination

EXAMPLE = "/telnyx usage messaging last-7-days status=failed direction=outbound"
PAGE_SIZE = 10
STATS_CAP = 1000  # records walked for the cost and status totals; more says "of the first 1,000"
MAX_FILTERS, MAX_FILTER_LEN = 8, 100
RESERVED = {"record_type", "date_range", "created_at", "page", "sort"}


def nav_value(record_type: str, period: Period, filters: dict[str, str], page: int) -> str:
    """What a Next/Previous/Export click needs to repeat the query (kept well under 2,000 characters)."""
    return json.dumps(
        {
            "t": record_type,
            "s": period.start.isoformat(),
            "e": period.end.isoformat(),
            "l": period.name,
            "a": period.asked_end.isoformat() if period.asked_end else None,
            "f": filters,
            "p": page,
        },
        separators=(",", ":"),
    )


def read_value(value: str) -> tuple[str, Period, dict[str, str], int] | None:
    """The query a button carries, or None for a value this app never sent."""
    try:
        d = json.loads(value)
        asked = d.get("a")
        period = Period(
            date.fromisoformat(d["s"]),
            date.fromisoformat(d["e"]),
            str(d["l"]),
            date.fromisoformat(asked) if asked else None,
        )
        filters = {str(k): str(v) for k, v in dict(d["f"]).items()}
        return str(d["t"]), period, filters, int(d["p"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


async def stats_for(
    context: AsyncBoltContext, record_type: str, period: Period, filters: dict[str, str]
) -> UsageStats:
    """Count, total cost and statuses over the matching records (at most STATS_CAP walked)."""
    count = 0
    total = Decimal("0")
    currency = None
    by_status: Counter[str] = Counter()
    records = services(context).telnyx.iter_detail_records(
        record_type, filters=filters, start=period.start_dt(), end=period.end_dt()
    )
    async with aclosing(records):  # stops the page fetches still in flight when we stop early
        async for record in records:
            if count == STATS_CAP:
                break
            count += 1
            total += record.cost or Decimal("0")
            currency = currency or record.currency
            by_status[record.status or "unknown"] += 1
    return UsageStats(count=count, total_cost=total, currency=currency or "USD", by_status=dict(by_status))


async def show_page(
    context: AsyncBoltContext,
    record_type: str,
    period: Period,
    filters: dict[str, str],
    page: int,
    *,
    replace: bool,
) -> None:
    """One page of records, with the stats, fetched concurrently."""
    page_task = services(context).telnyx.detail_records(
        record_type, filters=filters, start=period.start_dt(), end=period.end_dt(), page=page, size=PAGE_SIZE
    )
    query = (record_type, period, tuple(sorted(filters.items())))
    # identical commands at the same moment walk the records once between them
    shared_stats = services(context).flights.get(
        ("usage-stats", *query), lambda: stats_for(context, record_type, period, filters)
    )
    records, fresh_stats = await asyncio.gather(page_task, shared_stats)
    stats = fresh_stats.value

    if records.page.total_results > stats.count:  # the walk stopped at STATS_CAP
        stats = dataclasses.replace(stats, count=records.page.total_results, walked=stats.count)
    last = max(records.page.total_pages, 1)
    blocks = usage_blocks(
        record_type,
        describe_period(period),
        records,
        stats,
        nav_value_prev=nav_value(record_type, period, filters, page - 1) if page > 1 else None,
        nav_value_next=nav_value(record_type, period, filters, page + 1) if page < last else None,
        export_value=nav_value(record_type, period, filters, 1),
    )
    text = usage_text(record_type, describe_period(period), stats)
    await answer(context, text, blocks, share=None, replace=replace)


async def run_usage(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Validate the arguments (before any Telnyx call), then show the first page."""
    accepted_types = ", ".join(f"`{t}`" for t in RECORD_TYPES)
    if not parsed.args:
        await usage_error(context, "`usage` needs a record type", f"one of {accepted_types}", EXAMPLE)
        return
    record_type = parsed.args[0].lower()
    if record_type not in RECORD_TYPES:
        await usage_error(
            context, f"`{parsed.args[0]}` is not a record type", f"one of {accepted_types}", EXAMPLE
        )
        return
    period_words, rest = split_period(parsed.args[1:])
    if rest:
        await usage_error(
            context,
            f"`{rest[0]}` is neither a period nor a filter",
            "a period, then filters written `field=value`",
            EXAMPLE,
        )
        return
    filters = dict(parsed.options)
    bad = [k for k in filters if k in RESERVED]
    if bad:
        await usage_error(
            context,
            f"`{bad[0]}` cannot be a filter here",
            "filters such as `status=failed`, `direction=outbound`; the type and the period go before them",
            EXAMPLE,
        )
        return
    if len(filters) > MAX_FILTERS or any(len(v) > MAX_FILTER_LEN for v in filters.values()):
        await usage_error(
            context,
            "too many or too long filters",
            f"at most {MAX_FILTERS} filters of at most {MAX_FILTER_LEN} characters each",
            EXAMPLE,
        )
        return
    period = await period_or_answer(context, period_words, default="last-7-days", example=EXAMPLE)
    if period is None:
        return
    await show_page(context, record_type, period, filters, 1, replace=False)


async def handle_nav(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Next page / Previous page: redraw the same message on the other page."""
    await ack()
    query = read_value(action_value(body))
    if query is None:
        return  # not a value this app sends: nothing to answer
    record_type, period, filters, page = query
    await show_page(context, record_type, period, filters, max(page, 1), replace=True)


async def handle_export(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Export CSV: walk every page in the background and upload the file to the conversation."""
    await ack()
    query = read_value(action_value(body))
    if query is None:
        return  # not a value this app sends: nothing to answer
    record_type, period, filters, _ = query
    await start_export(context, await file_destination(context, body), record_type, period, filters)


SUBCOMMANDS = (
    Subcommand(
        "usage",
        "/telnyx usage <record_type> [period] [field=value ...]",
        "Usage records (default the last 7 days): count, cost, statuses, a page of records, and a CSV export.",
        EXAMPLE,
        run_usage,
    ),
)


def register(app: AsyncApp) -> None:
    """Next, Previous and Export CSV."""
    paging = require(Permission.VIEW, "page through usage records")
    app.action(ids.ACTION_USAGE_NEXT, middleware=[paging])(handle_nav)
    app.action(ids.ACTION_USAGE_PREV, middleware=[paging])(handle_nav)
    app.action(ids.ACTION_USAGE_EXPORT, middleware=[require(Permission.VIEW, "export usage records")])(
        handle_export
    )
