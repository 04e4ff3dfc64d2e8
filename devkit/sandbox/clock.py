"""The account's own time: frozen at the generated data's `now` unless moved, or live (following real time).

Frozen (the default) keeps every test's balance exactly where the seed put it: the account's time moves
only when `advance` (the `/_sandbox/clock` knob) moves it. Live adds the real time elapsed since start
(measured on the monotonic clock, so a wall-clock jump moves nothing), which the `telnyx-bot sandbox`
command and the interactive console use so the account is seen to spend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class AccountClock:
    """Where the account is in time: `anchor` (the data's `now`) + what `advance` added (+ real time if live).

    `timer` is the monotonic clock live time is read from (a test of live mode swaps it to skip days).
    """

    def __init__(
        self, anchor: datetime, *, live: bool = False, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.anchor = anchor.astimezone(UTC)  # the spend pattern's days and hours are UTC
        self.live = live
        self.advanced = timedelta(0)
        self.timer = timer
        self.started = timer()

    def now(self) -> datetime:
        """The account's current time."""
        moment = self.anchor + self.advanced
        if self.live:
            moment += timedelta(seconds=self.timer() - self.started)
        return moment

    def advance(self, seconds: int) -> None:
        """Move the account's time forward (what has happened by then happens when the state settles)."""
        if seconds < 0:
            raise ValueError("the account's time only moves forward")
        self.advanced += timedelta(seconds=seconds)

    @property
    def mode(self) -> str:
        """ "live" (follows real time) or "frozen" (moves only when advanced)."""
        return "live" if self.live else "frozen"
