"""Periods in words: the one style people read them in, and what a cut at today did."""

from __future__ import annotations

from datetime import date, timedelta

from bot.periods import Period
from formatting.text import date_label, period_label


def describe_period(period: Period) -> str:
    """ "the last 7 days (Nov 22 – Nov 28, 2026)", "October 2026"; a period cut at today says so."""
    dates = period_label(period.start, period.end)
    text = f"{period.name} ({dates})" if period.name else dates
    if period.asked_end is not None:
        text += f", cut at today (asked up to {date_label(period.asked_end - timedelta(days=1))})"
    return text


def cut_note(period: Period) -> str | None:
    """Why the answer covers less than was asked: the rest of the period has not happened yet."""
    if period.asked_end is None:
        return None
    asked = period_label(period.start, period.asked_end)
    return (
        f":scissors: You asked for {asked}; the days after today have not happened yet, so this covers "
        f"{period_label(period.start, period.end)}."
    )


def future_problem(period: Period, today: date) -> str:
    """A period that starts after today, refused: what was asked and why nothing can be in it."""
    return (
        f"{describe_period(period)} starts after today ({date_label(today)}): nothing has happened in it yet"
    )
