"""The data of the top-up flow: states, requests, transitions, outcomes, errors, and amount parsing.

Amounts: positive, at most two decimal places, USD only (the account's currency), read by
`bot.money.parse_amount` ("$1,200.50", "120", Decimal("120.5"); never a decimal comma).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from bot import money
from bot.access import Decision
from bot.store import TopupRow, TransitionRow

CURRENCY = "USD"
MAX_REASON = 500


class TopupState(StrEnum):
    """pending -> executing -> succeeded | failed | outcome_unknown; pending -> denied | expired;
    outcome_unknown -> succeeded | failed when finance closes it (Paid / Not charged).

    `approved` is only found in databases written before schema 2 (approval then took two steps); the
    reconciler closes such rows."""

    PENDING = "pending"
    APPROVED = "approved"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    DENIED = "denied"
    EXPIRED = "expired"


# Counted against the daily limit: everything approved that may have moved money (an unknown outcome
# may have been charged, so it counts until finance closes it as not charged).
COUNTED = (TopupState.APPROVED, TopupState.EXECUTING, TopupState.SUCCEEDED, TopupState.OUTCOME_UNKNOWN)
# Still moving on its own: the card and the clicker are told "being sent".
IN_FLIGHT = (TopupState.APPROVED, TopupState.EXECUTING)


class Resolution(StrEnum):
    """How finance closed an unknown outcome."""

    PAID = "paid"
    NOT_CHARGED = "not_charged"


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
    resolution: Resolution | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution_note: str | None = None

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
            resolution=Resolution(row.resolution) if row.resolution else None,
            resolved_by=row.resolved_by,
            resolved_at=row.resolved_at,
            resolution_note=row.resolution_note,
        )

    @classmethod
    def unknown(cls, request_id: str) -> TopupRequest:
        """A stand-in when the stored request cannot be read (the database is away): only the id is known."""
        epoch = datetime.fromtimestamp(0, UTC)
        return cls(request_id, Decimal("0.00"), CURRENCY, "", "", TopupState.EXECUTING, epoch, epoch)

    def to_payload(self) -> dict[str, str | None]:
        """The request as JSON-able strings (an outbox message keeps the request as it was then)."""
        out: dict[str, str | None] = {}
        for name, value in asdict(self).items():
            if value is None:
                out[name] = None
            elif isinstance(value, datetime):
                out[name] = value.isoformat()
            else:
                out[name] = str(value)
        return out

    @classmethod
    def from_payload(cls, data: dict[str, str | None]) -> TopupRequest:
        """The inverse of `to_payload`."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw is None:
                values[f.name] = None
            elif f.name in ("amount", "new_balance"):
                values[f.name] = Decimal(raw)
            elif f.name in ("created_at", "expires_at", "decided_at", "resolved_at"):
                values[f.name] = datetime.fromisoformat(raw)
            elif f.name == "state":
                values[f.name] = TopupState(raw)
            elif f.name == "resolution":
                values[f.name] = Resolution(raw)
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]


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


class TooManyPending(TopupError):
    """The requester already has the most pending requests the policy allows."""


def usd(amount: Decimal) -> str:
    """$1,234.50: plain text for the core's own messages (formatting/ renders the cards)."""
    return f"${amount:,.2f}"


def when(moment: datetime) -> str:
    """2025-01-31 17:05 UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def parse_amount(value: str | Decimal | int) -> Decimal:
    """A positive USD amount with at most two decimals (bot.money's grammar), below the store's bound;
    raise InvalidAmount with the explanation."""
    try:
        return money.parse_amount(value)
    except money.InvalidAmount as err:
        raise InvalidAmount(err.user_message) from None


_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """People's free text as stored: control characters (NUL included) gone, runs of white space one space.

    PostgreSQL refuses a NUL in text, and a raw newline or escape in a reason would break the card or a log.
    """
    kept = "".join(
        " " if ch.isspace() else ch for ch in (text or "") if ch.isspace() or unicodedata.category(ch) != "Cc"
    )
    return _SPACES.sub(" ", kept).strip()


def clean_reason(text: str | None, *, required: bool) -> str:
    """The reason cleaned (`clean_text`); raise InvalidReason when it is required and empty, or too long."""
    reason = clean_text(text)
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
        case TopupState.SUCCEEDED if request.resolution is Resolution.PAID:
            return (
                f"Approved by {by}; the outcome was unknown, and <@{request.resolved_by}> confirmed it was "
                f"paid: {request.resolution_note}"
            )
        case TopupState.SUCCEEDED:
            return (
                f"Approved by {by} and paid: {usd(request.amount)}, "
                f"transaction {request.transaction_id} ({request.processor_status or 'no status'})."
            )
        case TopupState.FAILED if request.resolution is Resolution.NOT_CHARGED:
            return (
                f"Approved by {by}; the outcome was unknown, and <@{request.resolved_by}> confirmed nothing "
                f"was charged: {request.resolution_note} A new request is needed."
            )
        case TopupState.FAILED:
            return (
                f"Approved by {by}, but Telnyx did not take the payment: {request.error} Nothing was "
                "charged. A new request is needed."
            )
        case TopupState.OUTCOME_UNKNOWN:
            return (
                f"Approved by {by}; the payment of {usd(request.amount)} may or may not have been charged "
                f"(outcome unknown: {request.error}) Do not pay again: finance must check the payment "
                "history in the Telnyx portal, then close it with Paid or Not charged on the card."
            )
        case TopupState.DENIED:
            return f"Denied by {by}: {request.deny_reason}"
        case TopupState.EXPIRED:
            return f"This request expired at {when(request.expires_at)} without a decision; a new request is needed."
