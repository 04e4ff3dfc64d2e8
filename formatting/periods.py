"""Periods in words: the one style people read them in, what a cut at today did, and why typed words are
not a period (bot/periods.py's `PeriodError`), with the forms accepted."""

from __future__ import annotations

from datetime import date, timedelta

from bot.periods import MAX_LAST_N, NAMED, Period, PeriodError, PeriodProblem
from formatting.text import date_label, period_label

ACCEPTED = (
    "`YYYY-MM-DD`, `YYYY-MM`, "
    + ", ".join(f"`{word}`" for word in NAMED)
    + f", `last-N-days` (N from 1 to {MAX_LAST_N}), or two dates `YYYY-MM-DD YYYY-MM-DD`"
)
ACCEPTED_BY_TODAY = f"a period that starts today or earlier: {ACCEPTED}"  # for one that starts after today


def period_problem(err: PeriodError) -> str:
    """Why the words are not a period, e.g. "`2025-02-30` is not a real date (YYYY-MM-DD)"."""
    match err.problem:
        case PeriodProblem.NOT_A_PERIOD:
            return f"`{err.typed}` is not a period"
        case PeriodProblem.NOT_A_DATE:
            return f"`{err.typed}` is not a real date (YYYY-MM-DD)"
        case PeriodProblem.NOT_A_MONTH:
            return f"`{err.typed}` is not a real month (YYYY-MM)"
        case PeriodProblem.LAST_N_OUT_OF_RANGE:
            return f"`{err.typed}`: N must be between 1 and {err.most}"
        case PeriodProblem.ENDS_BEFORE_START:
            return f"the range ends ({err.last}) before it starts ({err.first})"
        case PeriodProblem.TOO_LATE:
            return f"`{err.typed}` is too far ahead: a period must end by 9999-12-31"


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


def too_long_problem(period: Period, max_days: int) -> str:
    """A period longer than Telnyx accepts for the question asked."""
    return (
        f"{describe_period(period)} is {period.days} days long; Telnyx accepts at most {max_days} days here"
    )


def accepted_up_to(max_days: int) -> str:
    """What is accepted when a period is longer than `max_days`."""
    return f"a period of up to {max_days} days: {ACCEPTED}"
