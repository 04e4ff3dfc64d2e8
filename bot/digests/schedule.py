"""When digests are due: a schedule (daily or weekly, a local time, an IANA time zone), its periods, and
the words of `/telnyx digest daily|weekly ...` read into one.

A period is named by its local date (`day`) and is due at the schedule's time on that date in its zone.
It covers the day (or the 7 days) before `day`, in that zone's calendar, compared with the one before.
A local time the clock skips that day (daylight saving starts) is due an hour later; one it passes twice
is due the first time. Refusals are `Problem`s (data); formatting/digest.py says them in words.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_MENTION = re.compile(r"<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,30}")
_SHOWN = 40  # characters of a refused word kept to show back
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})  # files of the database, not zones to pick


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def length(self) -> timedelta:
        """How much a period covers."""
        return timedelta(days=1 if self is Cadence.DAILY else 7)


@dataclass(frozen=True)
class Schedule:
    """When a digest is due: every day, or one weekday, at `at` (local time) in `zone`."""

    cadence: Cadence
    at: time
    zone: str
    weekday: int | None = None  # weekly: 0 Monday ... 6 Sunday

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone)

    def due_on(self, day: date) -> bool:
        return self.cadence is Cadence.DAILY or day.weekday() == self.weekday

    def due_at(self, day: date) -> datetime:
        """The UTC instant the period of local date `day` is due."""
        return datetime.combine(day, self.at, tzinfo=self.tz).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """One digest: its local date, what it covers, and when it was due."""

    cadence: Cadence
    day: date  # the digest's date (local): it covers the day or week before it
    zone: str
    due: datetime  # UTC

    @property
    def start(self) -> date:
        return self.day - self.cadence.length

    @property
    def end(self) -> date:
        """The first day after the period (Telnyx's end dates are exclusive)."""
        return self.day

    @property
    def previous_start(self) -> date:
        return self.start - self.cadence.length

    def instants(self, start: date, end: date) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: midnights in the period's zone."""
        tz = zoneinfo.ZoneInfo(self.zone)
        return (
            datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC),
            datetime.combine(end, time(0), tzinfo=tz).astimezone(UTC),
        )


def latest_period(schedule: Schedule, now: datetime, *, not_before: datetime) -> Period | None:
    """The latest period due at or before `now` and not before `not_before` (the subscription's start)."""
    today = now.astimezone(schedule.tz).date()
    for back in range(9):  # a week and a day covers every weekly schedule, whatever the zone's offset
        day = today - timedelta(days=back)
        if not schedule.due_on(day):
            continue
        due = schedule.due_at(day)
        if due <= now:
            return Period(schedule.cadence, day, schedule.zone, due) if due >= not_before else None
    return None


def next_due(schedule: Schedule, now: datetime) -> datetime:
    """When the next period after `now` is due."""
    today = now.astimezone(schedule.tz).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if schedule.due_on(day) and schedule.due_at(day) > now:
            return schedule.due_at(day)
    raise AssertionError("every schedule is due within 8 days")  # pragma: no cover


def preview_period(cadence: Cadence, now: datetime) -> Period:
    """`digest now`: the last whole day (or 7 days) in UTC, as of now."""
    return Period(cadence, now.astimezone(UTC).date(), "UTC", now)


# --- reading the command's words ---------------------------------------------------------------------


class Reason(StrEnum):
    """Why a word of `/telnyx digest ...` was refused (formatting/digest.py says it, with an example)."""

    MISSING = "missing"  # `shown` names what is missing
    EXTRA = "extra"  # words after the channel
    BAD_TIME = "bad_time"
    BAD_ZONE = "bad_zone"  # `suggestion`: a zone it may have meant
    NO_ZONES = "no_zones"  # this system has no time-zone database
    BAD_WEEKDAY = "bad_weekday"
    CHANNEL_NAME = "channel_name"  # a plain #name: Slack did not turn it into a link with the id
    BAD_CHANNEL = "bad_channel"


