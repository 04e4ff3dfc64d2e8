"""When digests are due: the latest period by zone and weekday, never one before the subscription, daylight
saving's skipped and doubled hours, and the command's words read strictly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests import Cadence, Part, Problem, Reason, Schedule, Wanted, latest_period, next_due
from bot.digests.schedule import preview_period, read_channel, read_time, read_wanted, read_weekday

BERLIN = Schedule(Cadence.DAILY, time(9, 0), "Europe/Berlin")
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_latest_daily_period_is_today_after_its_time_and_yesterday_before_it():
    before = latest_period(BERLIN, utc(2026, 11, 30, 7, 59), not_before=LONG_AGO)
    after = latest_period(BERLIN, utc(2026, 11, 30, 8, 0), not_before=LONG_AGO)
    assert before is not None and after is not None
    assert (before.day, before.due) == (date(2026, 11, 29), utc(2026, 11, 29, 8, 0))
    assert (after.day, after.due) == (date(2026, 11, 30), utc(2026, 11, 30, 8, 0))
    # it covers the day before its date, against the day before that
    assert (after.start, after.end, after.previous_start) == (
        date(2026, 11, 29),
        date(2026, 11, 30),
        date(2026, 11, 28),
    )
    assert after.instants(after.start, after.end) == (utc(2026, 11, 28, 23, 0), utc(2026, 11, 29, 23, 0))


def test_a_period_due_before_the_subscription_was_made_is_not_posted():
    made = utc(2026, 11, 30, 10, 0)
    assert latest_period(BERLIN, utc(2026, 11, 30, 11, 0), not_before=made) is None
    assert latest_period(BERLIN, utc(2026, 12, 1, 8, 0), not_before=made) is not None
    assert next_due(BERLIN, made) == utc(2026, 12, 1, 8, 0)


def test_a_weekly_period_falls_on_its_weekday_in_its_own_zone():
    # Monday 06:00 in Tokyo is Sunday 21:00 UTC
    tokyo = Schedule(Cadence.WEEKLY, time(6, 0), "Asia/Tokyo", weekday=0)
    period = latest_period(tokyo, utc(2026, 11, 29, 21, 30), not_before=LONG_AGO)
    assert period is not None and period.day == date(2026, 11, 30) and period.due == utc(2026, 11, 29, 21, 0)
    assert (period.start, period.previous_start) == (date(2026, 11, 23), date(2026, 11, 16))
    earlier = latest_period(tokyo, utc(2026, 11, 29, 20, 59), not_before=LONG_AGO)
    assert earlier is not None and earlier.day == date(2026, 11, 23)
    assert next_due(tokyo, utc(2026, 11, 29, 21, 0)) == utc(2026, 12, 6, 21, 0)


def test_daylight_saving_a_skipped_time_is_due_an_hour_later_and_a_doubled_one_once():
    night = Schedule(Cadence.DAILY, time(2, 30), "Europe/Berlin")
    # 29 Mar 2026: clocks jump from 02:00 to 03:00 CEST; 02:30 does not exist, it is due at 03:30 CEST
    spring = latest_period(night, utc(2026, 3, 29, 2, 0), not_before=LONG_AGO)
    assert spring is not None and spring.day == date(2026, 3, 29) and spring.due == utc(2026, 3, 29, 1, 30)
    # 25 Oct 2026: 02:30 happens twice; the first (CEST, 00:30 UTC) is the one
    autumn = latest_period(night, utc(2026, 10, 25, 2, 0), not_before=LONG_AGO)
    assert autumn is not None and autumn.due == utc(2026, 10, 25, 0, 30)
    assert next_due(night, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]),
    st.sampled_from([None, 0, 3, 6]),
    st.integers(0, 23 * 60 + 59),
)
def test_the_latest_period_is_due_by_now_and_the_next_one_after_it(now, zone, weekday, minute):
    cadence = Cadence.DAILY if weekday is None else Cadence.WEEKLY
    schedule = Schedule(cadence, time(minute // 60, minute % 60), zone, weekday)
    period = latest_period(schedule, now, not_before=LONG_AGO)
    assert period is not None and period.due <= now
    following = next_due(schedule, now)
    assert now < following <= now + timedelta(days=7, hours=2)
    assert following - period.due <= cadence.length + timedelta(hours=2)  # DST moves it by an hour at most
    assert schedule.due_on(period.day)


def test_a_preview_covers_the_last_whole_day_in_utc():
    period = preview_period(Cadence.WEEKLY, utc(2026, 11, 28, 12, 0))
    assert (period.day, period.start, period.zone) == (date(2026, 11, 28), date(2026, 11, 21), "UTC")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("09:00", time(9)), ("9:05", time(9, 5)), ("23:59", time(23, 59)), ("00:00", time(0))]
    + [(bad, None) for bad in ("24:00", "9", "9am", "09.00", "09:0", "009:00", "٠٩:٠٠", " 09:00", "")],
)
def test_times_are_24_hour_hh_mm(word, expected):
    assert read_time(word) == expected


def test_weekdays_channels_and_the_whole_line():
    assert [read_weekday(w) for w in ("mon", "Monday", "SUN", "thurs", "")] == [0, 0, 6, None, None]
    assert read_channel("<#C0123ABC|finance>") == "C0123ABC"
    assert read_channel("<#G0123ABC>") == "G0123ABC"
    assert read_channel("C0123ABC") == "C0123ABC"
    assert read_channel("#finance") is Reason.CHANNEL_NAME
    assert read_channel("<@U0123ABC>") is Reason.BAD_CHANNEL
    assert read_channel("D0123ABC") is Reason.BAD_CHANNEL  # a DM is not a channel to post digests in
    assert read_wanted(Cadence.WEEKLY, ["fri", "18:00", "Asia/Tokyo", "<#C1234|x>"]) == Wanted(
        Schedule(Cadence.WEEKLY, time(18), "Asia/Tokyo", 4), "C1234"
    )
    assert read_wanted(Cadence.DAILY, ["09:00", "Europe/Berln", "C1234"]) == Problem(
        Cadence.DAILY, Part.ZONE, Reason.BAD_ZONE, "Europe/Berln", "Europe/Berlin"
    )
    assert read_wanted(Cadence.DAILY, ["09:00", "localtime", "C1234"]) == Problem(
        Cadence.DAILY, Part.ZONE, Reason.BAD_ZONE, "localtime", None
    )
    assert read_wanted(Cadence.DAILY, ["09:00", "../etc/passwd", "C1234"]).reason is Reason.BAD_ZONE
