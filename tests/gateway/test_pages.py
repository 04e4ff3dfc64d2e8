"""The ordered, bounded page fetcher behind exports (no server needed: pages come from a function)."""

from __future__ import annotations

import asyncio
import random
from contextlib import aclosing

import pytest

from bot.telnyx_client.pages import in_order


class Pages:
    """Page n is [n]; each fetch takes a random short time; tracks how many run at once."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.fail_on = fail_on

    async def __call__(self, number: int) -> list[int]:
        self.started.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(random.uniform(0, 0.004))
            if number == self.fail_on:
                raise RuntimeError(f"page {number} failed")
            return [number]
        except asyncio.CancelledError:
            self.cancelled.append(number)
            raise
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("bound", [1, 3, 8])
async def test_pages_come_out_in_order_with_at_most_bound_in_flight(bound: int) -> None:
    pages = Pages()
    got = [(n, page) async for n, page in in_order(pages, 2, 30, bound)]
    assert got == [(n, [n]) for n in range(2, 31)]
    assert pages.peak == min(bound, 29)
    assert sorted(pages.started) == list(range(2, 31))  # each page fetched exactly once


async def test_a_slow_consumer_holds_back_the_fetching() -> None:
    pages = Pages()
    async with aclosing(in_order(pages, 1, 100, 4)) as stream:
        async for number, _ in stream:
            # never more than `bound` pages requested beyond the one being handed out
            assert len(pages.started) <= number + 4
            if number == 10:
                break
    assert len(pages.started) <= 14


async def test_stopping_early_cancels_the_pages_still_loading() -> None:
    pages = Pages()
    async with aclosing(in_order(pages, 1, 50, 4)) as stream:
        async for number, _ in stream:
            if number == 2:
                break
    assert pages.in_flight == 0
    assert set(pages.cancelled) <= set(range(3, 7))


async def test_a_failing_page_raises_and_cancels_the_rest() -> None:
    pages = Pages(fail_on=5)
    seen: list[int] = []
    with pytest.raises(RuntimeError, match="page 5"):
        async for number, _ in in_order(pages, 1, 40, 4):
            seen.append(number)
    assert seen == [1, 2, 3, 4]
    assert pages.in_flight == 0
    assert max(pages.started) <= 9


async def test_an_empty_range_yields_nothing() -> None:
    assert [p async for p in in_order(Pages(), 2, 1, 4)] == []
