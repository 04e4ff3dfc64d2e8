"""The top-up state machine: request, approve (the payment is sent at most once), deny, expire, reconcile,
and finance closing an unknown outcome.

Every step is a compare-and-set on the stored state (`Ledger.cas`); only the caller whose UPDATE moved
the row goes on, so a second click, a click on another instance, or twenty at once never send a second
payment. Approval is one step, pending -> executing (the decision, committed with its limit checks), and
the payment is sent right after that commit: nothing slow (Slack posts, the audit channel, DMs) runs in
between, because every Slack side effect is queued in the outbox inside the same transaction and
delivered afterwards. Then executing -> succeeded | failed | outcome_unknown. Nothing is ever retried.

What each ending means:
- failed: the payment provably never reached Telnyx, or Telnyx refused it (a 4xx): nothing was charged.
- outcome_unknown: any doubt (a 5xx, a timeout, a dropped connection, an unreadable answer, the bot
  stopped mid-payment). Finance checks the Telnyx portal and closes it with Paid (-> succeeded) or Not
  charged (-> failed), with a note. Until then the amount counts against the daily limit.
- A request left `executing` by a crash is found by `reconcile()` (run at start and every minute on each
  instance; the CAS lets exactly one instance act) once it is older than the payment's deadline plus a
  margin, and becomes outcome_unknown; its card is redrawn and the requester and approvals channel told.

Decisions:
- Who: approve, deny and closing an unknown outcome need approve_topup (finance, admin), checked at the
  moment of the click with group membership looked up live (never from the cache). Four eyes: the
  requester can never approve their own request (they may deny it, i.e. withdraw it), nor close it.
- Limits are checked at request time and again at approval, against the policy in force then: the
  amount is at most `max_topup`, and the top-ups counted in the rolling 24 h before the decision
  (executing, succeeded and outcome_unknown, by `decided_at`) plus this one stay within `daily_topup`.
  At approval, the check and the CAS run in one transaction holding the `topups` lock
  (`bot.store.serialize`), so two approvals of different requests cannot both squeeze under the limit.
  A request refused at approval stays pending (the policy may change; finance may deny it). A requester
  may have at most `max_pending_per_requester` requests waiting at once.
- Expiry: `expires_at = created_at + approval_ttl`; from then on approve and deny turn the request
  `expired` (lazily, by CAS) instead; `expire_due()` sweeps the rest.
- Ids: `secrets.token_urlsafe(12)` (16 characters of [A-Za-z0-9_-], 96 random bits): they travel in button
  values and are the payment's Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from bot.access import AccessControl, Permission, Policy
from bot.approvals.ledger import Ledger, Observer, Tx
from bot.approvals.model import (
    CURRENCY,
    AccessDenied,
    LimitExceeded,
    Outcome,
    Refusal,
    Refused,
    Resolution,
    TooManyPending,
    TopupRequest,
    Transition,
    clean_reason,
    parse_amount,
)
from bot.approvals.model import TopupState as S
from bot.audit_trail import SYSTEM, AuditTrail
from bot.errors import Doubt, PaymentNotCharged, PaymentOutcomeUnknown, TelnyxError
from bot.models import Balance, PaymentResult
from bot.outbox import Outbox
from bot.store import Store, TopupRow, serialize, utcnow

logger = logging.getLogger(__name__)

ReadBalance = Callable[[], Awaitable[Balance]]
LOCK = "topups"
FINISH_BUDGET = 10.0  # seconds to keep trying to store a payment's result while the database is away
# A request executing longer than twice the Telnyx deadline (the payment, then the new balance) plus this
# margin was left by a stopped bot. Should a slow instance still be storing its result, its CAS fails and
# the late answer is kept as evidence: the margin trades only a needless "unknown" for speed, never money.
RECONCILE_MARGIN = timedelta(seconds=5)
STOPPED = "the bot stopped while the payment was being sent."  # the history's note
STOPPED_DATA = PaymentOutcomeUnknown(Doubt.STOPPED).to_data()


class Pay(Protocol):
    """Sends the payment once; `idempotency_key` is the request's id."""

    def __call__(self, amount: Decimal, *, idempotency_key: str) -> Awaitable[PaymentResult]: ...


