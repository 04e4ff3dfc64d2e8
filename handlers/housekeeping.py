"""What the bot does on its own, at start and every minute: expire, reconcile, forget old replay marks, and
a balance snapshot every SCHEDULER_TICK_SECONDS (the runway's history)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot import replay
from bot.errors import TelnyxError
from bot.services import Services

logger = logging.getLogger(__name__)

Sweeper = Callable[[], Awaitable[datetime | None]]


def sweepers(svc: Services) -> list[Sweeper]:
    """The housekeeping steps of an app (Services.start runs them)."""

    async def expire() -> None:
        await svc.approvals.expire_due()  # cards and DMs follow through the outbox

    async def reconcile() -> datetime | None:
        _moved, next_due = await svc.approvals.reconcile()
        return next_due  # a request still executing: look again as soon as it would be stale

    async def forget() -> None:
        await replay.forget_old(svc.store, svc.clock())
        await svc.outbox.prune()

    tick = timedelta(seconds=svc.settings.scheduler_tick_seconds)
    due: list[datetime] = []  # the next snapshot's time (the first one a tick after start)

    async def snapshot() -> datetime | None:
        now = svc.clock()
        if not due:
            due.append(now + tick)
        if svc.history is None or now < due[0]:
            return due[0]
        due[0] = now + tick
        try:
            balance = (await svc.telnyx.balance()).value
        except TelnyxError as err:  # this round has no snapshot; the next one tries again
            logger.warning("balance snapshot skipped: %s", type(err).__name__)
            return due[0]
        await svc.history.record(balance)
        return due[0]

    return [reconcile, expire, forget, snapshot]
