"""Fetch numbered pages concurrently, at most `bound` at a time, and hand them out strictly in order.

A sliding window: page n+bound is only requested once page n has been handed to the consumer, so memory
holds at most `bound` pages however many there are, and a slow consumer slows the fetching down.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TypeVar

P = TypeVar("P")
OnPage = Callable[[int, int], Awaitable[None] | None]  # (page number, total pages), sync or async


async def in_order(
    fetch: Callable[[int], Awaitable[P]], first: int, last: int, bound: int
) -> AsyncGenerator[tuple[int, P], None]:
    """Yield (number, page) for pages first..last in order; the first failure cancels the rest and raises.

    Close it (`contextlib.aclosing`) when stopping early, so pages still in flight are cancelled at once.
    """
    if bound < 1:
        raise ValueError("bound must be 1 or more")
    window: deque[tuple[int, asyncio.Future[P]]] = deque()
    upcoming = first

    def fill() -> None:
        nonlocal upcoming
        while upcoming <= last and len(window) < bound:
            window.append((upcoming, asyncio.ensure_future(fetch(upcoming))))
            upcoming += 1

    try:
        fill()
        while window:
            number, head = window[0]
            page = await head
            window.popleft()
            fill()  # before yielding: the next pages load while the consumer writes this one
            yield number, page
    finally:
        for _, future in window:
            future.cancel()
        if window:
            await asyncio.gather(*(future for _, future in window), return_exceptions=True)


async def notify(on_page: OnPage | None, number: int, total: int) -> None:
    """Tell an export's progress callback, awaiting it if it is async."""
    if on_page is not None:
        result = on_page(number, total)
        if inspect.isawaitable(result):
            await result
