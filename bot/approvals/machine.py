"""The top-up state machine: request, approve (the payment is sent at most once), deny, expire.

Every step is a compare-and-set on the stored state (`Ledger.cas`); only the caller whose UPDATE moved
the row goes on, so a second click, a click on another instance, or twenty at once never send a second
payment. Approval is pending -> approved (the decision, committed), then approved -> executing
(committed just before `pay` is called, exactly once), then executing -> succeeded | failed |
outcome_unknown. Nothing is ever retried: failed needs a new request; outcome_unknown (sent, but no
answer came back, or anything unexpected happened while sending) is for a person to check in the Telnyx
portal. A request a crash leaves in `executing` is in the same position as outcome_unknown; one left in
`approved` never had its payment sent.

Decisions:
- Who: approve and deny need approve_topup (finance, admin), checked at the moment of the click. Four
  eyes: the requester can never approve their own request (they may deny it, i.e. withdraw it).
- Limits are checked at request time and again at approval, against the policy in force then: the
  amount is at most `max_topup`, and the top-ups counted in the rolling 24 h before the decision
  (approved, executing, succeeded and outcome_unknown, by `decided_at`) plus this one stay within
  `daily_topup`. At approval, the check and the CAS run in one transaction holding the `topups` lock
  (`bot.store.serialize`), so two approvals of different requests cannot both squeeze under the limit.
  A request refused at approval stays pending (the policy may change; finance may deny it).
- Expiry: `expires_at = created_at + approval_ttl`; from then on approve and deny turn the request
  `expired` (lazily, by CAS) instead; `expire_due()` is an optional sweeper for the cards.
- Ids: `secrets.token_urlsafe(12)` (16 characters, 96 random bits): they travel in button values.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.access import AccessControl, Permission, Policy
from bot.approvals.ledger import Ledger, Tx
from bot.approvals.model import (
    CURRENCY,
    AccessDenied,
    LimitExceeded,
    Outcome,
    TopupRequest,
    Transition,
    clean_reason,
    parse_amount,
    status_text,
    usd,
)
from bot.approvals.model import TopupState as S
from bot.audit_trail import SYSTEM, AuditTrail
from bot.errors import PaymentOutcomeUnknown, TelnyxError
from bot.models import Balance, PaymentResult
from bot.store import Store, TopupRow, serialize, utcnow

logger = logging.getLogger(__name__)

Pay = Callable[[Decimal], Awaitable[PaymentResult]]
ReadBalance = Callable[[], Awaitable[Balance]]
LOCK = "topups"


class Approvals:
    """Top-up requests and their decisions, stored in `store`, checked against `access`.

    Pass the app's `audit` trail so its subscribers (the audit channel) see these records too.
    """

    def __init__(
        self,
        store: Store,
        access: AccessControl,
        *,
        now: Callable[[], datetime] = utcnow,
        audit: AuditTrail | None = None,
    ) -> None:
        self._access = access
        self._now = now
        self.audit = audit or AuditTrail(store, now=now)
        self._ledger = Ledger(store, self.audit, now)

    @property
    def policy(self) -> Policy:
        """The policy in force now (limits and TTL are read at each step)."""
        return self._access.policy

    async def request(self, requester: str, amount: Decimal | str, reason: str = "") -> TopupRequest:
        """Store a pending request; raise AccessDenied, InvalidAmount, InvalidReason or LimitExceeded."""
        decision = await self._access.check(requester, Permission.REQUEST_TOPUP)
        if not decision.allowed:
            await self.audit.record_denial(requester, Permission.REQUEST_TOPUP, "topup", decision.rule)
            raise AccessDenied(decision)
        value = parse_amount(amount)
        reason = clean_reason(reason, required=False)
        now = self._now()
        request_id = secrets.token_urlsafe(12)
        async with self._ledger.tx() as tx:
            refused = await self._ledger.limit_problem(tx.session, self.policy, value, now)
            if refused:
                after = {"amount": value, "reason": reason}
                record = await self.audit.add(
                    tx.session, requester, "topup.request", "topup", None, after, "refused", refused
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
        if refused:
            raise LimitExceeded(refused)
        return await self._ledger.require(request_id)

    async def attach_card(self, request_id: str, channel: str, ts: str) -> None:
        """Remember where the approval card lives, for chat.update."""
        await self._ledger.attach(request_id, channel, ts)

    async def approve(
        self, request_id: str, approver: str, pay: Pay, *, balance: ReadBalance | None = None
    ) -> Outcome:
        """Approve and pay once; `balance` (optional) reads the new balance after a success."""
        current = await self._ledger.require(request_id)
        refusal = await self._refuse(current, approver, approving=True)
        if refusal is not None:
            return refusal
        outcome = await self._decide_approval(current, approver)
        if outcome is not None:
            return outcome
        async with self._ledger.tx() as tx:
            executing = await self._ledger.cas(
                tx, request_id, S.APPROVED, S.EXECUTING, approver, "topup.execute"
            )
        if not executing:
            return await self._already(request_id)
        return await self._pay(current, approver, pay, balance)

    async def deny(self, request_id: str, approver: str, reason: str) -> Outcome:
        """Deny with a reason (required); raise InvalidReason without one."""
        current = await self._ledger.require(request_id)
        refusal = await self._refuse(current, approver, approving=False)
        if refusal is not None:
            return refusal
        reason = clean_reason(reason, required=True)
        now = self._now()
        async with self._ledger.tx() as tx:
            if now >= current.expires_at:
                await self._expire(tx, request_id)
                moved = False
            else:
                values = {"decided_by": approver, "decided_at": now, "deny_reason": reason}
                moved = await self._ledger.cas(
                    tx, request_id, S.PENDING, S.DENIED, approver, "topup.deny", reason, **values
                )
        after = await self._ledger.require(request_id)
        return Outcome(after, moved, status_text(after))

    async def get(self, request_id: str) -> TopupRequest | None:
        """The request, or None when no request has this id."""
        return await self._ledger.get(request_id)

    async def history(self, request_id: str) -> list[Transition]:
        """Every transition of the request, oldest first: from, to, who, when."""
        return await self._ledger.history(request_id)

    async def expire_due(self) -> list[TopupRequest]:
        """Turn every pending request past its expiry into expired; return them (to redraw their cards)."""
        async with self._ledger.tx() as tx:
            expired = [
                rid for rid in await self._ledger.due(tx.session, self._now()) if await self._expire(tx, rid)
            ]
        return [await self._ledger.require(request_id) for request_id in expired]

    async def daily_used(self) -> Decimal:
        """The amount counted against the daily limit in the last 24 h."""
        async with self._ledger.tx() as tx:
            return await self._ledger.used(tx.session, self._now())

    async def _refuse(self, current: TopupRequest, user: str, *, approving: bool) -> Outcome | None:
        """An Outcome when the user may not decide this request now (denials are recorded), else None."""
        target = f"topup {current.id}"
        decision = await self._access.check(user, Permission.APPROVE_TOPUP)
        if not decision.allowed:
            await self.audit.record_denial(user, Permission.APPROVE_TOPUP, target, decision.rule)
            return Outcome(current, False, decision.reason)
        if current.state is not S.PENDING:
            return Outcome(current, False, status_text(current))
        if approving and user == current.requester:
            await self.audit.record_denial(user, Permission.APPROVE_TOPUP, target, "four eyes: own request")
            message = "You requested this top-up, so someone else in finance must approve it (four eyes)."
            return Outcome(current, False, message)
        return None

    async def _decide_approval(self, current: TopupRequest, approver: str) -> Outcome | None:
        """pending -> approved after the expiry and limit checks; an Outcome when that did not happen."""
        now = self._now()
        refused: str | None = None
        approved = False
        async with self._ledger.tx() as tx:
            await serialize(tx.session, LOCK)  # the daily limit spans rows: one approval decides at a time
            if await self._ledger.state(tx.session, current.id) is not S.PENDING:
                pass  # decided by someone else since we read it: answered below
            elif now >= current.expires_at:
                await self._expire(tx, current.id)
            else:
                refused = await self._ledger.limit_problem(tx.session, self.policy, current.amount, now)
                if refused:
                    unchanged = {"state": S.PENDING}
                    await self._ledger.note(
                        tx, approver, "topup.approve", current.id, unchanged, unchanged, "refused", refused
                    )
                else:
                    values = {"decided_by": approver, "decided_at": now}
                    approved = await self._ledger.cas(
                        tx, current.id, S.PENDING, S.APPROVED, approver, "topup.approve", **values
                    )
        if approved:
            return None
        after = await self._ledger.require(current.id)
        message = f"Not approved: {refused} The request stays pending." if refused else status_text(after)
        return Outcome(after, False, message)

    async def _pay(
        self, current: TopupRequest, approver: str, pay: Pay, balance: ReadBalance | None
    ) -> Outcome:
        """Send the payment once and store what came of it; never retries."""
        values: dict[str, Any]
        try:
            result = await pay(current.amount)
        except PaymentOutcomeUnknown as exc:
            state, values = S.OUTCOME_UNKNOWN, {"error": exc.user_message}
        except TelnyxError as exc:
            state, values = S.FAILED, {"error": exc.user_message}
        except asyncio.CancelledError:
            # stopped mid-payment: it may have gone out, so record that before giving up
            error = {"error": "The bot was stopped while the payment was being sent."}
            await asyncio.shield(self._finish(current.id, approver, S.OUTCOME_UNKNOWN, error))
            raise
        except Exception as exc:
            logger.exception("top-up %s: unexpected error while sending the payment", current.id)
            state, values = (
                S.OUTCOME_UNKNOWN,
                {"error": f"Unexpected error while sending ({type(exc).__name__})."},
            )
        else:
            state = S.SUCCEEDED
            values = {
                "transaction_id": result.id,
                "processor_status": result.processor_status,
                "new_balance": await self._read_balance(current.id, balance),
            }
        final = await self._finish(current.id, approver, state, values)
        message = status_text(final)
        if final.new_balance is not None:
            message += f" New balance: {usd(final.new_balance)}."
        return Outcome(final, True, message)

    async def _finish(self, request_id: str, actor: str, state: S, values: dict[str, Any]) -> TopupRequest:
        """executing -> the payment's result."""
        result = "ok" if state is S.SUCCEEDED else state.value
        async with self._ledger.tx() as tx:
            moved = await self._ledger.cas(
                tx, request_id, S.EXECUTING, state, actor, f"topup.{state.value}", result=result, **values
            )
        if not moved:
            logger.error("top-up %s was no longer executing when its payment finished", request_id)
        return await self._ledger.require(request_id)

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
        return await self._ledger.cas(
            tx, request_id, S.PENDING, S.EXPIRED, SYSTEM, "topup.expire", "approval window passed"
        )

    async def _already(self, request_id: str) -> Outcome:
        after = await self._ledger.require(request_id)
        return Outcome(after, False, status_text(after))
