"""`audit [period]`: recent changes to the Telnyx account (who, what, when, field: old -> new)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.parsing import Parsed
from formatting.audit import audit_blocks, audit_text
from formatting.periods import describe_period
from handlers.periods import period_or_answer, split_period
from handlers.replies import answer, services, usage_error
from handlers.subcommand import Subcommand

EXAMPLE = "/telnyx audit last-month"
SHOWN = 15  # events per answer; each takes one or two blocks


async def run_audit(context: AsyncBoltContext, parsed: Parsed) -> None:
    """The latest account changes in the period (default the last 30 days), newest first."""
    period_words, rest = split_period(parsed.args)
    if rest or parsed.options:
        bad = (rest or [f"{k}={v}" for k, v in parsed.options.items()])[0]
        await usage_error(
            context, f"`{bad}` is not a period", "a period such as `last-30-days` or `2025-05`", EXAMPLE
        )
        return
    period = await period_or_answer(context, period_words, default="last-30-days", example=EXAMPLE)
    if period is None:
        return
    page = await services(context).telnyx.audit_events(
        created_after=period.start_dt(), created_before=period.end_dt(), page=1, size=SHOWN, sort="desc"
    )
    total = page.page.total_results
    await answer(
        context,
        audit_text(page.events, total=total, period_label=describe_period(period)),
        audit_blocks(page.events, total=total, period_label=describe_period(period)),
        share=f"audit {period.start.isoformat()} {period.last_day.isoformat()}",
    )


SUBCOMMANDS = (
    Subcommand(
        "audit",
        "/telnyx audit [period]",
        "Recent changes to the account: who, what, when, old -> new (default the last 30 days).",
        EXAMPLE,
        run_audit,
    ),
)


def register(app: AsyncApp) -> None:
    """No buttons: the answer is read-only."""
