"""The shared-reads cache: single flight, TTL, errors never cached, cancellation, invalidation."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta

import pytest

from bot.cache import Fresh, TTLCache


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A fetch function that counts its calls and finishes when the test says so.

    `started` is set once a fetch is running; `fetches` are the tasks the cache ran them in.
    """

    def __init__(self, value: object = "v") -> None:
        self.calls = 0
        self.value = value
        self.release = asyncio.Event()
        self.release.set()
        self.started = asyncio.Event()
        self.fetches: list[asyncio.Task[object]] = []
        self.fail: Exception | None = None

    async def __call__(self) -> object:
        self.calls += 1
        number = self.calls
        task = asyncio.current_task()
        assert task is not None
        self.fetches.append(task)
        self.started.set()
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return f"{self.value}{number}"


async def test_concurrent_identical_reads_make_one_fetch_and_share_the_answer() -> None:
    cache, source = TTLCache(10), Source()
    source.release.clear()
    waiters = [asyncio.create_task(cache.get(("balance",), source)) for _ in range(100)]
    await source.started.wait()  # the first waiter started the fetch; the others joined it before it ran
    source.release.set()
    answers = await asyncio.gather(*waiters)
    assert source.calls == 1
    assert {a.value for a in answers} == {"v1"}
    assert not any(a.from_cache for a in answers)


async def test_ttl_serves_from_cache_then_refetches_after_expiry() -> None:
    clock = Clock()
    cache, source = TTLCache(10, clock=clock), Source()
    first = await cache.get(("balance",), source)
    clock.now += 9.9
    second = await cache.get(("balance",), source)
    assert (second.value, second.from_cache, second.fetched_at) == ("v1", True, first.fetched_at)
    clock.now += 0.2
    third = await cache.get(("balance",), source)
    assert (third.value, third.from_cache, source.calls) == ("v2", False, 2)


async def test_ttl_zero_keeps_nothing_but_still_shares_a_flight() -> None:
    cache, source = TTLCache(0), Source()
    assert (await cache.get(("b",), source)).value == "v1"
    assert (await cache.get(("b",), source)).value == "v2"
    source.release.clear()
    source.started.clear()
    waiters = [asyncio.create_task(cache.get(("b",), source)) for _ in range(10)]
    await source.started.wait()
    source.release.set()
    assert {a.value for a in await asyncio.gather(*waiters)} == {"v3"}
    assert len(cache) == 0


async def test_an_error_reaches_every_waiter_and_is_not_cached() -> None:
    cache, source = TTLCache(10), Source()
    source.fail, _ = RuntimeError("telnyx down"), source.release.clear()
    waiters = [asyncio.create_task(cache.get(("b",), source)) for _ in range(5)]
    await source.started.wait()
    source.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results) and source.calls == 1
    source.fail = None
    again = await cache.get(("b",), source)  # the failed flight did not poison the key
    assert (again.value, source.calls) == ("v2", 2)


async def test_cancelling_one_waiter_does_not_cancel_the_flight_for_the_others() -> None:
    cache, source = TTLCache(10), Source()
    source.release.clear()
    quitter = asyncio.create_task(cache.get(("b",), source))
    stayer = asyncio.create_task(cache.get(("b",), source))
    await source.started.wait()  # both are waiting on the one fetch
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    source.release.set()
    assert (await stayer).value == "v1"
    assert quitter.cancelled() and source.calls == 1
    assert (await cache.get(("b",), source)).from_cache  # and the flight's answer was kept


async def test_a_failed_flight_nobody_awaits_anymore_leaves_no_unretrieved_exception() -> None:
    reported: list[dict] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    cache, source = TTLCache(10), Source()
    source.fail, _ = RuntimeError("boom"), source.release.clear()
    waiter = asyncio.create_task(cache.get(("b",), source))
    await source.started.wait()
    waiter.cancel()
    source.release.set()
    # Waiting on the fetch's task runs every callback registered on it before ours, the cache's included.
    await asyncio.wait(source.fetches)
    gc.collect()
    loop.set_exception_handler(None)
    assert reported == []
    assert len(cache) == 0


async def test_invalidate_drops_a_whole_namespace_and_keeps_the_others() -> None:
    cache, source = TTLCache(10), Source()
    await cache.get(("invoices", 1, 20), source)
    await cache.get(("invoices", 2, 20), source)
    await cache.get(("balance",), source)
    cache.invalidate("invoices")
    assert not (await cache.get(("invoices", 1, 20), source)).from_cache
    assert not (await cache.get(("invoices", 2, 20), source)).from_cache
    assert (await cache.get(("balance",), source)).from_cache
    cache.invalidate()
    assert len(cache) == 0


async def test_a_read_in_flight_during_invalidate_is_not_stored_and_later_callers_refetch() -> None:
    cache, source = TTLCache(10), Source()
    source.release.clear()
    before_change = asyncio.create_task(cache.get(("balance",), source))
    await source.started.wait()
    cache.invalidate("balance")  # e.g. a payment went through while that read was on the wire
    source.started.clear()
    after_change = asyncio.create_task(cache.get(("balance",), source))
    await source.started.wait()  # a second fetch: the detached flight was not joined
    source.release.set()
    old, new = await before_change, await after_change
    assert (old.value, new.value, source.calls) == ("v1", "v2", 2)
    assert (await cache.get(("balance",), source)).value == "v2"  # only the post-change read was kept


async def test_entries_beyond_max_entries_are_evicted_oldest_first() -> None:
    cache, source = TTLCache(10, max_entries=3), Source()
    for prefix in "abcd":
        await cache.get(("tags", prefix), source)
    assert len(cache) == 3
    assert not (await cache.get(("tags", "a"), source)).from_cache
    assert (await cache.get(("tags", "d"), source)).from_cache


def test_fresh_says_how_old_it_is() -> None:
    fresh = Fresh(value=1, fetched_at=datetime.now(UTC) - timedelta(seconds=12), from_cache=True)
    assert 12 <= fresh.age_seconds < 13
    future = Fresh(value=1, fetched_at=datetime.now(UTC) + timedelta(seconds=5), from_cache=False)
    assert future.age_seconds == 0.0
    with pytest.raises(AttributeError):
        fresh.value = 2  # type: ignore[misc]


def test_negative_ttl_is_refused() -> None:
    with pytest.raises(ValueError):
        TTLCache(-1)
