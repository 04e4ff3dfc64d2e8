"""The outbox: in order per key, at least once, retried with backoff (Retry-After honoured), abandoned only
when it can never succeed, and shared safely by instances on one database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import outbox as outbox_module
from bot.outbox import Delivery, Outbox, Permanent, RetryLater
from bot.store import OutboxRow, Store, utcnow


async def queue(store: Store, box: Outbox, key: str, *numbers: int) -> None:
    """Queue one row per number under `key`, committed together."""
    async with store.transaction() as session:
        for n in numbers:
            await box.add(session, key, "test", {"n": n})


class Recorder:
    """A deliverer that records (key, n) and can be told to fail."""

    def __init__(self) -> None:
        self.done: list[tuple[str, int]] = []
        self.fail: dict[int, Exception] = {}
        self.delay = 0.0

    async def __call__(self, row: Delivery) -> None:
        n = int(row.payload["n"])
        if self.delay:
            await asyncio.sleep(self.delay)
        error = self.fail.pop(n, None)
        if error is not None:
            raise error
        self.done.append((row.key, n))


async def test_rows_are_delivered_once_in_order_per_key_and_keys_go_in_parallel(store: Store) -> None:
    box, seen = Outbox(store), Recorder()
    box.set_deliverer(seen)
    seen.delay = 0.2
    await queue(store, box, "a", 1, 2, 3)
    await queue(store, box, "b", 10, 20, 30)
    started = asyncio.get_running_loop().time()
    await box.drain()
    elapsed = asyncio.get_running_loop().time() - started
    assert [n for k, n in seen.done if k == "a"] == [1, 2, 3]
    assert [n for k, n in seen.done if k == "b"] == [10, 20, 30]
    assert elapsed < 6 * 0.2  # the two keys were delivered side by side
    await box.drain()
    assert len(seen.done) == 6 and await box.backlog() == (0, None)


async def test_a_failure_is_retried_later_honouring_retry_after_and_holds_back_its_key(
    store: Store, monkeypatch
) -> None:
    now = [utcnow()]
    box, seen = Outbox(store, now=lambda: now[0]), Recorder()
    box.set_deliverer(seen)
    seen.fail[1] = RetryLater("Slack rate limit", after=30)
    await queue(store, box, "k", 1, 2)
    await queue(store, box, "other", 5)
    await box.drain()
    assert seen.done == [("other", 5)]  # 1 waits 30 s (Retry-After), and 2 waits behind it
    now[0] += timedelta(seconds=29)
    await box.drain()
    assert seen.done == [("other", 5)]
    now[0] += timedelta(seconds=2)
    await box.drain()
    assert seen.done == [("other", 5), ("k", 1), ("k", 2)]
    async with store.transaction() as session:
        first = await session.scalar(select(OutboxRow).order_by(OutboxRow.id).limit(1))
    assert first is not None and (first.attempts, first.outcome) == (2, "delivered")


async def test_backoff_grows_and_a_permanent_failure_is_abandoned_without_blocking(store: Store) -> None:
    assert [outbox_module.backoff(n) for n in (1, 2, 3, 10, 30)] == [1.0, 2.0, 4.0, 300.0, 300.0]
    box, seen = Outbox(store), Recorder()
    box.set_deliverer(seen)
    seen.fail[1] = Permanent("channel_not_found")
    await queue(store, box, "k", 1, 2)
    await box.drain()
    assert seen.done == [("k", 2)]
    async with store.transaction() as session:
        rows = list((await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars())
    assert [(r.outcome, r.last_error) for r in rows] == [
        ("abandoned", "channel_not_found"),
        ("delivered", None),
    ]


async def test_an_unexpected_error_is_retried_and_given_up_after_the_last_attempt(
    store: Store, monkeypatch
) -> None:
    monkeypatch.setattr(outbox_module, "MAX_ATTEMPTS", 2)
    now = [utcnow()]
    box = Outbox(store, now=lambda: now[0])

    async def broken(row: Delivery) -> None:
        raise RuntimeError("bug")

    box.set_deliverer(broken)
    await queue(store, box, "k", 1)
    await box.drain()
    now[0] += timedelta(seconds=5)
    await box.drain()
    async with store.transaction() as session:
        row = await session.scalar(select(OutboxRow))
    assert row is not None and (row.attempts, row.outcome, row.last_error) == (2, "abandoned", "RuntimeError")


async def test_two_instances_deliver_each_row_once_and_take_over_a_dead_ones_claim(
    store_factory: Callable[[], Store],
) -> None:
    first, second = store_factory(), store_factory()
    await first.start()
    one, two, seen = Outbox(first), Outbox(second), Recorder()
    one.set_deliverer(seen)
    two.set_deliverer(seen)
    seen.delay = 0.01
    for key in ("a", "b", "c", "d"):
        await queue(first, one, key, 1, 2, 3)
    await asyncio.gather(one.drain(), two.drain(), one.drain(), two.drain())
    assert sorted(seen.done) == sorted((k, n) for k in "abcd" for n in (1, 2, 3))
    for key in "abcd":
        assert [n for k, n in seen.done if k == key] == [1, 2, 3]
    # an instance died holding a claim: nobody touches that key until the lease runs out
    await queue(first, one, "z", 7)
    async with first.transaction() as session:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.key == "z")
            .values(claimed_by="dead", claimed_until=utcnow() + timedelta(seconds=60))
        )
    await two.drain()
    assert ("z", 7) not in seen.done
    async with first.transaction() as session:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.key == "z")
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )
    await two.drain()
    assert ("z", 7) in seen.done


async def test_the_worker_delivers_what_is_committed_without_being_asked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the poll every POLL_SECONDS, shortened: what is tested is that a poll finds the row, not its period
    monkeypatch.setattr(outbox_module, "POLL_SECONDS", 0.2)
    box, seen = Outbox(store), Recorder()
    box.set_deliverer(seen)
    box.start()
    try:
        await queue(store, box, "k", 1)
        box.wake()
        async with asyncio.timeout(5):
            while not seen.done:  # noqa: ASYNC110 - polls what the worker recorded, with a deadline
                await asyncio.sleep(0.01)
        await queue(store, box, "k", 2)  # not woken: the worker's poll finds it
        async with asyncio.timeout(outbox_module.POLL_SECONDS + 5):
            while len(seen.done) < 2:  # noqa: ASYNC110 - as above
                await asyncio.sleep(0.05)
    finally:
        await box.aclose()
    assert seen.done == [("k", 1), ("k", 2)]
