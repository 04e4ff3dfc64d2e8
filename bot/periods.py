"""Periods a user may type: `YYYY-MM-DD`, `YYYY-MM`, `today`, `yesterday`, `this-week`, `last-week`,
`this-month`, `last-month`, `last-N-days`, or two dates `YYYY-MM-DD YYYY-MM-DD` (both days included).

A `Period` is a half-open range of dates [start, end): `end` is the first day NOT included, which is what
Telnyx's charges endpoints take. Weeks start on Monday. "today" is the UTC date the caller passes.
People read a period in one style (formatting/periods.py), from its dates and, for a named one, its name.
Words that are not a period raise a `PeriodError`: data (a `PeriodProblem` and what was typed), which
formatting/periods.py says in words, with the forms accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

_LAST_N = re.compile(r"^last-(\d{1,4})-days?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
MAX_LAST_N = 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    name: str = ""  # the period's name when one was typed ("the last 7 days", "last month"); "" for dates
    asked_end: date | None = None  # the end asked for, when it lay after today and `end` was cut there

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def starts_after(self, today: date) -> bool:
        """Nothing in it has happened yet."""
        return self.start > today

    def up_to(self, today: date) -> Period:
        """The period cut at the end of `today` (itself when it ends by then); the cut remembers the end asked."""
        if self.end <= today + timedelta(days=1):
            return self
        return replace(self, end=today + timedelta(days=1), asked_end=self.end)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    def end_dt(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=UTC)


class PeriodProblem(StrEnum):
    """Why typed words are not a period (formatting/periods.py says it in words)."""

    NOT_A_PERIOD = "not_a_period"  # `typed` is none of the accepted forms
    NOT_A_DATE = "not_a_date"  # `typed` looks like YYYY-MM-DD but is no real day
    NOT_A_MONTH = "not_a_month"  # `typed` looks like YYYY-MM but is no real month
    LAST_N_OUT_OF_RANGE = "last_n_out_of_range"  # `typed` is last-N-days with N not from 1 to `most`
    ENDS_BEFORE_START = "ends_before_start"  # two dates, `last` before `first`
    TOO_LATE = "too_late"  # `typed` is a real day or month, but the day after it is past the calendar's end


class PeriodError(ValueError):
    """A period the user typed that is not accepted: `problem` says why, with what was typed (`typed`), the
    two dates of a backwards range, or the most N of last-N-days. str() is data for logs, not the words."""

    def __init__(
        self,
        problem: PeriodProblem,
        typed: str = "",
        *,
        first: date | None = None,
        last: date | None = None,
        most: int = 0,
    ) -> None:
        self.problem = problem
        self.typed = typed
        self.first = first
        self.last = last
        self.most = most
        detail = f"{first} .. {last}" if problem is PeriodProblem.ENDS_BEFORE_START else repr(typed)
        super().__init__(f"{problem.value}: {detail}")


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _parse_day(word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise PeriodError(PeriodProblem.NOT_A_DATE, word) from None


def _today(today: date) -> Period:
    return Period(today, today + timedelta(days=1), "today")


def _yesterday(today: date) -> Period:
    return Period(today - timedelta(days=1), today, "yesterday")


def _this_week(today: date) -> Period:
    return Period(today - timedelta(days=today.weekday()), today + timedelta(days=1), "this week")


def _last_week(today: date) -> Period:
    this_monday = today - timedelta(days=today.weekday())
    return Period(this_monday - timedelta(days=7), this_monday, "last week")


def _this_month(today: date) -> Period:
    return Period(_month_start(today), today + timedelta(days=1), "this month so far")


def _last_month(today: date) -> Period:
    start = _month_start(_month_start(today) - timedelta(days=1))
    return Period(start, _month_start(today), "last month")


# The periods named by a word, from the caller's today: the one list of those words (parsing, telling a
# period from other arguments, and formatting/periods.py's list of the accepted forms all read it).
NAMED: dict[str, Callable[[date], Period]] = {
    "today": _today,
    "yesterday": _yesterday,
    "this-week": _this_week,
    "last-week": _last_week,
    "this-month": _this_month,
    "last-month": _last_month,
}


def parse_period(words: list[str] | tuple[str, ...], today: date) -> Period:
    """Turn one word (or two dates) into a Period; raise PeriodError saying why not."""
    try:
        return _parse(words, today)
    except OverflowError:  # 9999-12-31, 9999-12: a period ends the day after, which no date can hold
        raise PeriodError(PeriodProblem.TOO_LATE, " ".join(words)) from None


def _parse(words: list[str] | tuple[str, ...], today: date) -> Period:
    if len(words) == 2 and all(_DAY.match(w) for w in words):
        first, last = _parse_day(words[0]), _parse_day(words[1])
        if last < first:
            raise PeriodError(PeriodProblem.ENDS_BEFORE_START, first=first, last=last)
        return Period(first, last + timedelta(days=1))
    if len(words) != 1:
        raise PeriodError(PeriodProblem.NOT_A_PERIOD, " ".join(words))
    word = words[0].lower()
    if word in NAMED:
        return NAMED[word](today)
    if m := _LAST_N.match(word):
        n = int(m.group(1))
        if not 1 <= n <= MAX_LAST_N:
            raise PeriodError(PeriodProblem.LAST_N_OUT_OF_RANGE, word, most=MAX_LAST_N)
        return Period(today - timedelta(days=n - 1), today + timedelta(days=1), f"the last {n} days")
    if _DAY.match(word):
        d = _parse_day(word)
        return Period(d, d + timedelta(days=1))
    if _MONTH.match(word):
        try:
            start = date(int(word[:4]), int(word[5:7]), 1)
        except ValueError:
            raise PeriodError(PeriodProblem.NOT_A_MONTH, word) from None
        return Period(start, _next_month(start))
    raise PeriodError(PeriodProblem.NOT_A_PERIOD, words[0])


def is_period_word(word: str) -> bool:
    """Whether a word looks like the start of a period (so commands can tell it from other arguments)."""
    w = word.lower()
    return bool(w in NAMED or _LAST_N.match(w) or _DAY.match(w) or _MONTH.match(w))


def split_period(args: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """Split arguments into (period words, other words): a trailing date pair or one period word."""
    args = list(args)
    if len(args) >= 2 and _DAY.match(args[-1]) and _DAY.match(args[-2]):
        return args[-2:], args[:-2]
    period = [a for a in args if is_period_word(a)]
    rest = [a for a in args if not is_period_word(a)]
    return period, rest
