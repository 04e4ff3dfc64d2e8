"""The project's errors: what the gateway raises instead of httpx exceptions and HTTP statuses.

Each carries a message a Slack user can act on. None of them ever holds an API key or a raw body.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One entry of a Telnyx `errors[]` body, reduced to what a user can read."""

    title: str
    detail: str = ""
    field: str | None = None  # from source.pointer or source.parameter
    code: str | None = None


class TelnyxError(Exception):
    """Base of every error the gateway raises. `user_message` says what happened, `hint` what to do."""

    user_message = "Telnyx answered with an error."
    hint = "Try again in a minute; if it keeps happening, ask an admin to look at the bot's logs."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message or self.user_message)
        if message:
            self.user_message = message
        self.status = status


class TelnyxAuthError(TelnyxError):
    user_message = "Telnyx rejected the bot's API key."
    hint = "Ask an admin to check the bot's Telnyx API key (TELNYX_API_KEY) in its configuration."


class TelnyxPermissionDenied(TelnyxError):
    user_message = "The bot's Telnyx API key is not allowed to do this."
    hint = "Ask an admin to give the key's Telnyx user access to billing, or use a key that has it."


class TelnyxNotFound(TelnyxError):
    user_message = "Telnyx has no such record."
    hint = "Check the id: copy it again from the alert, the e-mail or the list it came from."


class TelnyxInvalidInput(TelnyxError):
    user_message = "Telnyx refused the request as invalid."
    hint = "Check the values below and try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        problems: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.problems = list(problems or [])


class TelnyxRateLimited(TelnyxError):
    user_message = "Telnyx is rate limiting the bot right now."
    hint = "Wait a few seconds and try again."

    def __init__(
        self, message: str | None = None, *, status: int | None = 429, retry_after: float | None = None
    ):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class TelnyxUnavailable(TelnyxError):
    user_message = "Telnyx is unavailable at the moment."
    hint = "Try again in a few minutes; https://status.telnyx.com shows ongoing incidents."


class TelnyxNetworkError(TelnyxError):
    user_message = "The bot could not reach Telnyx (network error or timeout)."
    hint = "Try again in a minute; if it keeps happening, ask an admin to check the bot's network."


class PaymentNotCharged(TelnyxError):
    """Proof that the payment charged nothing: it never reached Telnyx, or Telnyx refused it with a 4xx.

    `cause` is the error behind it (TelnyxNetworkError when it was never sent; the mapped 4xx, with its
    `problems`, when Telnyx refused it); `sent` says which of the two happened.
    """

    user_message = "The payment was not made, so nothing was charged."

    def __init__(self, cause: TelnyxError, *, sent: bool) -> None:
        self.cause = cause
        self.sent = sent
        self.problems: list[FieldProblem] = list(getattr(cause, "problems", []))
        if sent:
            message = f"Telnyx refused the payment, so nothing was charged. {_telnyx_reason(cause)}"
        else:
            message = f"The payment was not sent, so nothing was charged. {cause.user_message}"
        super().__init__(message, status=cause.status)
        self.hint = cause.hint


def _telnyx_reason(cause: TelnyxError) -> str:
    """What Telnyx said, from its errors[] title/detail (never a raw body), else the mapped message."""
    problems: list[FieldProblem] = getattr(cause, "problems", [])
    said = [": ".join(part for part in (p.title, p.detail) if part) for p in problems[:3]]
    said = [text for text in said if text]
    if not said:
        return cause.user_message
    return "Telnyx said: " + " / ".join(text.rstrip(".") for text in said) + "."


class PaymentOutcomeUnknown(TelnyxError):
    """The payment may have been charged: nothing proves it was not. Never retry; a person must check.

    Everything but PaymentNotCharged ends here: a 5xx, a 3xx, a timeout or broken connection after
    sending, an unreadable 2xx, an unexpected error mid-send. `reason` names the doubt for logs
    ("http_500", "timeout", "dropped", "unreadable", "unexpected", "no_answer").
    """

    CONSEQUENCE = (
        "the amount may or may not have been charged. Do not retry: first check the payment history "
        "and the balance in the Telnyx portal (Billing)."
    )
    user_message = f"The payment was sent to Telnyx, but no answer came back: {CONSEQUENCE}"
    hint = (
        "Do not retry. A person must check the payment history and the balance in the Telnyx portal "
        "before anything else."
    )

    def __init__(self, why: str | None = None, *, reason: str = "no_answer", status: int | None = None):
        """`why` is what happened ("Telnyx answered HTTP 500"); the consequence is always appended."""
        super().__init__(f"{why}: {self.CONSEQUENCE}" if why else None, status=status)
        self.reason = reason


class ConfigError(Exception):
    """The settings are missing or malformed; `problems` lists every one with how to fix it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
