"""The project's errors: what the gateway raises instead of httpx exceptions and HTTP statuses.

They are data, never sentences: which kind of failure (`Kind`), what it was about (`subject`: "balance",
"payment"), the HTTP status, the problems Telnyx listed or the bot's own input checks found (`Check`),
and for a payment what proves nothing was charged or why the outcome is in doubt (`Doubt`). The words a
person reads are in formatting/telnyx_errors.py. None of them ever holds an API key or a raw body.

A payment's failure is stored with its top-up (`to_data` / `from_data`, JSON-ready), so the card can be
drawn again, in the same words, long after the exception is gone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What went wrong talking to Telnyx."""

    ERROR = "error"  # an error, and nothing more is known
    UNREADABLE = "unreadable"  # Telnyx answered, but not in the documented shape
    UNEXPECTED_STATUS = "unexpected_status"  # an HTTP status the API does not document
    AUTH = "auth"  # 401: the API key was rejected
    PERMISSION = "permission"  # 403: the key may not do this
    NOT_FOUND = "not_found"  # 404
    INVALID = "invalid"  # 400/422, or the bot's own check before sending
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 5xx
    NETWORK = "network"  # the connection failed or broke
    TIMEOUT = "timeout"  # no answer within the timeout
    NOT_CONNECTED = "not_connected"  # the connection was never made: nothing was sent
    DECLINED = "declined"  # a person declined the payment before it was sent (the console's guard)
    PAYMENT_NOT_CHARGED = "payment_not_charged"
    PAYMENT_OUTCOME_UNKNOWN = "payment_outcome_unknown"


class Check(StrEnum):
    """An input problem the bot finds before calling Telnyx; `FieldProblem.facts` holds its numbers."""

    NOT_AN_ID = "not_an_id"  # value, what
    PAGE_NUMBER = "page_number"
    PAGE_SIZE = "page_size"  # maximum
    END_BEFORE_START_DATE = "end_before_start_date"
    SPAN_TOO_LONG = "span_too_long"  # days
    AMOUNT_NOT_A_NUMBER = "amount_not_a_number"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_SUB_CENT = "amount_sub_cent"
    RECORD_TYPE = "record_type"  # value, accepted
    DATE_RANGE = "date_range"  # value, accepted
    END_BEFORE_START = "end_before_start"
    FILTER_KEY = "filter_key"  # value
    FILTERED_TWICE = "filtered_twice"  # value
    DELIVERY_STATUS = "delivery_status"  # value
    NOTHING_TO_CHANGE = "nothing_to_change"
    SORT = "sort"
    TELNYX_REFUSED = "telnyx_refused"  # a 400/422 that listed no problem


class Doubt(StrEnum):
    """Why a payment's outcome is unknown (also the `reason` logs and metrics name)."""

    NO_ANSWER = "no_answer"  # sent, and no answer came back
    TIMEOUT = "timeout"  # sent, no answer within the timeout
    DEADLINE = "deadline"  # sent, no complete answer within the gateway's whole-send deadline (`seconds`)
    DROPPED = "dropped"  # sent, the connection broke before the answer
    REDIRECT = "redirect"  # a 3xx, never followed (`status`)
    HTTP_STATUS = "http_status"  # a 5xx or other non-4xx status (`status`)
    UNREADABLE = "unreadable"  # a 2xx whose body is not the documented answer (`status`)
    UNEXPECTED = "unexpected"  # an error nobody planned for while the payment was in flight
    CRASHED = "crashed"  # the state machine caught an unexpected exception (`error_type`)
    STOPPED = "stopped"  # the bot stopped (or was killed) while the payment was being sent


