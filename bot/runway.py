"""Runway: how fast the balance falls, and when available credit runs out (issue 14, the arithmetic).

Spend is read from the bot's own balance history: the falls of the balance between consecutive
snapshots, with every rise (a top-up, an auto-recharge, a refund) left out, over the last `WINDOW`. A rise
hides the spend that happened in the same interval, so intervals with a rise count neither their rise nor
their time (a rise smaller than its interval's spend cannot be told from less spend: snapshots every 10
minutes keep that error small). With less than a day of history the caller supplies Telnyx's charges over the last 7 days
instead (`from_charges`). Every forecast says what it rests on (`basis`) and how much history it had.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from bot.errors import TelnyxError
from bot.models import Balance
from bot.store import BalanceSnapshotRow, Store

if TYPE_CHECKING:
    from bot.telnyx_client import TelnyxGateway

WINDOW = timedelta(days=7)
MIN_HISTORY = timedelta(days=1)
SPARK_DAYS = 14
SPARKS = "▁▂▃▄▅▆▇█"
RECHARGES_PER_DAY = 10  # Telnyx auto-recharges at most 10 times in 24 hours
CENT = Decimal("0.01")
HORIZON = 3650  # days: a runway beyond ten years has no date worth showing
DAY = Decimal(86400)


class Basis(Enum):
    """What a daily-spend figure rests on."""

    HISTORY = "history"  # the bot's balance snapshots
    CHARGES = "charges"  # Telnyx's charges summary of the last 7 days (not enough history yet)
    NONE = "none"  # nothing to go on


@dataclass(frozen=True)
class Snapshot:
    """The balance at a moment (available credit moves with it)."""

    at: datetime
    balance: Decimal


@dataclass(frozen=True)
class Spend:
    """Average daily spend and what it rests on."""

    per_day: Decimal
    basis: Basis
    history: timedelta  # how much history the figure covers (0 for charges)


@dataclass(frozen=True)
class Runway:
    """When available credit reaches zero (and the low-balance threshold) at the current pace."""

    spend: Spend
    days_to_zero: Decimal | None  # None: nothing is being spent
    zero_on: date | None
    days_to_threshold: Decimal | None
    threshold_on: date | None


@dataclass(frozen=True)
class Recharges:
    """What auto-recharge does at the current pace."""

    next_in_days: Decimal | None  # until the balance falls to the recharge threshold (0: at or below it now)
    per_day: Decimal  # recharges a day the pace needs
    cost_per_day: Decimal  # what they add up to (the spend itself)
    over_limit: bool  # the pace needs more than Telnyx's 10 recharges in 24 hours


def daily_spend(
    snapshots: Sequence[Snapshot],
    now: datetime,
    *,
    window: timedelta = WINDOW,
    min_history: timedelta = MIN_HISTORY,
) -> Spend | None:
    """Average daily fall of the balance over the `window` before `now`, rises left out; None when the
    snapshots in it span less than `min_history`."""
    recent = sorted((s for s in snapshots if now - window <= s.at <= now), key=lambda s: s.at)
    if len(recent) < 2 or recent[-1].at - recent[0].at < min_history:
        return None
    spent = Decimal(0)
    counted = Decimal(0)  # seconds of intervals without a rise
    for before, after in zip(recent, recent[1:], strict=False):
        seconds = Decimal((after.at - before.at).total_seconds())
        if after.balance <= before.balance and seconds > 0:
            spent += before.balance - after.balance
            counted += seconds
    history = recent[-1].at - recent[0].at
    if counted == 0:
        return Spend(Decimal(0), Basis.HISTORY, history)
    return Spend((spent / counted * DAY).quantize(CENT, ROUND_HALF_UP), Basis.HISTORY, history)


def from_charges(total_last_7_days: Decimal | None) -> Spend:
    """The daily spend from Telnyx's charges over the last 7 days (when the history is too short)."""
    if total_last_7_days is None:
        return Spend(Decimal(0), Basis.NONE, timedelta(0))
    return Spend(
        (max(total_last_7_days, Decimal(0)) / 7).quantize(CENT, ROUND_HALF_UP), Basis.CHARGES, timedelta(0)
    )


