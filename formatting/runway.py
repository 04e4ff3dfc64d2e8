"""`/telnyx runway`: the daily spend, when available credit runs out, the last 14 days, auto-recharge."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from slack_sdk.models.blocks import Block

from bot.models import AutoRechargePrefs, Balance
from bot.runway import HORIZON, RECHARGES_PER_DAY, SPARK_DAYS, Basis, Recharges, Runway
from formatting.layout import context, fallback, fields_section, header, section
from formatting.money import money
from formatting.text import date_label, freshness_line


def basis_text(runway: Runway) -> str:
    """What the forecast rests on, and how sure it is."""
    spend = runway.spend
    if spend.basis is Basis.HISTORY:
        days = spend.history.total_seconds() / 86400
        sure = "a fair guess" if days < 3 else "a solid average"
        return f"from {days:.1f} days of the bot's own balance history ({sure})"
    if spend.basis is Basis.CHARGES:
        return "from Telnyx's charges of the last 7 days (the bot has less than a day of balance history)"
    return "nothing to go on yet: no balance history and no charges"


def _when(days: Decimal | None, on: date | None) -> str:
    if days is None:
        return "not at this pace (nothing is being spent)"
    if on is None:
        return f"more than {HORIZON // 365} years away"
    return f"in {days} days, {date_label(on)}"


def _next_recharge(days: Decimal | None) -> str:
    if days is None:
        return "No recharge due at this pace (nothing is being spent)."
    if days == 0:
        return "The balance is at or below the recharge threshold: a recharge is due now."
    return f"Next recharge in about {days} days."


def runway_line(balance: Balance, runway: Runway, spark: str) -> str:
    """One line for the balance answer: how long the credit lasts, the pace, the last 14 days."""
    cur = balance.currency
    line = (
        f"*Runway:* available credit reaches zero {_when(runway.days_to_zero, runway.zero_on)}, at "
        f"{money(runway.spend.per_day, cur)} a day"
    )
    return line + (f" · last {SPARK_DAYS} days `{spark}`" if spark.strip() else "")


def runway_text(balance: Balance, runway: Runway) -> str:
    """Plain fallback."""
    cur = balance.currency
    return fallback(
        f"Runway: {money(runway.spend.per_day, cur)} a day; available credit reaches zero "
        f"{_when(runway.days_to_zero, runway.zero_on)}."
    )


def runway_blocks(
    balance: Balance,
    runway: Runway,
    *,
    threshold: Decimal,
    spark: str,
    prefs: AutoRechargePrefs | None,
    recharges: Recharges | None,
    fetched_at: datetime,
    from_cache: bool,
    now: datetime,
) -> list[Block]:
    """The forecast, what it rests on, the sparkline and, with auto-recharge on, what it will do."""
    cur = balance.currency
    blocks: list[Block] = [
        header("Telnyx runway"),
        fields_section(
            [
                ("Available credit", money(balance.available_credit, cur)),
                ("Average daily spend", money(runway.spend.per_day, cur)),
                ("Reaches zero", _when(runway.days_to_zero, runway.zero_on)),
                (
                    f"Falls below {money(threshold, cur)}",
                    _when(runway.days_to_threshold, runway.threshold_on),
                ),
            ]
        ),
        context(f"Forecast {basis_text(runway)}."),
    ]
    if spark:
        blocks.append(section(f"*Balance, last {SPARK_DAYS} days:* `{spark}`"))
    if prefs is not None and prefs.enabled and recharges is not None:
        amount, at = prefs.recharge_amount or Decimal(0), prefs.threshold_amount or Decimal(0)
        lines = [
            f"*Auto-recharge is on:* {money(amount, cur)} whenever the balance falls below {money(at, cur)}.",
            _next_recharge(recharges.next_in_days),
            f"At this pace: {recharges.per_day} recharges a day, {money(recharges.cost_per_day, cur)} a day.",
        ]
        if recharges.over_limit:
            lines.append(
                f":warning: Telnyx recharges at most {RECHARGES_PER_DAY} times in 24 hours "
                f"({money(amount * RECHARGES_PER_DAY, cur)} a day at {money(amount, cur)} each): this pace "
                "spends more. Raise the recharge amount or top up."
            )
        blocks.append(section("\n".join(lines)))
    blocks.append(context(freshness_line(fetched_at, from_cache=from_cache, now=now)))
    return blocks
