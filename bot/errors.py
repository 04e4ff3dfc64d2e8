"""The project's errors: what the gateway raises instead of SDK exceptions.

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


class PaymentOutcomeUnknown(TelnyxError):
    """The payment was sent but no answer came back: it may or may not have been charged. Never retry."""

    user_message = (
        "The payment was sent to Telnyx, but no answer came back: it may or may not have gone through."
    )
    hint = "Do not retry. A person must check the payment history in the Telnyx portal before anything else."


class ConfigError(Exception):
    """The settings are missing or malformed; `problems` lists every one with how to fix it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