@dataclass(frozen=True)
class FieldProblem:
    """One entry of a Telnyx `errors[]` body (its own title/detail), or one of the bot's input `Check`s."""

    title: str = ""
    detail: str = ""
    field: str | None = None  # from source.pointer or source.parameter
    code: str | None = None
    check: Check | None = None  # the bot's own check: formatting words it from `facts`
    facts: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "detail": self.detail, "field": self.field}
        data |= {"code": self.code, "check": self.check, "facts": self.facts}
        return {k: v for k, v in data.items() if v}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FieldProblem:
        check = data.get("check")
        return cls(
            title=str(data.get("title", "")),
            detail=str(data.get("detail", "")),
            field=data.get("field"),
            code=data.get("code"),
            check=Check(check) if check else None,
            facts={str(k): str(v) for k, v in (data.get("facts") or {}).items()},
        )


class TelnyxError(Exception):
    """Base of every error the gateway raises: a `kind`, what it was `subject` about, the HTTP status."""

    kind = Kind.ERROR

    def __init__(
        self,
        kind: Kind | None = None,
        *,
        subject: str | None = None,
        status: int | None = None,
        item_id: str | None = None,
    ) -> None:
        if kind is not None:
            self.kind = kind
        self.subject = subject
        self.status = status
        self.item_id = item_id  # the id that was looked up, when the person gave one
        super().__init__(self._describe())

    def _describe(self) -> str:
        """For logs and reprs: the data, never a sentence for people."""
        parts = [self.kind.value]
        parts += [f"{name}={value}" for name, value in self._facts().items() if value is not None]
        return " ".join(parts)

    def _facts(self) -> dict[str, Any]:
        return {"subject": self.subject, "status": self.status}

    def to_data(self) -> dict[str, Any]:
        """JSON-ready; `error_from_data` gives it back."""
        data: dict[str, Any] = {"kind": self.kind.value, "subject": self.subject, "status": self.status}
        data["item_id"] = self.item_id
        return {k: v for k, v in data.items() if v is not None}


class TelnyxAuthError(TelnyxError):
    kind = Kind.AUTH


class TelnyxPermissionDenied(TelnyxError):
    kind = Kind.PERMISSION


class TelnyxNotFound(TelnyxError):
    kind = Kind.NOT_FOUND


class TelnyxInvalidInput(TelnyxError):
    kind = Kind.INVALID

    def __init__(
        self,
        *,
        subject: str | None = None,
        status: int | None = None,
        problems: list[FieldProblem] | None = None,
    ) -> None:
        self.problems = list(problems or [])
        super().__init__(subject=subject, status=status)

    def _facts(self) -> dict[str, Any]:
        checks = [p.check.value for p in self.problems if p.check] or None
        return super()._facts() | {"checks": checks}  # never Telnyx's words or codes: shown apart

    def to_data(self) -> dict[str, Any]:
        return super().to_data() | {"problems": [p.to_data() for p in self.problems]}


