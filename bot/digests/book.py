"""Digest subscriptions in the database, and posting a period once.

A period is posted once per subscription, however many instances tick: the scheduler claims the job for
its tick (`scheduler_claims`), so one instance reads the digest, and then a compare-and-set moves the
subscription's `last_period_at` forward and queues the post (outbox, kind DIGEST_POST) in the same
transaction. Only a period later than the last one posted can win, so an instance that read a digest for
an older period, or for the same one a moment later, posts nothing. Slack's failures are the outbox's:
retried with backoff, the same digest each time.

Only the latest period due is ever posted: after a stop of three days, one digest (marked late), not
three. Subscriptions, additions and removals are in the audit trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.digests.schedule import Cadence, Period, Schedule, latest_period
from bot.store import DigestSubscriptionRow, Store

if TYPE_CHECKING:
    from bot.audit_trail import AuditRecord, AuditTrail
    from bot.digests.content import Digest
    from bot.outbox import Outbox

DIGEST_POST = "digest.post"  # the outbox kind: payload {"subscription": id, "channel": id, "digest": {...}}
MAX_SUBSCRIPTIONS = 50  # a list of them fits one message


@dataclass(frozen=True)
class Subscription:
    """A digest posted on a schedule in a channel."""

    id: str
    schedule: Schedule
    channel: str
    created_by: str
    created_at: datetime
    last_period_at: datetime | None  # when the last period posted was due
    last_posted_at: datetime | None


@dataclass(frozen=True)
class Due:
    """A subscription whose latest period has not been posted yet."""

    subscription: Subscription
    period: Period


def subscription_of(row: DigestSubscriptionRow) -> Subscription:
    hours, minutes = row.at.split(":")
    schedule = Schedule(Cadence(row.cadence), time(int(hours), int(minutes)), row.zone, row.weekday)
    return Subscription(
        id=row.id,
        schedule=schedule,
        channel=row.channel,
        created_by=row.created_by,
        created_at=row.created_at,
        last_period_at=row.last_period_at,
        last_posted_at=row.last_posted_at,
    )


def _json(sub: Subscription) -> dict[str, Any]:
    schedule = sub.schedule
    return {
        "cadence": schedule.cadence.value,
        "weekday": schedule.weekday,
        "at": schedule.at.strftime("%H:%M"),
        "zone": schedule.zone,
        "channel": sub.channel,
    }


class DigestBook:
    """Subscriptions in the store; posting queues the digest in the outbox in the same transaction."""

    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        audit: AuditTrail,
        *,
        changed: Callable[[AsyncSession], Awaitable[object]] | None = None,
    ) -> None:
        self._store, self._outbox, self._audit = store, outbox, audit
        self._changed = changed  # told inside the transaction of an add or a removal (Home republishes)

    async def _tell(self, session: AsyncSession) -> None:
        if self._changed is not None:
            await self._changed(session)

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription, oldest first (the list command, App Home)."""
        async with self._store.transaction() as session:
            rows = await session.scalars(
                select(DigestSubscriptionRow).order_by(
                    DigestSubscriptionRow.created_at, DigestSubscriptionRow.id
                )
            )
            return [subscription_of(row) for row in rows]

    async def subscription(self, subscription_id: str) -> Subscription | None:
        async with self._store.transaction() as session:
            row = await session.get(DigestSubscriptionRow, subscription_id)
            return None if row is None else subscription_of(row)

    async def add(self, schedule: Schedule, channel: str, actor: str, now: datetime) -> Subscription:
        """Store a subscription; its first digest is the first period due after `now`."""
        async with self._store.transaction() as session:
            row = DigestSubscriptionRow(
                id=secrets.token_hex(4),
                cadence=schedule.cadence.value,
                weekday=schedule.weekday,
                at=schedule.at.strftime("%H:%M"),
                zone=schedule.zone,
                channel=channel,
                created_by=actor,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            sub = subscription_of(row)
            record = await self._audit.add(session, actor, "digests.add", sub.id, None, _json(sub), "ok")
            await self._tell(session)
        await self._published([record])
        return sub

    async def remove(self, subscription_ids: list[str], actor: str) -> list[Subscription]:
        """Delete these subscriptions; returns the ones that were there."""
        removed: list[Subscription] = []
        records: list[AuditRecord] = []
        async with self._store.transaction() as session:
            for subscription_id in subscription_ids:
                row = await session.get(DigestSubscriptionRow, subscription_id)
                if row is None:
                    continue
                sub = subscription_of(row)
                await session.execute(
                    delete(DigestSubscriptionRow).where(DigestSubscriptionRow.id == subscription_id)
                )
                removed.append(sub)
                records.append(
                    await self._audit.add(session, actor, "digests.remove", sub.id, _json(sub), None, "ok")
                )
            if removed:
                await self._tell(session)
        await self._published(records)
        return removed

    async def due(self, now: datetime) -> list[Due]:
        """Subscriptions whose latest period (due by `now`, not before they were made) is not posted yet."""
        found = []
        for sub in await self.subscriptions():
            period = latest_period(sub.schedule, now, not_before=sub.created_at)
            if period is not None and (sub.last_period_at is None or sub.last_period_at < period.due):
                found.append(Due(sub, period))
        return found

    async def post(self, due: Due, digest: Digest, now: datetime) -> bool:
        """Mark the period posted and queue its message, once: False when it (or a later one) already was,
        or the subscription is gone."""
        sub = due.subscription
        async with self._store.transaction() as session:
            moved = await session.execute(
                update(DigestSubscriptionRow)
                .where(
                    DigestSubscriptionRow.id == sub.id,
                    or_(
                        DigestSubscriptionRow.last_period_at.is_(None),
                        DigestSubscriptionRow.last_period_at < due.period.due,
                    ),
                )
                .values(last_period_at=due.period.due, last_posted_at=now)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return False
            payload = {"subscription": sub.id, "channel": sub.channel, "digest": digest.payload()}
            await self._outbox.add(session, f"digest:{sub.id}", DIGEST_POST, payload)
        self._outbox.wake()
        return True

    async def _published(self, records: list[AuditRecord]) -> None:
        await self._audit.publish(records)
        self._outbox.wake()  # the Home publishes queued with the change
