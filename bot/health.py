"""Readiness: can this instance serve Slack right now? Each check says yes, or names what is wrong.

- database: a trivial query answers within DATABASE_TIMEOUT.
- slack (Socket Mode only): the socket is connected (`Services.socket_mode`, kept by the supervisor).
- telnyx: Telnyx answered a request within TELNYX_FRESH and nothing has failed since; otherwise one
  `GET /balance` (TELNYX_PROBE_TIMEOUT, not cached, not retried) decides, and its verdict is kept for
  TELNYX_PROBE_TTL so that probes every few seconds do not become traffic to Telnyx.
- outbox: the oldest side effect not yet delivered is younger than OUTBOX_STUCK_AFTER.

Reasons name the failure (a status code, a timeout, an exception's class), never a URL, a key or a body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text

from bot.store import utcnow

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0
TELNYX_FRESH = 300.0
TELNYX_PROBE_TIMEOUT = 3.0
TELNYX_PROBE_TTL = 30.0
# The outbox retries a failing delivery with backoff for about half an hour; a row still waiting after a
# quarter of an hour means Slack has refused the bot's posts for that long (or the worker is wedged).
OUTBOX_STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Check:
    """One readiness check: passed or not, and in a few words why."""

    name: str
    ok: bool
    detail: str


@dataclass
class Health:
    """The readiness checks of one app instance; it remembers the last Telnyx probe and its verdict."""

    database_timeout: float = DATABASE_TIMEOUT
    telnyx_fresh: float = TELNYX_FRESH
    telnyx_probe_timeout: float = TELNYX_PROBE_TIMEOUT
    telnyx_probe_ttl: float = TELNYX_PROBE_TTL
    outbox_stuck_after: timedelta = OUTBOX_STUCK_AFTER
    monotonic: Callable[[], float] = time.monotonic
    _probed: tuple[float, str | None] | None = None  # (when, None or why it failed)
    _probing: asyncio.Lock | None = None
    _failing: frozenset[str] = frozenset()  # what the last readiness answer named, to log changes only

    async def readiness(self, svc: Services) -> list[Check]:
        """Run every check at once; the list is in a fixed order."""
        checks: list[Awaitable[Check]] = [self.database(svc)]
        if svc.socket_mode is not None:
            checks.append(self.slack(svc))
        checks += [self.telnyx(svc), self.outbox(svc), self.scheduler(svc)]
        results = list(await asyncio.gather(*checks))
        self._log_change(results)
        return results

    def _log_change(self, checks: list[Check]) -> None:
        """One line when readiness changes, not one per probe (a platform asks every few seconds)."""
        failing = frozenset(c.name for c in checks if not c.ok)
        if failing == self._failing:
            return
        self._failing = failing
        if failing:
            logger.warning("not ready: %s", "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok))
        else:
            logger.info("ready again: every check passes")

    async def database(self, svc: Services) -> Check:
        started = self.monotonic()
        try:
            async with asyncio.timeout(self.database_timeout):
                async with svc.store.transaction() as session:
                    await session.execute(text("SELECT 1"))
        except TimeoutError:
            return Check("database", False, f"no answer within {self.database_timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure is the answer, told by its kind only
            return Check("database", False, f"query failed ({_kind(exc)})")
        return Check("database", True, f"answered in {1000 * (self.monotonic() - started):.0f} ms")

    async def slack(self, svc: Services) -> Check:
        state = svc.socket_mode
        if state is None or state.connected:
            return Check("slack", True, "Socket Mode connected")
        since = "" if state.changed_at is None else f" for {self.monotonic() - state.changed_at:.0f} s"
        return Check("slack", False, f"Socket Mode not connected{since}")

    async def telnyx(self, svc: Services) -> Check:
        gateway, now = svc.telnyx, self.monotonic()
        answered, failed = gateway.last_answer, gateway.last_failure
        if answered is not None and now - answered < self.telnyx_fresh:
            if failed is None or failed[0] < answered:
                return Check("telnyx", True, f"answered {now - answered:.0f} s ago")
        probed = self._probed
        if probed is None or now - probed[0] >= self.telnyx_probe_ttl:
            probed = await self._probe(svc)
        when, problem = probed
        if problem is not None:
            return Check("telnyx", False, f"GET /balance: {problem}")
        return Check("telnyx", True, f"GET /balance answered {self.monotonic() - when:.0f} s ago")

    async def _probe(self, svc: Services) -> tuple[float, str | None]:
        """One probe at a time; whoever waited for it shares its verdict."""
        if self._probing is None:
            self._probing = asyncio.Lock()
        async with self._probing:
            probed = self._probed
            if probed is not None and self.monotonic() - probed[0] < self.telnyx_probe_ttl:
                return probed
            problem = await svc.telnyx.probe(self.telnyx_probe_timeout)
            self._probed = (self.monotonic(), problem)
            return self._probed

    async def outbox(self, svc: Services) -> Check:
        try:
            async with asyncio.timeout(self.database_timeout):
                count, oldest = await svc.outbox.backlog()
        except TimeoutError:
            return Check("outbox", False, f"backlog unknown: no answer within {self.database_timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure is the answer, told by its kind only
            return Check("outbox", False, f"backlog unknown ({_kind(exc)})")
        if oldest is None:
            return Check("outbox", True, "nothing waiting")
        age = utcnow() - oldest
        detail = f"{count} waiting, the oldest for {age.total_seconds():.0f} s"
        if age >= self.outbox_stuck_after:
            limit = self.outbox_stuck_after.total_seconds()
            return Check("outbox", False, f"stuck: {detail} (limit {limit:.0f} s)")
        return Check("outbox", True, detail)

    async def scheduler(self, svc: Services) -> Check:
        scheduler = svc.scheduler
        if scheduler is None:
            return Check("scheduler", True, "not running here")
        late = scheduler.overdue()
        if late is not None:
            return Check(
                "scheduler", False, f"a tick is overdue by {late:.0f} s (every {scheduler.seconds:g} s)"
            )
        if scheduler.last_tick_at is None:
            return Check("scheduler", True, f"first tick within {scheduler.seconds:g} s")
        return Check("scheduler", True, f"last tick {self.monotonic() - scheduler.last_tick_at:.0f} s ago")


def _kind(exc: BaseException) -> str:
    """An exception's class, and the driver's under SQLAlchemy's wrapper: never its message (it may hold a
    URL or a value)."""
    orig = getattr(exc, "orig", None)
    return type(exc).__name__ + (f": {type(orig).__name__}" if orig is not None else "")