class TelnyxRateLimited(TelnyxError):
    kind = Kind.RATE_LIMITED

    def __init__(self, *, status: int | None = 429, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(status=status)

    def to_data(self) -> dict[str, Any]:
        return super().to_data() | ({"retry_after": self.retry_after} if self.retry_after is not None else {})


class TelnyxUnavailable(TelnyxError):
    kind = Kind.UNAVAILABLE


class TelnyxNetworkError(TelnyxError):
    """NETWORK (failed or broke), TIMEOUT (no answer in time) or NOT_CONNECTED (never sent)."""

    kind = Kind.NETWORK


class PaymentNotCharged(TelnyxError):
    """Proof that the payment charged nothing: it never reached Telnyx, or Telnyx refused it with a 4xx.

    `cause` is the error behind it (a TelnyxNetworkError when it was never sent; the mapped 4xx, with its
    `problems`, when Telnyx refused it); `sent` says which of the two happened.
    """

    kind = Kind.PAYMENT_NOT_CHARGED

    def __init__(self, cause: TelnyxError, *, sent: bool) -> None:
        self.cause = cause
        self.sent = sent
        self.problems: list[FieldProblem] = list(getattr(cause, "problems", []))
        super().__init__(subject="payment", status=cause.status)

    def _facts(self) -> dict[str, Any]:
        return super()._facts() | {"sent": self.sent, "cause": self.cause.kind.value}

    def to_data(self) -> dict[str, Any]:
        return super().to_data() | {"sent": self.sent, "cause": self.cause.to_data()}


class PaymentOutcomeUnknown(TelnyxError):
    """The payment may have been charged: nothing proves it was not. Never retry; a person must check.

    Everything but PaymentNotCharged ends here: a 5xx, a 3xx, a timeout or broken connection after
    sending, an unreadable 2xx, an unexpected error mid-send. `doubt` says which.
    """

    kind = Kind.PAYMENT_OUTCOME_UNKNOWN

    def __init__(
        self,
        doubt: Doubt = Doubt.NO_ANSWER,
        *,
        status: int | None = None,
        seconds: float | None = None,
        error_type: str | None = None,
    ) -> None:
        self.doubt = doubt
        self.seconds = seconds
        self.error_type = error_type
        super().__init__(subject="payment", status=status)

    @property
    def reason(self) -> str:
        """The doubt as logs and metrics name it: "timeout", "http_500", ..."""
        if self.doubt in (Doubt.HTTP_STATUS, Doubt.REDIRECT) and self.status is not None:
            return f"http_{self.status}"
        return "timeout" if self.doubt is Doubt.DEADLINE else self.doubt.value

    def _facts(self) -> dict[str, Any]:
        return super()._facts() | {"doubt": self.doubt.value, "seconds": self.seconds}

    def to_data(self) -> dict[str, Any]:
        data = super().to_data() | {"doubt": self.doubt.value}
        extra = {"seconds": self.seconds, "error_type": self.error_type}
        return data | {k: v for k, v in extra.items() if v is not None}


_CLASSES: dict[Kind, type[TelnyxError]] = {
    Kind.AUTH: TelnyxAuthError,
    Kind.PERMISSION: TelnyxPermissionDenied,
    Kind.NOT_FOUND: TelnyxNotFound,
    Kind.UNAVAILABLE: TelnyxUnavailable,
    Kind.NETWORK: TelnyxNetworkError,
    Kind.TIMEOUT: TelnyxNetworkError,
    Kind.NOT_CONNECTED: TelnyxNetworkError,
}


def error_from_data(data: dict[str, Any]) -> TelnyxError:
    """The error `TelnyxError.to_data` described; an unknown kind reads as a plain ERROR."""
    try:
        kind = Kind(str(data.get("kind")))
    except ValueError:
        kind = Kind.ERROR
    status = data.get("status")
    status = status if isinstance(status, int) else None
    subject = data.get("subject")
    error: TelnyxError
    if kind is Kind.INVALID:
        problems = [FieldProblem.from_data(p) for p in data.get("problems") or [] if isinstance(p, dict)]
        error = TelnyxInvalidInput(subject=subject, status=status, problems=problems)
    elif kind is Kind.RATE_LIMITED:
        after = data.get("retry_after")
        error = TelnyxRateLimited(
            status=status, retry_after=after if isinstance(after, int | float) else None
        )
    elif kind is Kind.PAYMENT_NOT_CHARGED:
        cause = data.get("cause")
        error = PaymentNotCharged(
            error_from_data(cause if isinstance(cause, dict) else {}), sent=bool(data.get("sent"))
        )
    elif kind is Kind.PAYMENT_OUTCOME_UNKNOWN:
        try:
            doubt = Doubt(str(data.get("doubt")))
        except ValueError:
            doubt = Doubt.NO_ANSWER
        seconds = data.get("seconds")
        error = PaymentOutcomeUnknown(
            doubt,
            status=status,
            seconds=seconds if isinstance(seconds, int | float) else None,
            error_type=data.get("error_type"),
        )
    else:
        cls = _CLASSES.get(kind, TelnyxError)
        error = cls(kind, subject=subject, status=status, item_id=data.get("item_id"))
    return error


class ConfigError(Exception):
    """The settings are missing or malformed; `problems` lists every one with how to fix it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
