"""The bot's own audit trail: every change, decision and denial it handled.

Each record says who (a Slack user id, or "system"), what (`action`, e.g. "topup.approve",
"denied: approve_topup", "autorecharge.change"), on what (`target`), the state before and after (any
JSON-able value: Decimal and datetime are written as strings), the result ("ok", "denied", "failed", ...)
and a free-text detail. Records are written in the same transaction as the change they describe (`add`),
so a change never lands without its record. With an audit channel configured, each record also queues its
post in the outbox in that same transaction (a refusal only once an hour per person and kind): the post is delivered after the commit by the outbox worker,
in order, and neither blocks nor undoes the change (and is not lost if the process dies).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import Outbox
from bot.store import AuditRow, Store, utcnow

logger = logging.getLogger(__name__)

SYSTEM = "system"  # the actor of changes the bot makes on its own (expiry)
AUDIT_KEY = "audit-channel"  # the outbox key of audit-channel posts: one ordered stream
AUDIT_POST = "audit.post"  # the outbox kind: payload {"id": record id, "channel": channel id}
DENIED = "denied"  # the result of a refusal
DENIED_ACTION = "denied: "  # a refusal's action: this, then the permission refused
DENIALS_POSTED_EVERY = timedelta(hours=1)  # one post per person and refusal kind in this window


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

    @property
    def refused(self) -> str | None:
        """The permission a refusal record refused, else None."""
        if self.result != DENIED or not self.action.startswith(DENIED_ACTION):
            return None
        return self.action.removeprefix(DENIED_ACTION)


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


def record_of(row: AuditRow) -> AuditRecord:
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
    """Writes and reads audit records; queues each one's audit-channel post when a channel is set."""

    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], datetime] = utcnow,
        outbox: Outbox | None = None,
        channel: str | None = None,
        on_denial: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._now = now
        self.outbox = outbox
        self.channel = channel
        self._on_denial = on_denial  # hears the permission of every refusal recorded (the metrics)

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
        """Write a record (and queue its channel post) inside the caller's transaction; `publish` after the commit."""
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
        if self.outbox is not None and self.channel and not await self._repeated_denial(session, row):
            await self.outbox.add(session, AUDIT_KEY, AUDIT_POST, {"id": row.id, "channel": self.channel})
        return record_of(row)

    async def _repeated_denial(self, session: AsyncSession, row: AuditRow) -> bool:
        """A refusal like one already posted within DENIALS_POSTED_EVERY: recorded, not posted again.

        A curious person clicking a button they may not use must not flood the audit channel; the first
        refusal is posted (saying so), the rest are in `/telnyx trail`.
        """
        if row.result != DENIED:
            return False
        earlier = await session.scalar(
            select(AuditRow.id)
            .where(
                AuditRow.actor == row.actor,
                AuditRow.action == row.action,
                AuditRow.result == DENIED,
                AuditRow.at >= row.at - DENIALS_POSTED_EVERY,
                AuditRow.id != row.id,
            )
            .limit(1)
        )
        return earlier is not None

    async def publish(self, records: Iterable[AuditRecord]) -> None:
        """After the commit: start delivering the records' channel posts (never waits for Slack)."""
        if self.outbox is not None and any(True for _ in records):
            self.outbox.wake()

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
        record = await self.record(actor, DENIED_ACTION + permission, target, result=DENIED, detail=detail)
        if self._on_denial is not None:
            self._on_denial(str(permission))
        return record

    async def get(self, record_id: int) -> AuditRecord | None:
        """One record by id, or None."""
        async with self._store.transaction() as session:
            row = await session.get(AuditRow, record_id)
            return None if row is None else record_of(row)

    async def recent(self, limit: int = 50) -> list[AuditRecord]:
        """The newest records first."""
        async with self._store.transaction() as session:
            rows = (
                await session.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            ).scalars()
            return [record_of(row) for row in rows]
