"""The outbox: Slack side effects of a state change, stored with the change and delivered by a worker.

Why: a card redraw, a direct message or an audit-channel post must neither slow a decision or a payment
(Slack can take seconds a post) nor be lost when the process dies right after the change committed. So
whoever changes state calls `add(session, ...)` inside the same transaction; after the commit, `wake()`
starts the worker at once, and any instance's worker finds rows left behind by a dead one.

Delivery is at least once, in id order within a `key` (one top-up's card and messages, or the audit
channel), retried with exponential backoff (a 429's `Retry-After` is honoured). Several instances may
share the database: a row is delivered by the instance that claimed it with a compare-and-set lease
(`claimed_until`), and a key with a claimed or waiting row is not touched by anyone else meanwhile, so
order holds across instances. A delivery that fails for good (Slack says the channel is gone) is
`abandoned` after being logged, so it never blocks the rows behind it. Timing uses the wall clock
(`utcnow`), which instances share; it is not the app's injectable clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import OutboxRow, Store, utcnow
from bot.tasks import finish

logger = logging.getLogger(__name__)

# A claim lasts LEASE; a delivery is cut off after DELIVERY_TIMEOUT (and retried), so a claim never
# outlives its delivery, and a row claimed by an instance that died is taken over within LEASE.
DELIVERY_TIMEOUT = 10.0
LEASE = timedelta(seconds=15)
POLL_SECONDS = 2.0  # how often a worker looks for rows it was not woken for (other instances, restarts)
MAX_BACKOFF = 300.0
MAX_ATTEMPTS = 12  # about half an hour of retries before a transient failure is given up
CONCURRENT_KEYS = 8
KEEP_DONE = timedelta(days=7)


class Permanent(Exception):
    """A delivery that can never succeed as it is (e.g. the channel is gone): abandon it, do not retry."""


class RetryLater(Exception):
    """A delivery that failed for now; `after` seconds is when to try again (e.g. Slack's Retry-After)."""

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


@dataclass(frozen=True)
class Delivery:
    """One row to deliver: its kind and payload, and how many attempts came before this one."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int


Deliver = Callable[[Delivery], Awaitable[None]]


def backoff(attempts: int) -> float:
    """Seconds before attempt number `attempts + 1`: 1, 2, 4 ... capped at MAX_BACKOFF."""
    return float(min(MAX_BACKOFF, 2 ** max(0, attempts - 1)))


class Outbox:
    """Stores side effects with the change that causes them, and delivers them with `deliver`."""

    def __init__(self, store: Store, *, now: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._now = now
        self._deliver: Deliver | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._passing = asyncio.Lock()
        self.name = secrets.token_hex(6)  # this instance, in claims

    def set_deliverer(self, deliver: Deliver) -> None:
        """The function that performs a delivery (the Slack side lives in handlers/)."""
        self._deliver = deliver

    async def add(
        self,
        session: AsyncSession,
        key: str,
        kind: str,
        payload: dict[str, Any],
        *,
        not_before: datetime | None = None,
    ) -> None:
        """Queue a side effect inside the caller's transaction; call `wake()` after the commit.

        `not_before` (wall clock) holds it back until then (a Home tab published a moment ago waits)."""
        now = self._now()
        session.add(
            OutboxRow(
                key=key,
                kind=kind,
                payload=json.dumps(payload, sort_keys=True),
                created_at=now,
                next_at=max(now, not_before) if not_before is not None else now,
                attempts=0,
            )
        )

    def wake(self) -> None:
        """Deliver what was just committed without waiting for the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run the worker until `aclose()`."""
        if self._task is None and self._deliver is not None:
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def aclose(self) -> None:
        """Stop the worker after the delivery in hand; rows not delivered stay for the next start (or
        another instance).

        The worker is asked to stop rather than cancelled: a task cancelled inside a database call makes
        SQLAlchemy close that connection from a shielded task, which can wait forever once the engine is
        disposed. Cancelling is the fallback when a delivery outlives its own timeout.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await finish(self._task, DELIVERY_TIMEOUT + 5)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:  # noqa: BLE001 - the worker must outlive a database hiccup
                logger.exception("outbox pass failed; trying again shortly")
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass

    async def deliver_due(self) -> int:
        """Deliver every row that is due now, keys in parallel, each key in order; return how many."""
        async with self._passing:  # the worker and a test's drain() never run two passes at once
            delivered = 0
            while not self._stopping or self._task is not asyncio.current_task():
                claimed = await self._claim()
                if not claimed:
                    return delivered
                # one row per key at a time: the next row of a key is claimed once this one is done
                results = await asyncio.gather(*(self._deliver_one(row) for row in claimed))
                delivered += sum(results)
            return delivered

    async def backlog(self) -> tuple[int, datetime | None]:
        """Rows not yet delivered, and when the oldest was written."""
        async with self._store.transaction() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(OutboxRow.id), func.min(OutboxRow.created_at)).where(
                        OutboxRow.done_at.is_(None)
                    )
                )
            ).one()
        return int(count), oldest

    async def drain(self, timeout: float = 10.0) -> None:
        """Deliver until nothing is due (tests, shutdown); rows waiting for a retry are left alone."""
        async with asyncio.timeout(timeout):
            await self.deliver_due()

    async def prune(self) -> int:
        """Forget rows finished more than KEEP_DONE ago."""
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.done_at < self._now() - KEEP_DONE)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _claim(self) -> list[Delivery]:
        """Lease the first due row of up to CONCURRENT_KEYS keys nobody else is working on."""
        now = self._now()
        async with self._store.transaction() as session:
            # the first row not done of each key: only it may go (order within a key)
            heads = (
                select(OutboxRow.key, func.min(OutboxRow.id).label("head"))
                .where(OutboxRow.done_at.is_(None))
                .group_by(OutboxRow.key)
                .subquery()
            )
            due = await session.execute(
                select(OutboxRow)
                .join(heads, OutboxRow.id == heads.c.head)
                .where(
                    OutboxRow.next_at <= now,
                    or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                )
                .order_by(OutboxRow.id)
                .limit(CONCURRENT_KEYS)
            )
            rows = list(due.scalars())
            claimed: list[Delivery] = []
            for row in rows:
                leased = await session.execute(
                    update(OutboxRow)
                    .where(
                        and_(
                            OutboxRow.id == row.id,
                            OutboxRow.done_at.is_(None),
                            or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                        )
                    )
                    .values(claimed_by=self.name, claimed_until=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if leased.rowcount == 1:  # type: ignore[attr-defined]
                    delivery = Delivery(row.id, row.key, row.kind, json.loads(row.payload), row.attempts)
                    claimed.append(delivery)
        return claimed

    async def _deliver_one(self, row: Delivery) -> bool:
        assert self._deliver is not None
        attempts = row.attempts + 1
        try:
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                await self._deliver(row)
        except Permanent as exc:
            logger.error("outbox %s %s abandoned: %s", row.id, row.kind, exc)
            await self._settle(row, attempts, outcome="abandoned", error=str(exc))
            return False
        except RetryLater as exc:
            return await self._retry(row, attempts, str(exc), exc.after)
        except TimeoutError:
            return await self._retry(row, attempts, f"no answer within {DELIVERY_TIMEOUT:.0f} s", None)
        except Exception as exc:  # noqa: BLE001 - anything unexpected is retried, then given up
            logger.exception("outbox %s %s failed (attempt %s)", row.id, row.kind, attempts)
            return await self._retry(row, attempts, type(exc).__name__, None)
        await self._settle(row, attempts, outcome="delivered")
        return True

    async def _retry(self, row: Delivery, attempts: int, error: str, after: float | None) -> bool:
        if attempts >= MAX_ATTEMPTS:
            logger.error("outbox %s %s abandoned after %s attempts: %s", row.id, row.kind, attempts, error)
            await self._settle(row, attempts, outcome="abandoned", error=error)
            return False
        wait = max(after or 0.0, backoff(attempts))
        logger.warning("outbox %s %s: %s; retrying in %.0f s", row.id, row.kind, error, wait)
        async with self._store.transaction() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row.id, OutboxRow.claimed_by == self.name)
                .values(
                    attempts=attempts,
                    next_at=self._now() + timedelta(seconds=wait),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=error[:500],
                )
                .execution_options(synchronize_session=False)
            )
        return False

    async def _settle(self, row: Delivery, attempts: int, *, outcome: str, error: str | None = None) -> None:
        async with self._store.transaction() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row.id)
                .values(
                    attempts=attempts,
                    done_at=self._now(),
                    outcome=outcome,
                    claimed_until=None,
                    last_error=None if error is None else error[:500],
                )
                .execution_options(synchronize_session=False)
            )
