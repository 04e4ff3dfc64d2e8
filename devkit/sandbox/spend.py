"""How the sandbox account spends as its time passes: a weekly pattern, billed by detail records.

The pace is `per_day`, in USD a day on average. An hour starting at `start` (UTC) is worth

    per_day x DAY_WEIGHTS[start.weekday()] x HOUR_WEIGHTS[start.hour] / 24

Both tables average 1 (the 7 day weights sum to 7, the 24 hour weights to 24), so any 168 whole hours in a
row (a week from any hour) are worth exactly 7 x per_day. A weekday is worth per_day x 35/29 and a weekend
day per_day x 14/29 (40 % of a weekday); an hour of 09:00-17:59 UTC is worth 16/3 of a night hour.

Each hour is billed by a few detail records (`plan_hour`: how many, at which seconds, which share of the
hour each), drawn from a stream named after the seed and the hour, so the same seed and pace always give
the same records. A record bills its share in whole cents; the fraction of a cent left over is carried to
the next record, so the records add up to the pattern's amount to the cent. What each record looks like
is `devkit.sandbox.data.usage`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from devkit.sandbox.rand import Gen
from devkit.sandbox.state import CENT, iso

if TYPE_CHECKING:  # the records' maker is data (devkit.sandbox.data.usage), which builds on this module
    from devkit.sandbox.data.usage import SpendRecords

HOUR = timedelta(hours=1)

# Monday .. Sunday: a weekend day spends 2/5 of a weekday
DAY_RAW = (5, 5, 5, 5, 5, 2, 2)
# 00:00 .. 23:00 UTC: quiet nights, a morning ramp, busy business hours, a calmer evening
HOUR_RAW = (3, 3, 3, 3, 3, 3, 3, 8, 8, 16, 16, 16, 16, 16, 16, 16, 16, 16, 9, 9, 9, 9, 5, 5)
DAY_WEIGHTS = tuple(Fraction(7 * raw, sum(DAY_RAW)) for raw in DAY_RAW)
HOUR_WEIGHTS = tuple(Fraction(24 * raw, sum(HOUR_RAW)) for raw in HOUR_RAW)
TYPICAL_RECORD = Fraction(2)  # USD: about what one record bills, so an hour has a handful of them
MAX_RECORDS_PER_HOUR = 12  # a faster pace makes bigger records, not more: reads stay cheap
# filter[record_type] of the records that bill the spend -> the charges summary line they are counted in
USAGE_LINES: dict[str, tuple[str, str]] = {
    "messaging": ("messaging", "Messaging"),
    "call-control": ("call_control", "Call Control"),
    "sip-trunking": ("sip_trunking", "SIP Trunking"),
}


def hour_start(moment: datetime) -> datetime:
    """The start of the hour `moment` is in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def hour_amount(per_day: Decimal, start: datetime) -> Fraction:
    """What the hour starting at `start` is worth at `per_day`, exactly (USD)."""
    return Fraction(per_day) * DAY_WEIGHTS[start.weekday()] * HOUR_WEIGHTS[start.hour] / 24


@dataclass(frozen=True)
class HourPlan:
    """The records that bill one hour at one pace: when each happens and what it bills (USD, exact)."""

    start: datetime
    per_day: Decimal
    moments: tuple[datetime, ...]
    amounts: tuple[Fraction, ...]


def plan_hour(seed: int, start: datetime, per_day: Decimal) -> HourPlan:
    """How the hour starting at `start` is billed: up to MAX_RECORDS_PER_HOUR records at distinct seconds."""
    worth = hour_amount(per_day, start)
    if worth <= 0:
        return HourPlan(start, per_day, (), ())
    gen = Gen(seed, f"spend:{iso(start)}")
    wanted = worth / TYPICAL_RECORD * Fraction(gen.int(6, 14), 10)
    count = max(1, min(MAX_RECORDS_PER_HOUR, round(wanted)))
    seconds = sorted(gen.rng.sample(range(3600), count))
    weights = [gen.int(1, 9) for _ in range(count)]
    total = sum(weights)
    return HourPlan(
        start,
        per_day,
        tuple(start + timedelta(seconds=s) for s in seconds),
        tuple(worth * weight / total for weight in weights),
    )


@dataclass
class Spending:
    """The spend so far: the pace, how far the account has been billed, and what it was billed for."""

    seed: int
    per_day: Decimal
    settled_to: datetime  # every record before this moment is billed
    records: SpendRecords
    carry: Fraction = Fraction(0)  # the fraction of a cent billed by no record yet
    spent: Decimal = Decimal("0.00")
    refused: int = 0  # records not made: the available credit could not pay for them
    # day -> product -> [records, amount]: what the charges summary reports
    usage: dict[date, dict[str, list[Any]]] = field(default_factory=dict)
    _plan: HourPlan | None = None

    def plan(self, start: datetime) -> HourPlan:
        """The hour's plan at the current pace (the latest one is kept: a live clock asks for it often)."""
        kept = self._plan
        if kept is None or kept.start != start or kept.per_day != self.per_day:
            kept = self._plan = plan_hour(self.seed, start, self.per_day)
        return kept

    def due(self, until: datetime) -> Iterator[tuple[datetime, Fraction]]:
        """(moment, amount) of every planned record in [settled_to, until), in order.

        Half-open, so the account at midnight has billed exactly the days before it: a record at
        00:00:00 belongs to (and is billed with) the day it starts.
        """
        since, start = self.settled_to, hour_start(self.settled_to)
        while start < until:
            plan = self.plan(start)
            for moment, amount in zip(plan.moments, plan.amounts, strict=True):
                if since <= moment < until:
                    yield moment, amount
            start += HOUR

    def bill(self, amount: Fraction) -> Decimal | None:
        """The whole cents a record bills for `amount` plus the carried fraction (None: less than a cent)."""
        exact = amount + self.carry
        cents = math.floor(exact * 100)
        self.carry = exact - Fraction(cents, 100)
        return (Decimal(cents) / 100).quantize(CENT) if cents > 0 else None

    def book(self, moment: datetime, product: str, cost: Decimal) -> None:
        """Count a made record in its day's usage and in the total spent."""
        tally = self.usage.setdefault(moment.date(), {}).setdefault(product, [0, Decimal("0.00")])
        tally[0] += 1
        tally[1] += cost
        self.spent += cost

    def usage_between(self, start: date, end: date) -> dict[str, tuple[int, Decimal]]:
        """product -> (records, amount) over the days [start, end)."""
        totals: dict[str, tuple[int, Decimal]] = {}
        for day, products in self.usage.items():
            if start <= day < end:
                for product, (count, amount) in products.items():
                    had = totals.get(product, (0, Decimal("0.00")))
                    totals[product] = (had[0] + count, had[1] + amount)
        return totals
