"""Stopping the bot's background loops (outbox worker, housekeeping, scheduler) without losing work."""

from __future__ import annotations

import asyncio
from typing import Any


async def finish(task: asyncio.Task[Any], timeout: float) -> None:
    """Wait for a loop that was asked to stop to finish what it is doing (never cancelled mid-query, where
    a cancel could leave a transaction half-applied); cancel it only if it hangs past `timeout`."""
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