class Part(StrEnum):
    """The words of a schedule, in the order they are typed."""

    WEEKDAY = "weekday"
    TIME = "time"
    ZONE = "zone"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Problem:
    """A word refused: which part, why, what was read (shortened) and, for a zone, what it may mean."""

    cadence: Cadence
    part: Part
    reason: Reason
    shown: str = ""
    suggestion: str | None = None


@dataclass(frozen=True)
class Wanted:
    """A subscription as typed and read: when, and where it is posted."""

    schedule: Schedule
    channel: str


@functools.cache
def zones() -> frozenset[str]:
    """Every IANA zone this system knows (the OS database, or the tzdata package where it is installed),
    without the files that are not zones to choose: the host's own (`localtime`) and tz's placeholders."""
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES


def read_time(word: str) -> time | None:
    """HH:MM on a 24-hour clock (`9:05` too); None for anything else."""
    match = _TIME.fullmatch(word)
    return time(int(match.group(1)), int(match.group(2))) if match else None


def read_weekday(word: str) -> int | None:
    """`mon` or `monday` (any case) -> 0; None for anything else."""
    lowered = word.lower()
    for number, name in enumerate(WEEKDAYS):
        if lowered in (name, name[:3]):
            return number
    return None


def read_zone(word: str) -> str | tuple[Reason, str | None]:
    """An IANA zone name exactly as the database spells it, or why not (with a zone it may mean)."""
    known = zones()
    if not known:
        return Reason.NO_ZONES, None
    if word in known:
        return word
    by_case = {zone.lower(): zone for zone in known}
    if word.lower() in by_case:
        return Reason.BAD_ZONE, by_case[word.lower()]
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.75)
    return Reason.BAD_ZONE, close[0] if close else None


def read_channel(word: str) -> str | Reason:
    """A channel id from Slack's link `<#C0123|finance>` (or `<#C0123>`) or a bare id `C0123`."""
    match = _MENTION.fullmatch(word)
    if match:
        return match.group(1)
    if _CHANNEL_ID.fullmatch(word):
        return word
    return Reason.CHANNEL_NAME if word.startswith("#") else Reason.BAD_CHANNEL


def read_wanted(cadence: Cadence, words: list[str]) -> Wanted | Problem:
    """`[weekday] HH:MM Zone/Name channel` (the weekday for weekly only) read into a subscription; the
    first word that is wrong, or the first part missing, is the problem."""
    given = iter(words)

    def problem(part: Part, reason: Reason, word: str = "", suggestion: str | None = None) -> Problem:
        return Problem(cadence, part, reason, word[:_SHOWN], suggestion)

    weekday = None
    if cadence is Cadence.WEEKLY:
        word = next(given, None)
        if word is None:
            return problem(Part.WEEKDAY, Reason.MISSING)
        weekday = read_weekday(word)
        if weekday is None:
            return problem(Part.WEEKDAY, Reason.BAD_WEEKDAY, word)
    word = next(given, None)
    if word is None:
        return problem(Part.TIME, Reason.MISSING)
    at = read_time(word)
    if at is None:
        return problem(Part.TIME, Reason.BAD_TIME, word)
    word = next(given, None)
    if word is None:
        return problem(Part.ZONE, Reason.MISSING)
    zone = read_zone(word)
    if isinstance(zone, tuple):
        return problem(Part.ZONE, zone[0], word, zone[1])
    word = next(given, None)
    if word is None:
        return problem(Part.CHANNEL, Reason.MISSING)
    channel = read_channel(word)
    if isinstance(channel, Reason):
        return problem(Part.CHANNEL, channel, word)
    extra = list(given)
    if extra:
        return problem(Part.CHANNEL, Reason.EXTRA, " ".join(extra))
    return Wanted(Schedule(cadence, at, zone, weekday), channel)
