"""The data of the top-up flow: states, requests, transitions, outcomes, errors, and amount parsing.

Amounts: positive, at most two decimal places, USD only (the account's currency); `parse_amount`
accepts what people type ("$1,200.50", "120", Decimal("120.5")) and returns a two-place Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.access import Decision
from bot.access.policy import CENT, MAX_AMOUNT  # the same bounds as the policy's limits
from bot.store import TopupRow, TransitionRow

CURRENCY = "USD"
MAX_REASON = 500


class TopupState(StrEnum):
    """pending -> approved -> executing -> succeeded | failed | outcome_unknown; pending -> denied | expired."""

    PENDING = "pending"
    APPROVED = "approved"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    DENIED = "denied"
    EXPIRED = "expired"


# Counted against the daily limit: everything approved that may have moved money (an unknown outcome
# may have been charged, so it counts).
COUNTED = (TopupState.APPROVED, TopupState.EXECUTING, TopupState.SUCCEEDED, TopupState.OUTCOME_UNKNOWN)


@dataclass(frozen=True)
class TopupRequest:
    """A top-up request as stored; money is Decimal, times are aware UTC."""

    id: str
    amount: Decimal
    currency: str
    reason: str
    requester: str
    state: TopupState
    created_at: datetime
    expires_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    deny_reason: str | None = None
    transaction_id: str | None = None
    processor_status: str | None = None
    error: str | None = None
    new_balance: Decimal | None = None
    channel: str | None = None
    message_ts: str | None = None

    @classmethod
    def from_row(cls, row: TopupRow) -> TopupRequest:
        """Copy a stored row into a plain, immutable value."""
        return cls(
            id=row.id,
            amount=row.amount,
            currency=row.currency,
            reason=row.reason,
            requester=row.requester,
            state=TopupState(row.state),
            created_at=row.created_at,
            expires_at=row.expires_at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            deny_reason=row.deny_reason,
            transaction_id=row.transaction_id,
            processor_status=row.processor_status,
            error=row.error,
            new_balance=row.new_balance,
            channel=row.channel,
            message_ts=row.message_ts,
        )


@dataclass(frozen=True)
class Transition:
    """One step in a request's history (`from_state` None for its creation)."""

    from_state: TopupState | None
    to_state: TopupState
    actor: str
    at: datetime
    note: str = ""

    @classmethod
    def from_row(cls, row: TransitionRow) -> Transition:
        """Copy a stored row into a plain value."""
        return cls(
            from_state=TopupState(row.from_state) if row.from_state else None,
            to_state=TopupState(row.to_state),
            actor=row.actor,
            at=row.at,
            note=row.note,
        )


@dataclass(frozen=True)
class Outcome:
    """What an approve/deny click did: `changed` False means nothing moved; `message` says why or what."""

    request: TopupRequest
    changed: bool
    message: str


class TopupError(Exception):
    """A top-up action refused before anything was stored; `user_message` is for the user."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class AccessDenied(TopupError):
    """The user lacks the permission; `decision` says which rule decided."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


class InvalidAmount(TopupError):
    """The amount is not a positive USD amount with at most two decimals."""


class LimitExceeded(TopupError):
    """The amount is above the per-top-up limit or would pass the rolling daily limit."""


class InvalidReason(TopupError):
    """A reason is missing (deny) or too long."""


class UnknownRequest(TopupError):
    """No request has this id."""


def usd(amount: Decimal) -> str:
    """$1,234.50: plain text for the core's own messages (formatting/ renders the cards)."""
    return f"${amount:,.2f}"


def when(moment: datetime) -> str:
    """2025-01-31 17:05 UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def parse_amount(value: str | Decimal | int) -> Decimal:
    """A positive USD amount with at most two decimals, as a two-place Decimal; raise InvalidAmount."""
    text = str(value).strip().replace(",", "").replace("_", "")
    for prefix in ("USD", "$"):
        text = text.removeprefix(prefix).strip()
    text = text.removesuffix("USD").strip()
    problem = (
        f"{str(value).strip()!r} is not an amount: give a positive number of dollars, e.g. 120 or 120.50."
    )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidAmount(problem) from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise InvalidAmount(problem)
    if amount != amount.quantize(CENT):
        raise InvalidAmount(f"{text} has more than two decimal places: amounts are in whole cents.")
    return amount.quantize(CENT)


def clean_reason(text: str | None, *, required: bool) -> str:
    """The reason stripped; raise InvalidReason when it is required and empty, or too long."""
    reason = (text or "").strip()
    if required and not reason:
        raise InvalidReason("Give a reason for denying the top-up: the requester sees it.")
    if len(reason) > MAX_REASON:
        raise InvalidReason(f"The reason is too long: at most {MAX_REASON} characters.")
    return reason


def status_text(request: TopupRequest) -> str:
    """What happened to a request, in a sentence or two: the result of a decision, or the answer to a late click."""
    by = f"<@{request.decided_by}>" if request.decided_by else "someone"
    match request.state:
        case TopupState.PENDING:
            return f"Waiting for approval until {when(request.expires_at)}."
        case TopupState.APPROVED | TopupState.EXECUTING:
            return f"Approved by {by}; the payment of {usd(request.amount)} is being sent."
        case TopupState.SUCCEEDED:
            return (
                f"Approved by {by} and paid: {usd(request.amount)}, "
                f"transaction {request.transaction_id} ({request.processor_status or 'no status'})."
            )
        case TopupState.FAILED:
            return f"Approved by {by}, but the payment failed: {request.error} A new request is needed."
        case TopupState.OUTCOME_UNKNOWN:
            return (
                f"Approved by {by}; the payment was sent but its outcome is unknown. Do not retry: a person "
                "must check the payment history in the Telnyx portal."
            )
        case TopupState.DENIED:
            return f"Denied by {by}: {request.deny_reason}"
        case TopupState.EXPIRED:
            return f"This request expired at {when(request.expires_at)} without a decision; a new request is needed."
