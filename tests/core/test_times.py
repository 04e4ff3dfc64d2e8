"""One rule for instants: naive means UTC, aware is converted to UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.times import as_utc


def test_a_naive_time_is_taken_as_utc_and_an_aware_one_converted() -> None:
    assert as_utc(datetime(2025, 3, 3, 9, 0)) == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # noqa: DTZ001
    berlin = datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    converted = as_utc(berlin)
    assert converted.tzinfo is UTC and converted.hour == 9
