"""The bot's own audit trail: every change, decision and denial it handled.

Each record says who (a Slack user id, or "system"), what (`action`, e.g. "topup.approve",
"denied: approve_topup", "autorecharge.change"), on what (`target`), the state before and after (any
JSON-able value: Decimal and datetime are written as strings), the result ("ok", "denied", "failed", ...)
and a free-text detail. Records are written in the same transaction as the change they describe (`add`),
so a change never lands without its record. Subscribers (the lead's poster to the audit channel) are
called after the commit, in order; a failing subscriber is logged and never undoes or blocks the change.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import AuditRow, Store, utcnow

logger = logging.getLogger(__name__)

SYSTEM = "system"  # the actor of changes the bot makes on its own (expiry)


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as stored (before/after decoded back from JSON)."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: Any
    after: Any
    result: str
    detail: str = ""


Subscriber = Callable[[AuditRecord], Awaitable[None]]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=_json_default, sort_keys=True)


def _record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        result=row.result,
        detail=row.detail,
    )


class AuditTrail:
    """Writes and reads audit records; tells subscribers about each new one after it is committed."""

    def __init__(self, store: Store, *, now: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._now = now
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber(record)` after every committed record (e.g. to post it to the audit channel)."""
        self._subscribers.append(subscriber)

    async def add(
        self,
        session: AsyncSession,
        actor: str,
        action: str,
        target: str,
        before: Any,
        after: Any,
        result: str,
        detail: str = "",
    ) -> AuditRecord:
        """Write a record inside the caller's transaction; `publish` it after the commit."""
        row = AuditRow(
            at=self._now(),
            actor=actor,
            action=action,
            target=target,
            before=_dump(before),
            after=_dump(after),
            result=result,
            detail=detail,
        )
        session.add(row)
        await session.flush()  # assigns the id
        return _record(row)

    async def publish(self, records: Iterable[AuditRecord]) -> None:
        """Hand committed records to the subscribers; their failures are logged, not raised."""
        for record in records:
            for subscriber in self._subscribers:
                try:
                    await subscriber(record)
                except Exception:
                    logger.exception("audit subscriber failed for record %s (%s)", record.id, record.action)

    async def record(
        self,
        actor: str,
        action: str,
        target: str,
        before: Any = None,
        after: Any = None,
        result: str = "ok",
        detail: str = "",
    ) -> AuditRecord:
        """Write one record in its own transaction and publish it."""
        async with self._store.transaction() as session:
            record = await self.add(session, actor, action, target, before, after, result, detail)
        await self.publish([record])
        return record

    async def record_denial(
        self, actor: str, permission: str, target: str = "", detail: str = ""
    ) -> AuditRecord:
        """Record that `actor` was refused `permission` (action "denied: <permission>")."""
        return await self.record(actor, f"denied: {permission}", target, result="denied", detail=detail)

    async def recent(self, limit: int = 50) -> list[AuditRecord]:
        """The newest records first."""
        async with self._store.transaction() as session:
            rows = (
                await session.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            ).scalars()
            return [_record(row) for row in rows]
