"""Runway arithmetic, property-tested against synthetic balance histories with top-ups and recharges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.runway import (
    Basis,
    Snapshot,
    daily_spend,
    from_charges,
    recharges,
    runway,
    sparkline,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TICK = timedelta(minutes=10)


def history(per_day: Decimal, days: float, rises: set[int], rise: Decimal) -> list[Snapshot]:
    """A snapshot every 10 minutes for `days` days up to NOW, spending `per_day` evenly, with a top-up
    of `rise` landing in each interval whose index is in `rises`."""
    count = int(days * 144)
    balance = Decimal("5000")
    out = [Snapshot(NOW - TICK * count, balance)]
    for i in range(1, count + 1):
        balance -= per_day / 144
        if i in rises:
            balance += rise
        out.append(Snapshot(NOW - TICK * (count - i), balance))
    return out


@settings(max_examples=60, deadline=None)
@given(
    per_day=st.decimals(min_value=Decimal("1"), max_value=Decimal("2000"), places=2),
    days=st.floats(min_value=1.1, max_value=7.0),
    rises=st.sets(st.integers(min_value=1, max_value=150), max_size=12),
    extra=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)
def test_the_daily_spend_is_the_pace_whatever_top_ups_land_in_between(
    per_day: Decimal, days: float, rises: set[int], extra: Decimal
) -> None:
    # a top-up larger than the spend of its 10 minutes (a smaller one cannot be told from less spend)
    rise = per_day / 144 + extra
    spend = daily_spend(history(per_day, days, rises, rise), NOW)
    assert spend is not None and spend.basis is Basis.HISTORY
    assert abs(spend.per_day - per_day) <= Decimal("0.01") + per_day / 10_000
    assert timedelta(days=days) - TICK <= spend.history <= timedelta(days=days)


def test_less_than_a_day_of_history_gives_no_figure_and_charges_take_over() -> None:
    assert daily_spend(history(Decimal("100"), 0.5, set(), Decimal(0)), NOW) is None
    assert daily_spend([], NOW) is None
    spend = from_charges(Decimal("700.00"))
    assert (spend.per_day, spend.basis) == (Decimal("100.00"), Basis.CHARGES)
    assert from_charges(None).basis is Basis.NONE


def test_only_the_last_seven_days_count() -> None:
    old = history(Decimal("900"), 7.0, set(), Decimal(0))
    shifted = [Snapshot(s.at - timedelta(days=7), s.balance + Decimal("10000")) for s in old]
    recent = history(Decimal("100"), 7.0, set(), Decimal(0))
    spend = daily_spend(shifted + recent, NOW)
    assert spend is not None and abs(spend.per_day - Decimal("100")) <= Decimal("0.02")


@given(
    available=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
    per_day=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)
def test_runway_times_spend_is_the_available_credit(available: Decimal, per_day: Decimal) -> None:
    today = NOW.date()
    result = runway(available, Decimal("0"), from_charges(per_day * 7), today)
    assert result.days_to_zero is not None
    assert (
        abs(result.days_to_zero * result.spend.per_day - available)
        <= result.spend.per_day * Decimal("0.05") + 1
    )
    if result.days_to_zero <= 3650:
        assert result.zero_on == today + timedelta(days=int(result.days_to_zero))
    else:  # beyond ten years: no date
        assert result.zero_on is None


def test_no_spend_means_no_end_date_and_a_threshold_comes_first() -> None:
    still = runway(Decimal("500"), Decimal("100"), from_charges(Decimal(0)), date(2026, 11, 29))
    assert still.days_to_zero is None and still.zero_on is None
    moving = runway(Decimal("500"), Decimal("100"), from_charges(Decimal("700")), date(2026, 11, 29))
    assert moving.days_to_threshold == Decimal("4.0") and moving.days_to_zero == Decimal("5.0")
    assert moving.threshold_on == date(2026, 12, 3) and moving.zero_on == date(2026, 12, 4)


def test_auto_recharge_pace_and_telnyx_limit_of_ten_a_day() -> None:
    calm = recharges(Decimal("300"), Decimal("100"), Decimal("200"), from_charges(Decimal("700")))
    assert calm.next_in_days == Decimal("2.0") and calm.per_day == Decimal("0.5") and not calm.over_limit
    busy = recharges(Decimal("300"), Decimal("100"), Decimal("20"), from_charges(Decimal("7000")))
    assert busy.per_day == Decimal("50.0") and busy.over_limit  # 1,000 a day needs 50 recharges of $20


def test_the_sparkline_has_a_character_a_day_and_follows_the_balance() -> None:
    snaps = [Snapshot(NOW - timedelta(days=n), Decimal(1000 - 50 * (13 - n))) for n in range(14)]
    line = sparkline(snaps, NOW.date())
    assert len(line) == 14 and line[0] == "█" and line[-1] == "▁"  # spent down over the fortnight
    assert sparkline(snaps[:3], NOW.date()).startswith(" " * 11)
    assert sparkline([], NOW.date()) == ""
