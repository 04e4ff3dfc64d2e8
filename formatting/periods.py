"""Periods in words: the one style people read them in."""

from __future__ import annotations

from bot.periods import Period
from formatting.text import period_label


def describe_period(period: Period) -> str:
    """ "the last 7 days (Nov 22 – Nov 28, 2026)", "October 2026"."""
    dates = period_label(period.start, period.end)
    return f"{period.name} ({dates})" if period.name else dates
