"""`/telnyx charges [period]` and `/telnyx charges breakdown [period]`."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block, DividerBlock

from bot import ids
from bot.models import ChargesBreakdown, ChargesSummary, ChargesTotals, NumberCharges, SummaryLine
from formatting.layout import (
    BLOCK_BUDGET,
    actions,
    button,
    context,
    fallback,
    fields_section,
    header,
    pack_lines,
)
from formatting.money import money
from formatting.text import count, date_label, escape, escape_truncated, inline_code, period_label, showing

MAX_SERVICES_PER_NUMBER = 5
MAX_SERVICE_TOTALS = 10


def _part(
    label: str, quantity: int | None, amount: Decimal | None, one_time: Decimal | None, cur: str
) -> str:
    """ "new 3 ($4.78 monthly + $2.00 one-time)": the one-time part apart, so the monthly adds up to the
    monthly totals above (a line's amount is its recurring plus its one-time charges)."""
    amount = amount or Decimal(0)
    if not one_time:
        return f"{label} {count(quantity or 0)} ({money(amount, cur)})"
    monthly = money(amount - one_time, cur)
    return f"{label} {count(quantity or 0)} ({monthly} monthly + {money(one_time, cur)} one-time)"


def _line(line: SummaryLine, cur: str) -> str:
    name = escape_truncated(line.alias or line.name, 120, single_line=True)
    if line.type == "simple":
        qty = f"{count(line.quantity)} × " if line.quantity is not None else ""
        return f"• *{name}*: {qty}{money(line.total, cur)}"
    new = _part("new", line.new_quantity, line.new_amount, line.new_one_time, cur)
    old = _part("existing", line.existing_quantity, line.existing_amount, line.existing_one_time, cur)
    return f"• *{name}*: {new} · {old} · total {money(line.total, cur)}"


def _totals_note(t: ChargesTotals, cur: str) -> str:
    """What the grand total is made of, so the totals and the lines below read as one account."""
    parts = t.new_mrc + t.new_otc + t.existing_mrc + t.other + t.credits + t.ledger_adjustments
    made_of = (
        "Grand total = monthly (new + existing) + one-time + other + credits + adjustments. Monthly and "
        "one-time are what the numbers cost (`/telnyx charges breakdown` lists each number); other is the "
        "lines charged per item (port-outs, campaign fees)."
    )
    if parts == t.grand_total:
        return made_of
    gap = t.grand_total - parts
    return (
        f"{made_of} Telnyx's grand total is {money(abs(gap), cur)} {'more' if gap > 0 else 'less'} "
        "than these add up to."
    )


def charges_summary_blocks(summary: ChargesSummary, *, note: str | None = None) -> list[Block]:
    """The period's totals (new and existing MRC, one-time, other, credits, adjustments, grand total) and lines.

    `note` (mrkdwn) says something about the period under the totals, e.g. that it was cut at today.
    """
    cur, t = summary.currency, summary.totals
    period = period_label(summary.start_date, summary.end_date)
    blocks: list[Block] = [
        header(f"Charges: {period}"),
        fields_section(
            [
                ("New monthly (MRC)", money(t.new_mrc, cur)),
                ("Existing monthly (MRC)", money(t.existing_mrc, cur)),
                ("One-time", money(t.new_otc, cur)),
                ("Other", money(t.other, cur)),
                ("Credits", money(t.credits, cur)),
                ("Adjustments", money(t.ledger_adjustments, cur)),
                ("Grand total", f"*{money(t.grand_total, cur)}*"),
            ]
        ),
        context(*([note] if note else []), _totals_note(t, cur)),
    ]
    # the lines get most of the room; the adjustments what is left; 4 blocks are kept for the end
    lines = [_line(line, cur) for line in summary.lines]
    line_blocks, shown = pack_lines(lines, title="*Summary lines*", max_blocks=20)
    blocks.extend(line_blocks)
    notes = [showing(shown, len(lines), "summary line")] if lines else ["No summary lines for this period."]
    if summary.adjustments:
        adjustments = [
            f"• {escape(date_label(a.event_date))}: "
            f"{escape_truncated(a.description or 'adjustment', 200, single_line=True)} {money(a.amount, cur)}"
            for a in summary.adjustments
        ]
        room = max(BLOCK_BUDGET - len(blocks) - 2, 1)
        adj_blocks, adj_shown = pack_lines(adjustments, title="*Ledger adjustments*", max_blocks=min(room, 5))
        blocks.extend(adj_blocks)
        notes.append(showing(adj_shown, len(adjustments), "adjustment"))
    if summary.user_email:
        notes.append("Account " + escape_truncated(summary.user_email, 200, single_line=True))
    blocks.append(context(*notes, f"Currency {escape_truncated(cur, 10)}"))
    return blocks


def charges_summary_text(summary: ChargesSummary) -> str:
    """Plain fallback for charges_summary_blocks."""
    period = period_label(summary.start_date, summary.end_date)
    return fallback(
        escape(
            f"Telnyx charges for {period}: grand total {money(summary.totals.grand_total, summary.currency)}."
        )
    )


def _number_line(rank: int, number: NumberCharges, cur: str) -> str:
    services = sorted(number.services, key=lambda s: s.cost, reverse=True)
    parts = [
        f"{escape_truncated(s.name, 80, single_line=True)} {money(s.cost, cur)}"
        for s in services[:MAX_SERVICES_PER_NUMBER]
    ]
    if len(services) > MAX_SERVICES_PER_NUMBER:
        parts.append(f"+{len(services) - MAX_SERVICES_PER_NUMBER} more")
    kind = escape_truncated(number.charge_type, 40, single_line=True)
    return f"{rank}. {inline_code(number.tn, 40)} ({kind}): *{money(number.total, cur)}*" + (
        " — " + ", ".join(parts) if parts else ""
    )


def breakdown_totals(b: ChargesBreakdown) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """The grand total and the total per service name, biggest first."""
    by_service: dict[str, Decimal] = {}
    for number in b.results:
        for service in number.services:
            by_service[service.name] = by_service.get(service.name, Decimal(0)) + service.cost
    services = sorted(by_service.items(), key=lambda kv: (-kv[1], kv[0]))
    return sum((n.total for n in b.results), Decimal(0)), services


def charges_breakdown_blocks(
    b: ChargesBreakdown, *, top: int = 15, csv_value: str, note: str | None = None
) -> list[Block]:
    """The biggest costs by number and by service, with totals, and a Download CSV button.

    `note` (mrkdwn) says something about the period under the totals, e.g. that it was cut at today.
    """
    cur = b.currency
    period = period_label(b.start_date, b.end_date)
    grand, services = breakdown_totals(b)
    numbers = sorted(b.results, key=lambda n: (-n.total, n.tn))
    blocks: list[Block] = [
        header(f"Charges breakdown: {period}"),
        fields_section(
            [
                ("Total", f"*{money(grand, cur)}*"),
                ("Numbers", count(len(numbers))),
                ("Services", count(len(services))),
            ]
        ),
        context(
            *([note] if note else []),
            "Total = every number's monthly and one-time charges (the CSV's rows). The grand total of "
            "`/telnyx charges` for the same days also counts port-outs, campaign fees, credits and "
            "adjustments, so it can differ.",
        ),
    ]
    if not numbers:
        blocks.append(context("No charges for this period."))
    else:
        lines = [_number_line(i, n, cur) for i, n in enumerate(numbers[: max(top, 1)], start=1)]
        number_blocks, shown = pack_lines(lines, title="*Biggest costs by number*", max_blocks=10)
        blocks.extend(number_blocks)
        service_lines = [
            f"• {escape_truncated(name, 120, single_line=True)}: {money(cost, cur)}"
            for name, cost in services[:MAX_SERVICE_TOTALS]
        ]
        service_blocks, services_shown = pack_lines(service_lines, title="*By service*", max_blocks=2)
        blocks.append(DividerBlock())
        blocks.extend(service_blocks)
        blocks.append(
            context(
                showing(shown, len(numbers), "number"),
                showing(services_shown, len(services), "service"),
                "The CSV has every number and service.",
            )
        )
    blocks.append(actions(button("Download CSV", ids.ACTION_CHARGES_CSV, value=csv_value)))
    return blocks


def charges_breakdown_text(b: ChargesBreakdown) -> str:
    """Plain fallback for charges_breakdown_blocks."""
    grand, _ = breakdown_totals(b)
    period = period_label(b.start_date, b.end_date)
    return fallback(
        escape(
            f"Telnyx charges breakdown for {period}: {money(grand, b.currency)} over {len(b.results)} numbers."
        )
    )
