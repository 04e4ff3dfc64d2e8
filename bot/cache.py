"""A short TTL cache with single flight, for account-wide reads shared by everyone in the workspace.

Concurrent calls for the same key share one in-flight fetch; a successful result is kept `ttl` seconds.
Errors are never cached. Cancelling one waiter never cancels the fetch the others are waiting on.
Invalidating a key also discards a fetch already in flight for it, so a read that started before a
change can never put the old value back into the cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar, cast

logger = logging.getLogger(__name__)

T = TypeVar("T")

Key = tuple[Hashable, ...]  # key[0] is the namespace ("balance", "invoices", ...) that invalidate() drops


@dataclass(frozen=True)
class Fresh(Generic[T]):
    """A value plus when it was fetched from Telnyx, so an answer can say "as of 12 s ago"."""

    value: T
    fetched_at: datetime
    from_cache: bool

    @property
    def age_seconds(self) -> float:
        """Seconds since the value was fetched (never negative)."""
        return max(0.0, (datetime.now(UTC) - self.fetched_at).total_seconds())


@dataclass
class _Entry:
    value: object
    fetched_at: datetime
    expires: float  # on the cache's monotonic clock


@dataclass
class _Flight:
    task: asyncio.Task[object]
    generation: int
    fetched_at: datetime | None = None


class TTLCache:
    """Single-flight TTL cache keyed by tuples whose first item is a namespace. `ttl=0` disables keeping."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0:
            raise ValueError("ttl must be >= 0")
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[Key, _Entry] = {}
        self._flights: dict[Key, _Flight] = {}
        # Bumped by invalidate(): a flight that started under an older generation must not store its result.
        self._generations: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: Key, fetch: Callable[[], Awaitable[T]]) -> Fresh[T]:
        """Return the cached value, join the fetch in flight, or start one; errors propagate, uncached."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry.expires > self._clock():
                return Fresh(value=cast(T, entry.value), fetched_at=entry.fetched_at, from_cache=True)
            del self._entries[key]

        flight = self._flights.get(key)
        if flight is None or flight.task.done():  # a finished flight whose bookkeeping has not run yet
            flight = self._start(key, fetch)
        # shield: a cancelled waiter (user gave up, handler timed out) leaves the fetch running for the rest.
        value = await asyncio.shield(flight.task)
        fetched_at = flight.fetched_at or datetime.now(UTC)
        return Fresh(value=cast(T, value), fetched_at=fetched_at, from_cache=False)

    def _start(self, key: Key, fetch: Callable[[], Awaitable[T]]) -> _Flight:
        namespace = key[0]
        generation = self._generations.get(namespace, 0)

        async def run() -> object:
            value = await fetch()
            flight.fetched_at = datetime.now(UTC)
            return value

        flight = _Flight(task=asyncio.ensure_future(run()), generation=generation)
        self._flights[key] = flight
        flight.task.add_done_callback(lambda task: self._finish(key, flight, task))
        return flight

    def _finish(self, key: Key, flight: _Flight, task: asyncio.Task[object]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if task.cancelled():
            return
        error = task.exception()  # also marks it retrieved, so an unawaited failure logs no warning
        if error is not None:
            logger.debug("shared read %r failed: %s", key, type(error).__name__)
            return
        if self.ttl <= 0 or flight.generation != self._generations.get(key[0], 0):
            return  # caching off, or the data changed while this read was in flight
        self._entries[key] = _Entry(
            value=task.result(),
            fetched_at=flight.fetched_at or datetime.now(UTC),
            expires=self._clock() + self.ttl,
        )
        self._evict()

    def _evict(self) -> None:
        if len(self._entries) <= self.max_entries:
            return
        now = self._clock()
        for stale in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[stale]
        while len(self._entries) > self.max_entries:
            del self._entries[next(iter(self._entries))]  # oldest insertion first

    def invalidate(self, *namespaces: Hashable) -> None:
        """Drop every entry (and detach every flight) in the given namespaces; no argument drops all."""
        targets = set(namespaces) if namespaces else {k[0] for k in (*self._entries, *self._flights)}
        for namespace in targets:
            self._generations[namespace] = self._generations.get(namespace, 0) + 1
        for key in [k for k in self._entries if k[0] in targets]:
            del self._entries[key]
        # Detached flights finish for their current waiters, but later callers start a fresh read.
        for key in [k for k in self._flights if k[0] in targets]:
            del self._flights[key]
