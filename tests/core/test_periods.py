"""Periods users type, relative to a fixed today."""

from datetime import date

import pytest

from bot.periods import PeriodError, parse_period, split_period

TODAY = date(2026, 11, 28)  # a Saturday


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        (["today"], date(2026, 11, 28), date(2026, 11, 29)),
        (["yesterday"], date(2026, 11, 27), date(2026, 11, 28)),
        (["this-week"], date(2026, 11, 23), date(2026, 11, 29)),
        (["last-week"], date(2026, 11, 16), date(2026, 11, 23)),
        (["this-month"], date(2026, 11, 1), date(2026, 11, 29)),
        (["last-month"], date(2026, 10, 1), date(2026, 11, 1)),
        (["last-7-days"], date(2026, 11, 22), date(2026, 11, 29)),
        (["2025-05"], date(2025, 5, 1), date(2025, 6, 1)),
        (["2024-02"], date(2024, 2, 1), date(2024, 3, 1)),
        (["2025-05-03"], date(2025, 5, 3), date(2025, 5, 4)),
        (["2025-05-01", "2025-05-20"], date(2025, 5, 1), date(2025, 5, 21)),
    ],
)
def test_periods(words, start, end):
    period = parse_period(words, TODAY)
    assert (period.start, period.end) == (start, end)


def test_january_last_month_crosses_the_year():
    period = parse_period(["last-month"], date(2026, 1, 15))
    assert (period.start, period.end) == (date(2025, 12, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    "words", [["2025-02-30"], ["2025-13"], ["last-0-days"], ["soon"], ["2025-05-20", "2025-05-01"]]
)
def test_bad_periods_are_refused_with_a_reason(words):
    with pytest.raises(PeriodError):
        parse_period(words, TODAY)


def test_split_period_finds_the_period_among_other_words():
    assert split_period(["messaging", "last-7-days"]) == (["last-7-days"], ["messaging"])
    assert split_period(["breakdown", "2025-05-01", "2025-05-20"]) == (
        ["2025-05-01", "2025-05-20"],
        ["breakdown"],
    )
