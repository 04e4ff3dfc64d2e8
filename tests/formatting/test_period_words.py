"""Words that are not a period: bot/periods.py says why as data, formatting/periods.py in the words people
read before it was data (pinned word for word), with the forms accepted."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.periods import MAX_LAST_N, Period, PeriodError, PeriodProblem, parse_period
from formatting.periods import (
    ACCEPTED,
    ACCEPTED_BY_TODAY,
    accepted_up_to,
    period_problem,
    too_long_problem,
)

TODAY = date(2026, 11, 28)

# what was typed, the problem it is, and the words people read
PINNED: list[tuple[list[str], PeriodProblem, str]] = [
    (["soon"], PeriodProblem.NOT_A_PERIOD, "`soon` is not a period"),
    (["Last-Year"], PeriodProblem.NOT_A_PERIOD, "`Last-Year` is not a period"),  # as typed, case and all
    (["last", "month", "please"], PeriodProblem.NOT_A_PERIOD, "`last month please` is not a period"),
    (["2025-02-30"], PeriodProblem.NOT_A_DATE, "`2025-02-30` is not a real date (YYYY-MM-DD)"),
    (["2025-05-01", "2025-13-01"], PeriodProblem.NOT_A_DATE, "`2025-13-01` is not a real date (YYYY-MM-DD)"),
    (["2025-13"], PeriodProblem.NOT_A_MONTH, "`2025-13` is not a real month (YYYY-MM)"),
    (["last-0-days"], PeriodProblem.LAST_N_OUT_OF_RANGE, "`last-0-days`: N must be between 1 and 366"),
    (["LAST-999-DAYS"], PeriodProblem.LAST_N_OUT_OF_RANGE, "`last-999-days`: N must be between 1 and 366"),
    (
        ["2025-05-20", "2025-05-01"],
        PeriodProblem.ENDS_BEFORE_START,
        "the range ends (2025-05-01) before it starts (2025-05-20)",
    ),
    (["9999-12"], PeriodProblem.TOO_LATE, "`9999-12` is too far ahead: a period must end by 9999-12-31"),
    (
        ["9999-12-31"],
        PeriodProblem.TOO_LATE,
        "`9999-12-31` is too far ahead: a period must end by 9999-12-31",
    ),
    (
        ["2026-01-01", "9999-12-31"],
        PeriodProblem.TOO_LATE,
        "`2026-01-01 9999-12-31` is too far ahead: a period must end by 9999-12-31",
    ),
]


@pytest.mark.parametrize(("words", "problem", "said"), PINNED)
def test_each_refusal_is_data_said_in_the_words_of_before(
    words: list[str], problem: PeriodProblem, said: str
) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(words, TODAY)
    assert caught.value.problem is problem
    assert period_problem(caught.value) == said
    assert "real" not in str(caught.value) and "N must" not in str(caught.value)  # str() is data, not words


def test_every_period_problem_is_pinned_above() -> None:
    assert {problem for _, problem, _ in PINNED} == set(PeriodProblem)


@pytest.mark.parametrize("problem", list(PeriodProblem))
def test_every_period_problem_has_words(problem: PeriodProblem) -> None:
    err = PeriodError(problem, "x", first=date(2025, 5, 2), last=date(2025, 5, 1), most=MAX_LAST_N)
    words = period_problem(err)
    assert words and not re.search(r"[{}]|None", words)


def test_the_forms_accepted_and_the_limits_read_as_before() -> None:
    assert ACCEPTED == (
        "`YYYY-MM-DD`, `YYYY-MM`, `today`, `yesterday`, `this-week`, `last-week`, `this-month`, `last-month`, "
        "`last-N-days` (N from 1 to 366), or two dates `YYYY-MM-DD YYYY-MM-DD`"
    )
    assert ACCEPTED_BY_TODAY == f"a period that starts today or earlier: {ACCEPTED}"
    assert accepted_up_to(31) == f"a period of up to 31 days: {ACCEPTED}"
    period = Period(date(2025, 1, 1), date(2025, 3, 2))
    assert too_long_problem(period, 31) == (
        "Jan 1 – Mar 1, 2025 is 60 days long; Telnyx accepts at most 31 days here"
    )
