"""The stored side of the top-up flow: reads, and compare-and-set moves with their history and audit.

A move is one atomic statement, `UPDATE topup_requests SET state=:new ... WHERE id=:id AND
state=:expected`; it happened only if it changed exactly one row. Each move writes its history row and
its audit record in the same transaction, and the audit records are published after the commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Policy
from bot.approvals.model import (
    COUNTED,
    Refusal,
    Refused,
    TopupRequest,
    TopupState,
    Transition,
    UnknownRequest,
)
from bot.audit_trail import AuditRecord, AuditTrail
from bot.outbox import Outbox
from bot.store import Store, TopupRow, TransitionRow

WINDOW = timedelta(hours=24)  # the daily limit's rolling window

# Outbox kinds of a request's side effects (delivered in this order per request by handlers/deliveries.py)
CARD = "topup.card"  # redraw the approval card from the request as stored at delivery
DM = "topup.dm"  # tell the requester: payload {"request": the request as it was at the change}
NOTICE = "topup.notice"  # tell the approvals channel (in the card's thread): payload {"request": ...}


@dataclass
class Tx:
    """One open transaction and the audit records to publish once it commits."""

    session: AsyncSession
    records: list[AuditRecord] = field(default_factory=list)
    effects: int = 0  # outbox rows queued


# Called inside the transaction of every change of a request (and of its creation), where its side effects
# are queued (`Approvals.observe`): (tx, request id). What it queues in the outbox it counts in `tx.effects`.
Observer = Callable[[Tx, str], Awaitable[None]]


class Ledger:
    """Top-up rows, their transitions and audit records, in `store`."""

    def __init__(
        self, store: Store, audit: AuditTrail, now: Callable[[], datetime], outbox: Outbox | None = None
    ) -> None:
        self._store = store
        self.audit = audit
        self._now = now
        self.outbox = outbox
        self.observers: list[Observer] = []

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """A transaction whose side effects start being delivered once it has committed."""
        async with self._store.transaction() as session:
            tx = Tx(session)
            yield tx
        await self.audit.publish(tx.records)
        if tx.effects and self.outbox is not None:
            self.outbox.wake()

    async def observed(self, tx: Tx, request_id: str) -> None:
        """Let the observers queue their side effects of a change (or the creation) of the request."""
        for observer in self.observers:
            await observer(tx, request_id)

    async def effects(self, tx: Tx, request_id: str, *, dm: bool = False, notice: bool = False) -> None:
        """Queue the card redraw (and the requester's DM, the approvals channel's notice) in `tx`; the
        observers queue theirs too."""
        await self.observed(tx, request_id)
        if self.outbox is None:
            return
        key = f"topup:{request_id}"
        await self.outbox.add(tx.session, key, CARD, {"id": request_id})
        tx.effects += 1
        if dm or notice:
            row = await tx.session.scalar(
                select(TopupRow).where(TopupRow.id == request_id).execution_options(populate_existing=True)
            )
            snapshot = {"request": TopupRequest.from_row(row).to_payload()} if row is not None else {}
            if dm:
                await self.outbox.add(tx.session, key, DM, snapshot)
            if notice:
                await self.outbox.add(tx.session, key, NOTICE, snapshot)
            tx.effects += 2

    async def cas(
        self,
        tx: Tx,
        request_id: str,
        expected: TopupState,
        new: TopupState,
        actor: str,
        action: str,
        note: str = "",
        *,
        result: str = "ok",
        **values: Any,
    ) -> bool:
        """Move expected -> new (setting `values`) in one UPDATE; True only if this call moved it."""
        moved = await tx.session.execute(
            update(TopupRow)
            .where(TopupRow.id == request_id, TopupRow.state == expected.value)
            .values(state=new.value, **values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self.log(tx, request_id, expected, new, actor, action, values, note, result)
        return True

    async def log(
        self,
        tx: Tx,
        request_id: str,
        before: TopupState | None,
        after: TopupState,
        actor: str,
        action: str,
        values: dict[str, Any],
        note: str = "",
        result: str = "ok",
    ) -> None:
        """Add the history row and the audit record of one transition."""
        tx.session.add(
            TransitionRow(
                request_id=request_id,
                from_state=before.value if before else None,
                to_state=after.value,
                actor=actor,
                at=self._now(),
                note=note,
            )
        )
        old = None if before is None else {"state": before}
        await self.note(tx, actor, action, request_id, old, {"state": after, **values}, result, note)

    async def note(
        self,
        tx: Tx,
        actor: str,
        action: str,
        request_id: str,
        before: Any,
        after: Any,
        result: str,
        detail: str,
    ) -> None:
        """Add an audit record about a request inside the transaction."""
        record = await self.audit.add(
            tx.session, actor, action, f"topup {request_id}", before, after, result, detail
        )
        tx.records.append(record)

    async def used(self, session: AsyncSession, now: datetime) -> Decimal:
        """The amount counted against the daily limit in the 24 h before `now`."""
        total = await session.scalar(
            select(func.sum(TopupRow.amount)).where(
                TopupRow.state.in_([s.value for s in COUNTED]), TopupRow.decided_at > now - WINDOW
            )
        )
        return total if total is not None else Decimal("0.00")

    async def limit_refusal(
        self, session: AsyncSession, policy: Policy, amount: Decimal, now: datetime
    ) -> Refused | None:
        """Which limit of `policy` `amount` breaks at `now` (per top-up, or rolling daily), or None."""
        if amount > policy.max_topup:
            return Refused(Refusal.OVER_MAX, amount=amount, limit=policy.max_topup)
        used = await self.used(session, now)
        if used + amount > policy.daily_topup:
            return Refused(Refusal.DAILY_LIMIT, amount=amount, limit=policy.daily_topup, used=used)
        return None

    async def pending_of(self, session: AsyncSession, requester: str, now: datetime) -> int:
        """How many of `requester`'s requests are still waiting for a decision."""
        count = await session.scalar(
            select(func.count(TopupRow.id)).where(
                TopupRow.requester == requester,
                TopupRow.state == TopupState.PENDING.value,
                TopupRow.expires_at > now,
            )
        )
        return int(count or 0)

    async def in_flight(self, session: AsyncSession) -> list[tuple[str, datetime | None]]:
        """(id, decided_at) of every request whose payment is (or was, before a crash) being sent."""
        rows = await session.execute(
            select(TopupRow.id, TopupRow.decided_at).where(
                TopupRow.state.in_([TopupState.EXECUTING.value, TopupState.APPROVED.value])
            )
        )
        return [(rid, at) for rid, at in rows.all()]

    async def state(self, session: AsyncSession, request_id: str) -> TopupState | None:
        """The stored state, read inside the caller's transaction."""
        value = await session.scalar(select(TopupRow.state).where(TopupRow.id == request_id))
        return None if value is None else TopupState(value)

    async def attach(self, request_id: str, channel: str, ts: str) -> None:
        """Store where the request's card lives.

        A decision can land between posting the card and this write (a click within milliseconds, or an
        instance stalled in between): its redraw found no card to update. The card is then redrawn now.
        """
        async with self.tx() as tx:
            result = await tx.session.execute(
                update(TopupRow)
                .where(TopupRow.id == request_id)
                .values(channel=channel, message_ts=ts)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise UnknownRequest(Refused(Refusal.UNKNOWN_REQUEST, subject=request_id))
            state = await tx.session.scalar(select(TopupRow.state).where(TopupRow.id == request_id))
            if state != TopupState.PENDING.value:
                await self.effects(tx, request_id)

    async def get(self, request_id: str) -> TopupRequest | None:
        """The request, or None."""
        async with self._store.transaction() as session:
            row = await session.get(TopupRow, request_id)
            return None if row is None else TopupRequest.from_row(row)

    async def require(self, request_id: str) -> TopupRequest:
        """The request; UnknownRequest if there is none."""
        request = await self.get(request_id)
        if request is None:
            raise UnknownRequest(Refused(Refusal.UNKNOWN_REQUEST, subject=request_id))
        return request

    async def history(self, request_id: str) -> list[Transition]:
        """The request's transitions, oldest first."""
        async with self._store.transaction() as session:
            rows = await session.execute(
                select(TransitionRow).where(TransitionRow.request_id == request_id).order_by(TransitionRow.id)
            )
            return [Transition.from_row(row) for row in rows.scalars()]

    async def listing(
        self, *, requester: str | None, states: Sequence[TopupState] | None, limit: int, newest_first: bool
    ) -> tuple[list[TopupRequest], int]:
        """Up to `limit` requests of `requester` and/or in `states`, and how many there are in all."""
        where = []
        if requester is not None:
            where.append(TopupRow.requester == requester)
        if states is not None:
            where.append(TopupRow.state.in_([s.value for s in states]))
        order = TopupRow.created_at.desc() if newest_first else TopupRow.created_at
        async with self._store.transaction() as session:
            total = await session.scalar(select(func.count(TopupRow.id)).where(*where))
            rows = await session.scalars(
                select(TopupRow).where(*where).order_by(order, TopupRow.id).limit(limit)
            )
            return [TopupRequest.from_row(row) for row in rows], int(total or 0)

    async def due(self, session: AsyncSession, now: datetime) -> list[str]:
        """Ids of pending requests whose approval window has passed."""
        rows = await session.execute(
            select(TopupRow.id).where(TopupRow.state == TopupState.PENDING.value, TopupRow.expires_at <= now)
        )
        return list(rows.scalars())
