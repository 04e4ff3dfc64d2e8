"""What the bot does on its own, at start and every minute: expire, reconcile, forget old replay marks,
delivered outbox rows, completed Workflow steps, and Home viewers who stopped looking.
(The balance snapshots and alert rules run on the scheduler's ticks: bot/scheduler.py.)"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot import replay, workflow
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
        await workflow.forget_done(svc.store, svc.clock())
        if svc.home is not None:
            await svc.home.forget_idle()

    return [reconcile, expire, forget]