class Approvals:
    """Top-up requests and their decisions, stored in `store`, checked against `access`.

    Pass the app's `audit` trail and `outbox` so cards, DMs and audit-channel posts follow each change.
    """

    def __init__(
        self,
        store: Store,
        access: AccessControl,
        *,
        now: Callable[[], datetime] = utcnow,
        audit: AuditTrail | None = None,
        outbox: Outbox | None = None,
        payment_deadline: float = 10.0,
        on_payment: Callable[[str], None] | None = None,
    ) -> None:
        self._access = access
        self._now = now
        self._on_payment = on_payment  # hears how each payment this instance sent ended (the metrics)
        self.audit = audit or AuditTrail(store, now=now)
        self._ledger = Ledger(store, self.audit, now, outbox)
        # a request executing longer than this was left by a stopped bot: its outcome is unknown
        self.stale_after = timedelta(seconds=2 * payment_deadline) + RECONCILE_MARGIN

    @property
    def policy(self) -> Policy:
        """The policy in force now (limits and TTL are read at each step)."""
        return self._access.policy

    async def request(
        self,
        requester: str,
        amount: Decimal | str,
        reason: str = "",
        *,
        on_stored: Observer | None = None,
    ) -> TopupRequest:
        """Store a pending request; raise AccessDenied, InvalidAmount, InvalidReason, LimitExceeded or
        TooManyPending. `on_stored(tx, id)` runs in the transaction that stores it (what it writes is
        stored with the request, or not at all)."""
        decision = await self._access.check(requester, Permission.REQUEST_TOPUP)
        if not decision.allowed:
            await self.audit.record_denial(requester, Permission.REQUEST_TOPUP, "topup", decision.note())
            raise AccessDenied(decision)
        value = parse_amount(amount)
        reason = clean_reason(reason, required=False)
        now = self._now()
        request_id = secrets.token_urlsafe(12)
        refused: Refused | None
        async with self._ledger.tx() as tx:
            await serialize(tx.session, LOCK)  # the pending cap and the daily limit span rows
            cap = self.policy.max_pending_per_requester
            if await self._ledger.pending_of(tx.session, requester, now) >= cap:
                refused = Refused(Refusal.TOO_MANY_PENDING, count=cap)
            else:
                refused = await self._ledger.limit_refusal(tx.session, self.policy, value, now)
            if refused:
                after = {"amount": value, "reason": reason}
                record = await self.audit.add(
                    tx.session, requester, "topup.request", "topup", None, after, "refused", refused.note()
                )
                tx.records.append(record)
            else:
                tx.session.add(
                    TopupRow(
                        id=request_id,
                        amount=value,
                        currency=CURRENCY,
                        reason=reason,
                        requester=requester,
                        state=S.PENDING.value,
                        created_at=now,
                        expires_at=now + self.policy.approval_ttl,
                    )
                )
                await tx.session.flush()
                values = {"amount": value, "reason": reason}
                await self._ledger.log(tx, request_id, None, S.PENDING, requester, "topup.request", values)
                if on_stored is not None:
                    await on_stored(tx, request_id)
                await self._ledger.observed(tx, request_id)  # e.g. Home tabs listing requests
        if refused:
            too_many = refused.refusal is Refusal.TOO_MANY_PENDING
            raise TooManyPending(refused) if too_many else LimitExceeded(refused)
        return await self._ledger.require(request_id)

    def observe(self, observer: Observer) -> None:
        """Have `observer(tx, id)` called inside the transaction of every change of a request, and of its
        creation (to queue side effects of its own, e.g. completing a workflow step when it ends)."""
        self._ledger.observers.append(observer)

    async def attach_card(self, request_id: str, channel: str, ts: str) -> None:
        """Remember where the approval card lives, for chat.update."""
        await self._ledger.attach(request_id, channel, ts)

    async def approve(
        self, request_id: str, approver: str, pay: Pay, *, balance: ReadBalance | None = None
    ) -> Outcome:
        """Approve and pay once; `balance` (optional) reads the new balance after a success."""
        current = await self._ledger.require(request_id)
        stopped = await self._refuse(current, approver, S.PENDING, own=Refusal.FOUR_EYES)
        if stopped is not None:
            return stopped
        outcome = await self._start_payment(current, approver)
        if outcome is not None:
            return outcome
        return await self._pay(current, approver, pay, balance)

    async def deny(self, request_id: str, approver: str, reason: str) -> Outcome:
        """Deny with a reason (required); raise InvalidReason without one."""
        current = await self._ledger.require(request_id)
        stopped = await self._refuse(current, approver, S.PENDING, own=None)
        if stopped is not None:
            return stopped
        reason = clean_reason(reason, required=True)
        now = self._now()
        async with self._ledger.tx() as tx:
            if now >= current.expires_at:
                await self._expire(tx, request_id)
                moved = False
            else:
                values: dict[str, Any] = {"decided_by": approver, "decided_at": now, "deny_reason": reason}
                moved = await self._ledger.cas(
                    tx, request_id, S.PENDING, S.DENIED, approver, "topup.deny", reason, **values
                )
                if moved:
                    await self._ledger.effects(tx, request_id, dm=True)
        after = await self._ledger.require(request_id)
        return Outcome(after, moved)

    async def resolve(self, request_id: str, user: str, resolution: Resolution, note: str) -> Outcome:
        """Finance closes an unknown outcome: Paid (-> succeeded) or Not charged (-> failed), with a note."""
        current = await self._ledger.require(request_id)
        stopped = await self._refuse(current, user, S.OUTCOME_UNKNOWN, own=Refusal.FOUR_EYES_CLOSE)
        if stopped is not None:
            return stopped
        note = clean_reason(note, required=True)
        state = S.SUCCEEDED if resolution is Resolution.PAID else S.FAILED
        values: dict[str, Any] = {
            "resolution": resolution.value,
            "resolved_by": user,
            "resolved_at": self._now(),
            "resolution_note": note,
        }
        async with self._ledger.tx() as tx:
            moved = await self._ledger.cas(
                tx,
                request_id,
                S.OUTCOME_UNKNOWN,
                state,
                user,
                f"topup.resolve.{resolution.value}",
                note,
                **values,
            )
            if moved:
                await self._ledger.effects(tx, request_id, dm=True)
        after = await self._ledger.require(request_id)
        return Outcome(after, moved)

    async def get(self, request_id: str) -> TopupRequest | None:
        """The request, or None when no request has this id."""
        return await self._ledger.get(request_id)

    async def listing(
        self,
        *,
        requester: str | None = None,
        states: Sequence[S] | None = None,
        limit: int = 10,
        newest_first: bool = True,
    ) -> tuple[list[TopupRequest], int]:
        """Up to `limit` requests (of `requester`, in `states`), and how many match in all."""
        return await self._ledger.listing(
            requester=requester, states=states, limit=limit, newest_first=newest_first
        )

    async def history(self, request_id: str) -> list[Transition]:
        """Every transition of the request, oldest first: from, to, who, when."""
        return await self._ledger.history(request_id)

    async def expire_due(self) -> list[TopupRequest]:
        """Turn every pending request past its expiry into expired (cards and DMs follow via the outbox)."""
        async with self._ledger.tx() as tx:
            expired = [
                rid for rid in await self._ledger.due(tx.session, self._now()) if await self._expire(tx, rid)
            ]
        return [await self._ledger.require(request_id) for request_id in expired]

    async def reconcile(self) -> tuple[list[TopupRequest], datetime | None]:
        """Requests left executing past their deadline become outcome_unknown (one instance acts on each).

        Returns those it moved, and when the next request still executing would be due (to check again).
        """
        now = self._now()
        async with self._ledger.tx() as tx:
            flying = await self._ledger.in_flight(tx.session)
        stale = [rid for rid, at in flying if at is None or at + self.stale_after <= now]
        waiting = [at + self.stale_after for rid, at in flying if at is not None and rid not in stale]
        moved: list[str] = []
        for request_id in stale:
            async with self._ledger.tx() as tx:
                state = await self._ledger.state(tx.session, request_id)
                if state not in (S.EXECUTING, S.APPROVED):
                    continue  # finished, or another instance got there first
                values = {"failure": STOPPED_DATA}
                if await self._ledger.cas(
                    tx,
                    request_id,
                    state,
                    S.OUTCOME_UNKNOWN,
                    SYSTEM,
                    "topup.outcome_unknown",
                    STOPPED,
                    result=S.OUTCOME_UNKNOWN.value,
                    **values,
                ):
                    await self._ledger.effects(tx, request_id, dm=True, notice=True)
                    moved.append(request_id)  # read after the commit: a read opens its own transaction
        for request_id in moved:
            logger.error(
                "top-up %s was left executing: marked outcome unknown for finance to check", request_id
            )
        return [await self._ledger.require(rid) for rid in moved], min(waiting, default=None)

    async def daily_used(self) -> Decimal:
        """The amount counted against the daily limit in the last 24 h."""
        async with self._ledger.tx() as tx:
            return await self._ledger.used(tx.session, self._now())

    async def _refuse(
        self, current: TopupRequest, user: str, expected: S, *, own: Refusal | None
    ) -> Outcome | None:
        """An Outcome when the user may not decide this request now (denials are recorded), else None.

        `expected` is the state the decision applies to; `own` is the refusal when the user is the
        requester (four eyes), None when they may (withdrawing their own request is a deny).
        """
        target = f"topup {current.id}"
        decision = await self._access.check(user, Permission.APPROVE_TOPUP, fresh=True)
        if not decision.allowed:
            await self.audit.record_denial(user, Permission.APPROVE_TOPUP, target, decision.note())
            return Outcome(current, False, Refused(Refusal.NOT_ALLOWED, decision=decision))
        if current.state is not expected:
            return Outcome(current, False)  # already decided (or expired): what happened is the answer
        if own is not None and user == current.requester:
            await self.audit.record_denial(user, Permission.APPROVE_TOPUP, target, "four eyes: own request")
            return Outcome(current, False, Refused(own))
        return None

    async def _start_payment(self, current: TopupRequest, approver: str) -> Outcome | None:
        """pending -> executing after the expiry and limit checks, in one transaction; an Outcome when that
        did not happen (then no payment may be sent)."""
        now = self._now()
        refused: Refused | None = None
        started = False
        async with self._ledger.tx() as tx:
            await serialize(tx.session, LOCK)  # the daily limit spans rows: one approval decides at a time
            if await self._ledger.state(tx.session, current.id) is not S.PENDING:
                pass  # decided by someone else since we read it: answered below
            elif now >= current.expires_at:
                await self._expire(tx, current.id)
            else:
                refused = await self._ledger.limit_refusal(tx.session, self.policy, current.amount, now)
                if refused:
                    unchanged, detail = {"state": S.PENDING}, refused.note()
                    await self._ledger.note(
                        tx, approver, "topup.approve", current.id, unchanged, unchanged, "refused", detail
                    )
                else:
                    values: dict[str, Any] = {"decided_by": approver, "decided_at": now}
                    started = await self._ledger.cas(
                        tx, current.id, S.PENDING, S.EXECUTING, approver, "topup.approve", **values
                    )
                    if started:
                        await self._ledger.effects(tx, current.id)  # the card says "being sent"
        if started:
            return None
        return Outcome(await self._ledger.require(current.id), False, refused)

    async def _pay(
        self, current: TopupRequest, approver: str, pay: Pay, balance: ReadBalance | None
    ) -> Outcome:
        """Send the payment once and store what came of it; never retries."""
        values: dict[str, Any]
        try:
            result = await pay(current.amount, idempotency_key=current.id)
        except PaymentNotCharged as exc:  # proof: never sent, or refused outright
            state, values = S.FAILED, {"failure": exc.to_data()}
        except asyncio.CancelledError:
            # stopped mid-payment: it may have gone out, so record that before giving up
            stopped = {"failure": STOPPED_DATA}
            self._paid(S.OUTCOME_UNKNOWN)
            await asyncio.shield(self._finish(current.id, approver, S.OUTCOME_UNKNOWN, stopped))
            raise
        except TelnyxError as exc:  # PaymentOutcomeUnknown, or anything else: no proof, so doubt
            state, values = S.OUTCOME_UNKNOWN, {"failure": _doubtful(exc).to_data()}
        except Exception as exc:
            logger.exception("top-up %s: unexpected error while sending the payment", current.id)
            crashed = PaymentOutcomeUnknown(Doubt.CRASHED, error_type=type(exc).__name__)
            state, values = S.OUTCOME_UNKNOWN, {"failure": crashed.to_data()}
        else:
            state = S.SUCCEEDED
            values = {
                "transaction_id": result.id,
                "processor_status": result.processor_status,
                "new_balance": await self._read_balance(current.id, balance),
            }
        self._paid(state)
        return Outcome(await self._finish(current.id, approver, state, values), True)

    def _paid(self, state: S) -> None:
        if self._on_payment is not None:
            self._on_payment(state.value)

    async def _finish(self, request_id: str, actor: str, state: S, values: dict[str, Any]) -> TopupRequest:
        """executing -> the payment's result, stored even through a short database outage."""
        result = "ok" if state is S.SUCCEEDED else state.value
        deadline, pause = time.monotonic() + FINISH_BUDGET, 0.1
        while True:
            try:
                async with self._ledger.tx() as tx:
                    moved = await self._ledger.cas(
                        tx,
                        request_id,
                        S.EXECUTING,
                        state,
                        actor,
                        f"topup.{state.value}",
                        result=result,
                        **values,
                    )
                    if moved:
                        await self._ledger.effects(tx, request_id, dm=True)
                    elif state is S.SUCCEEDED:
                        await self._late_answer(tx, request_id, values)
                if not moved:
                    logger.error("top-up %s was no longer executing when its payment finished", request_id)
                return await self._ledger.require(request_id)
            except (SQLAlchemyError, OSError) as exc:
                if time.monotonic() + pause > deadline:
                    logger.error(
                        "top-up %s: the payment ended %s but the database is unavailable (%s); the "
                        "reconciler will mark it outcome unknown",
                        request_id,
                        state.value,
                        type(exc).__name__,
                    )
                    # what the clicker is told; the stored row stays executing for the reconciler
                    current = await self._stored_or_none(request_id)
                    base = current or TopupRequest.unknown(request_id)
                    return replace(base, state=state, **values)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _stored_or_none(self, request_id: str) -> TopupRequest | None:
        try:
            return await self._ledger.get(request_id)
        except (SQLAlchemyError, OSError):
            return None

    async def _late_answer(self, tx: Tx, request_id: str, values: dict[str, Any]) -> None:
        """Telnyx answered "paid" after the reconciler gave up on the request: keep that as evidence."""
        moved = await tx.session.execute(
            update(TopupRow)
            .where(TopupRow.id == request_id, TopupRow.state == S.OUTCOME_UNKNOWN.value)
            .values(transaction_id=values["transaction_id"], processor_status=values["processor_status"])
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            detail = f"Telnyx answered late: paid, transaction {values['transaction_id']}"
            await self._ledger.note(tx, SYSTEM, "topup.late_answer", request_id, None, values, "ok", detail)
            await self._ledger.effects(tx, request_id)

    async def _read_balance(self, request_id: str, balance: ReadBalance | None) -> Decimal | None:
        if balance is None:
            return None
        try:
            return (await balance()).balance
        except TelnyxError as exc:
            # the payment went through; a missing balance only leaves the card without it
            logger.warning("top-up %s paid, but the new balance could not be read: %s", request_id, exc)
            return None
        except Exception:
            # anything else must not leave a paid request stuck in `executing` without its result
            logger.exception("top-up %s paid, but reading the new balance failed unexpectedly", request_id)
            return None

    async def _expire(self, tx: Tx, request_id: str) -> bool:
        moved = await self._ledger.cas(
            tx, request_id, S.PENDING, S.EXPIRED, SYSTEM, "topup.expire", "approval window passed"
        )
        if moved:
            await self._ledger.effects(tx, request_id, dm=True)
        return moved


def _doubtful(exc: TelnyxError) -> PaymentOutcomeUnknown:
    """The payment's doubt: the gateway's own; for any other Telnyx error mid-send, the status Telnyx
    answered, or an unexpected error (nothing says whether the payment left)."""
    if isinstance(exc, PaymentOutcomeUnknown):
        return exc
    if exc.status is not None:
        return PaymentOutcomeUnknown(Doubt.HTTP_STATUS, status=exc.status)
    return PaymentOutcomeUnknown(Doubt.UNEXPECTED)
