"""The data of the top-up flow: states, requests, transitions, outcomes, refusals, errors, and amount parsing.

No words for people here: a refusal is a `Refused` (which rule, with its numbers), and formatting/approvals.py
says it, and what happened to a request, in sentences.

Amounts: positive, at most two decimal places, USD only (the account's currency), read by
`bot.money.parse_amount` ("$1,200.50", "120", Decimal("120.5"); never a decimal comma).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

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
    # why the payment failed or is in doubt: data (bot.errors, to_data) since schema 3; before, a sentence
    # in `error`. formatting/telnyx_errors.stored_failure words either.
    failure: dict[str, Any] | None = field(default=None, hash=False)
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
            failure=row.failure,
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
            elif isinstance(value, dict):
                out[name] = json.dumps(value, sort_keys=True)
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
            elif f.name == "failure":
                values[f.name] = json.loads(raw)
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


class Refusal(StrEnum):
    """Which rule refused a top-up action; `Refused` carries it with its numbers."""

    NOT_ALLOWED = "not_allowed"  # the access policy: `decision` (older records: its words in `said`)
    # `problem` is bot.money's reason, `subject` what was read, `limit` the largest amount when above it.
    # Refusals stored before it was data hold bot.money's sentence in `said` instead.
    INVALID_AMOUNT = "invalid_amount"
    REASON_MISSING = "reason_missing"  # a deny (or a close) needs a reason
    REASON_TOO_LONG = "reason_too_long"  # `count` is the most characters
    OVER_MAX = "over_max"  # `amount` is above `limit`, the policy's max_topup
    DAILY_LIMIT = "daily_limit"  # `amount` plus `used` (last 24 h) is above `limit`, the daily_topup
    TOO_MANY_PENDING = "too_many_pending"  # the requester has `count` requests waiting, the policy's cap
    UNKNOWN_REQUEST = "unknown_request"  # no request has the id `subject`
    FOUR_EYES = "four_eyes"  # the requester may not approve their own request
    FOUR_EYES_CLOSE = "four_eyes_close"  # ... nor close its unknown outcome


ZERO = Decimal("0.00")
LIMITS = (Refusal.OVER_MAX, Refusal.DAILY_LIMIT)  # checked at request and again at approval


@dataclass(frozen=True)
class Refused:
    """Why an action was refused: the rule, and the fields its `Refusal` names (the others keep defaults)."""

    refusal: Refusal
    amount: Decimal = ZERO
    limit: Decimal = ZERO
    used: Decimal = ZERO
    count: int = 0
    subject: str = ""
    said: str = ""
    decision: Decision | None = None
    problem: money.AmountProblem | None = None

    def note(self) -> str:
        """As the audit record's detail: JSON of the rule and its non-default fields (`from_note` reads it)."""
        data: dict[str, Any] = {"refusal": self.refusal.value}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decision):
                data[f.name] = json.loads(value.note())
            elif f.name != "refusal" and value != f.default:
                data[f.name] = str(value) if isinstance(value, Decimal | StrEnum) else value
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_note(cls, text: str) -> Refused | None:
        """The refusal an audit detail holds, or None when it holds something else (older records: words)."""
        try:
            data: dict[str, Any] = json.loads(text)
            refusal = Refusal(data.pop("refusal"))
            data |= {k: Decimal(data[k]) for k in ("amount", "limit", "used") if k in data}
            if "decision" in data:
                data["decision"] = Decision.from_note(json.dumps(data["decision"]))
            if "problem" in data:
                data["problem"] = money.AmountProblem(data["problem"])
            return cls(refusal, **data)
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            return None


@dataclass(frozen=True)
class Outcome:
    """What an approve/deny/close did: `changed` False means nothing moved; `refused` says why when a rule
    stopped it (None: the request had already moved on, or it changed)."""

    request: TopupRequest
    changed: bool
    refused: Refused | None = None


class TopupError(Exception):
    """A top-up action refused before anything was stored; `refused` says why."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.note())
        self.refused = refused


class AccessDenied(TopupError):
    """The user lacks the permission; `decision` says which rule decided."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(Refused(Refusal.NOT_ALLOWED, decision=decision))
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


def parse_amount(value: str | Decimal | int) -> Decimal:
    """A positive USD amount with at most two decimals (bot.money's grammar), below the store's bound;
    raise InvalidAmount with bot.money's reason (data: formatting/approvals.py words it)."""
    try:
        return money.parse_amount(value)
    except money.InvalidAmount as err:
        refused = Refused(
            Refusal.INVALID_AMOUNT, subject=err.shown, limit=err.maximum or ZERO, problem=err.problem
        )
        raise InvalidAmount(refused) from None


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
        raise InvalidReason(Refused(Refusal.REASON_MISSING))
    if len(reason) > MAX_REASON:
        raise InvalidReason(Refused(Refusal.REASON_TOO_LONG, count=MAX_REASON))
    return reason
