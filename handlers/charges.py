"""`charges [period]` and `charges breakdown [period]`, and the breakdown's Download CSV button."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.models import ChargesBreakdown
from bot.parsing import Parsed
from formatting.charges import (
    charges_breakdown_blocks,
    charges_breakdown_text,
    charges_summary_blocks,
    charges_summary_text,
)
from formatting.export import export_empty_blocks, export_empty_text
from formatting.periods import cut_note
from formatting.text import period_label
from handlers.access import require
from handlers.periods import period_or_answer, split_period
from handlers.replies import action_value, answer, services, usage_error
from handlers.subcommand import Subcommand
from handlers.uploads import file_destination, upload_csv

MAX_DAYS = 31  # Telnyx refuses longer ranges for both charges endpoints
EXAMPLE = "/telnyx charges 2025-05-01 2025-05-20"  # for a period typed wrong: the form of a date range
# help's example is relative, so it names a closed month with charges on any account old enough
HELP_EXAMPLE = "/telnyx charges last-month"


async def run_charges(context: AsyncBoltContext, parsed: Parsed) -> None:
    """The charges summary (or, with `breakdown`, the biggest costs by number) for a period."""
    args = list(parsed.args)
    breakdown = bool(args) and args[0].lower() == "breakdown"
    if breakdown:
        args = args[1:]
    period_words, rest = split_period(args)
    if rest or parsed.options:
        bad = (rest or [f"{k}={v}" for k, v in parsed.options.items()])[0]
        await usage_error(
            context,
            f"`{bad}` is not something `charges` understands",
            "`charges [breakdown] [period]` where the period is at most 31 days, e.g. `this-month`, `2025-05`",
            EXAMPLE,
        )
        return
    period = await period_or_answer(
        context, period_words, default="this-month", example=EXAMPLE, max_days=MAX_DAYS
    )
    if period is None:
        return
    if breakdown:
        data = await services(context).telnyx.charges_breakdown(period.start, period.end)
        csv_value = f"{period.start.isoformat()}|{period.end.isoformat()}"
        await answer(
            context,
            charges_breakdown_text(data),
            charges_breakdown_blocks(data, csv_value=csv_value, note=cut_note(period)),
            share=f"charges breakdown {period.start.isoformat()} {period.last_day.isoformat()}",
        )
        return
    summary = await services(context).telnyx.charges_summary(period.start, period.end)
    await answer(
        context,
        charges_summary_text(summary),
        charges_summary_blocks(summary, note=cut_note(period)),
        share=f"charges {period.start.isoformat()} {period.last_day.isoformat()}",
    )


def breakdown_csv(data: ChargesBreakdown) -> bytes:
    """One row per number and service: what the finance team pastes into a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "charge_type", "service", "cost_type", "cost", "currency"])
    for result in data.results:
        for service in result.services:
            writer.writerow(
                [
                    result.tn,
                    result.charge_type,
                    service.name,
                    service.cost_type,
                    str(service.cost),
                    data.currency,
                ]
            )
    return out.getvalue().encode()


def csv_range(value: str) -> tuple[date, date] | None:
    """The (start, end) a Download CSV button carries, or None for a value this app never sent."""
    try:
        start_s, end_s = value.split("|")
        return date.fromisoformat(start_s), date.fromisoformat(end_s)
    except ValueError:
        return None


async def handle_breakdown_csv(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Download CSV: fetch the breakdown again and upload it as a file to the conversation."""
    await ack()
    period = csv_range(action_value(body))
    if period is None:
        return  # not a value this app sends: nothing to answer
    start, end = period
    data = await services(context).telnyx.charges_breakdown(start, end)
    last_day = end - timedelta(days=1)  # the button carries Telnyx's exclusive end; people read the last day
    name = f"telnyx-charges-{start.isoformat()}-to-{last_day.isoformat()}.csv"
    title = f"Charges breakdown, {period_label(start, end)}"
    if not any(result.services for result in data.results):
        await answer(context, export_empty_text(title), export_empty_blocks(title=title))
        return
    await upload_csv(context, await file_destination(context, body), name, breakdown_csv(data), title)


SUBCOMMANDS = (
    Subcommand(
        "charges",
        "/telnyx charges [breakdown] [period]",
        "Charges for a period of up to 31 days (default this month): totals and lines; with `breakdown`, the "
        "biggest costs by number and service, and a CSV.",
        HELP_EXAMPLE,
        run_charges,
    ),
)


def register(app: AsyncApp) -> None:
    """The breakdown's Download CSV button."""
    require_view = require(Permission.VIEW, "download the charges breakdown")
    app.action(ids.ACTION_CHARGES_CSV, middleware=[require_view])(handle_breakdown_csv)