async def current_pace(
    history: BalanceHistory | None, telnyx: TelnyxGateway, now: datetime
) -> tuple[Spend, list[Snapshot]]:
    """The daily spend now and the last SPARK_DAYS of history it was read with: from the history, or with
    less than a day of it from Telnyx's charges of the last 7 days (Basis.NONE when those fail too)."""
    snapshots = await history.since(now - timedelta(days=SPARK_DAYS)) if history is not None else []
    spend = daily_spend(snapshots, now)
    if spend is None:
        try:
            week = await telnyx.charges_summary((now - WINDOW).date(), now.date())
            spend = from_charges(week.totals.grand_total)
        except TelnyxError:
            spend = from_charges(None)
    return spend, snapshots


def _days(amount: Decimal, per_day: Decimal) -> Decimal | None:
    if per_day <= 0:
        return None
    return max(amount / per_day, Decimal(0)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def runway(available: Decimal, threshold: Decimal, spend: Spend, today: date) -> Runway:
    """Days (and the date) until available credit reaches zero, and the low-balance threshold."""
    to_zero = _days(available, spend.per_day)
    to_threshold = _days(available - threshold, spend.per_day)
    return Runway(
        spend=spend,
        days_to_zero=to_zero,
        zero_on=_on(today, to_zero),
        days_to_threshold=to_threshold,
        threshold_on=_on(today, to_threshold),
    )


def _on(today: date, days: Decimal | None) -> date | None:
    """The date `days` from today; None when nothing is spent or it lies beyond the HORIZON."""
    if days is None or days > HORIZON:
        return None
    return today + timedelta(days=int(days))


def recharges(balance: Decimal, threshold: Decimal, amount: Decimal, spend: Spend) -> Recharges:
    """When the next auto-recharge is due and how many a day the pace needs."""
    per_day = (spend.per_day / amount).quantize(Decimal("0.1"), ROUND_HALF_UP) if amount > 0 else Decimal(0)
    return Recharges(
        next_in_days=_days(balance - threshold, spend.per_day),
        per_day=per_day,
        cost_per_day=spend.per_day,
        over_limit=amount > 0 and spend.per_day > amount * RECHARGES_PER_DAY,
    )


def sparkline(snapshots: Sequence[Snapshot], today: date, days: int = SPARK_DAYS) -> str:
    """One character per day for the last `days` days (the day's last balance); a gap where none."""
    last_of_day: dict[date, Decimal] = {}
    for snap in sorted(snapshots, key=lambda s: s.at):
        last_of_day[snap.at.date()] = snap.balance
    values = [last_of_day.get(today - timedelta(days=n)) for n in range(days - 1, -1, -1)]
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span == 0:
            out.append(SPARKS[len(SPARKS) // 2])
        else:
            out.append(SPARKS[int((value - low) / span * (len(SPARKS) - 1))])
    return "".join(out)


class BalanceHistory:
    """The balance snapshots in the database: one every `every` at most, kept for KEEP."""

    KEEP = timedelta(days=30)

    def __init__(self, store: Store, *, every: timedelta, now: Callable[[], datetime]) -> None:
        self._store, self._every, self._now = store, every, now

    async def record(self, balance: Balance) -> bool:
        """Store a snapshot unless the latest is younger than `every` (another instance took it)."""
        now = self._now()
        async with self._store.transaction() as session:
            latest = await session.scalar(select(func.max(BalanceSnapshotRow.at)))
            if latest is not None and now - latest < self._every:
                return False
            session.add(
                BalanceSnapshotRow(
                    at=now,
                    balance=balance.balance,
                    available_credit=balance.available_credit,
                    currency=balance.currency,
                )
            )
            await session.execute(delete(BalanceSnapshotRow).where(BalanceSnapshotRow.at < now - self.KEEP))
        return True

    async def since(self, start: datetime) -> list[Snapshot]:
        """Snapshots from `start` on, oldest first."""
        async with self._store.transaction() as session:
            rows = await session.execute(
                select(BalanceSnapshotRow.at, BalanceSnapshotRow.balance)
                .where(BalanceSnapshotRow.at >= start)
                .order_by(BalanceSnapshotRow.at)
            )
            return [Snapshot(at, balance) for at, balance in rows]
