"""httpx failures and HTTP statuses -> project errors, the read retry policy, what a failed payment proves.

Messages are for a Slack user: they name what failed and carry Telnyx's `errors[]` title/detail, never
a raw body, a header or the API key.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from bot.errors import (
    FieldProblem,
    PaymentNotCharged,
    PaymentOutcomeUnknown,
    TelnyxAuthError,
    TelnyxError,
    TelnyxInvalidInput,
    TelnyxNetworkError,
    TelnyxNotFound,
    TelnyxPermissionDenied,
    TelnyxRateLimited,
    TelnyxUnavailable,
)
from bot.models import PaymentResult
from bot.telnyx_client.wire import problems

logger = logging.getLogger("bot.telnyx_client")

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
MAX_RETRY_AFTER = 2.0  # a longer Retry-After is the user's to wait, not the bot's: answer "rate limited" now
MIN_BUDGET_FOR_RETRY = 0.5  # seconds that must be left after the pause for a retry to be worth sending

# httpx raises these only before a single byte of the request is written: ConnectError/ConnectTimeout
# while opening the TCP/TLS connection, PoolTimeout while waiting for a free pooled connection,
# UnsupportedProtocol/InvalidURL before any I/O. Every other failure (WriteError/WriteTimeout mid-send,
# ReadTimeout/ReadError/RemoteProtocolError once the request is out) may have reached Telnyx.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
)
# What a request can fail with on the way (InvalidURL is no HTTPError, though it is httpx's).
REQUEST_FAILURES = (httpx.HTTPError, httpx.InvalidURL)
# What a read got instead of a usable answer: an answer that is not a 2xx, or no answer at all.
Failure = httpx.Response | httpx.HTTPError | httpx.InvalidURL


def invalid(message: str, field: str | None, detail: str = "") -> TelnyxInvalidInput:
    """An input problem found before calling Telnyx, shaped like one Telnyx would report."""
    return TelnyxInvalidInput(message, problems=[FieldProblem(title=message, detail=detail, field=field)])


def unreadable(what: str) -> TelnyxError:
    """Telnyx answered, but not in the documented shape."""
    return TelnyxError(f"Telnyx sent an answer about the {what} that the bot could not read.")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from `Retry-After` (or `retry-after-ms`); None when absent or unreadable."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue  # an HTTP date: rare for Telnyx, and no retry is the safe reading
    return None


def retry_delay(failure: Failure, attempt: int, retries: int, remaining: float) -> float | None:
    """How long to wait before retrying a READ, or None to give up now (never used for writes)."""
    if attempt >= retries:
        return None
    delay: float | None = None
    if isinstance(failure, httpx.Response):
        if failure.status_code == 429:
            wait = retry_after(failure)
            delay = 0.5 if wait is None else (wait if wait <= MAX_RETRY_AFTER else None)
        elif failure.status_code in RETRYABLE_STATUSES:
            delay = 0.25 * (attempt + 1)
    elif isinstance(failure, httpx.TimeoutException):
        delay = None  # the time budget is spent: the user has already waited the full timeout
    else:
        delay = 0.2  # the connection failed or broke: one quick second try
    if delay is None or remaining - delay < MIN_BUDGET_FOR_RETRY:
        return None
    return delay


def map_error(failure: Failure, what: str) -> TelnyxError:
    """Turn a failed request into the project error a user can act on; log it without secrets."""
    if isinstance(failure, httpx.TimeoutException):
        logger.warning("Telnyx %s: no answer within the timeout (%s)", what, type(failure).__name__)
        return TelnyxNetworkError(f"Telnyx did not answer in time about the {what}.")
    if not isinstance(failure, httpx.Response):
        logger.warning("Telnyx %s: connection failed (%s)", what, type(failure).__name__)
        return TelnyxNetworkError()
    status = failure.status_code
    said = problems(failure.content)
    logger.warning("Telnyx %s: HTTP %s %s", what, status, [p.code for p in said])
    if status == 401:
        return TelnyxAuthError(status=status)
    if status == 403:
        return TelnyxPermissionDenied(status=status)
    if status == 404:
        return TelnyxNotFound(f"Telnyx has no such {what}.", status=status)
    if status in (400, 422):
        return TelnyxInvalidInput(
            status=status, problems=said or [FieldProblem(title="Telnyx refused the request")]
        )
    if status == 429:
        return TelnyxRateLimited(retry_after=retry_after(failure))
    if status >= 500:
        return TelnyxUnavailable(status=status)
    return TelnyxError(f"Telnyx answered the {what} request with an unexpected HTTP {status}.", status=status)


def map_payment_error(failure: Failure) -> PaymentNotCharged | PaymentOutcomeUnknown:
    """A failed payment send -> PaymentNotCharged only with proof (never sent, or a 4xx); else unknown."""
    if isinstance(failure, NOT_SENT):
        cause = type(failure).__name__
        logger.warning("Telnyx payment: not sent, the connection failed before sending (%s)", cause)
        return PaymentNotCharged(TelnyxNetworkError("The bot could not connect to Telnyx."), sent=False)
    if isinstance(failure, httpx.TimeoutException):  # ReadTimeout, WriteTimeout: the request went out
        logger.error("Telnyx payment: sent, no answer in time (%s): outcome unknown", type(failure).__name__)
        return PaymentOutcomeUnknown(
            "The payment was sent to Telnyx, but no answer came in time", reason="timeout"
        )
    if isinstance(failure, httpx.TransportError):  # RemoteProtocolError, ReadError, WriteError...
        logger.error(
            "Telnyx payment: sent, the connection broke (%s): outcome unknown", type(failure).__name__
        )
        return PaymentOutcomeUnknown(
            "The payment was sent to Telnyx, but the connection broke before the answer came",
            reason="dropped",
        )
    if not isinstance(failure, httpx.Response):
        logger.error("Telnyx payment: unexpected %s while sending: outcome unknown", type(failure).__name__)
        return payment_crashed()
    status = failure.status_code
    if 400 <= status < 500:  # Telnyx refused the request: it charged nothing
        return PaymentNotCharged(map_error(failure, "payment"), sent=True)
    codes = [p.code for p in problems(failure.content)]
    logger.error("Telnyx payment: HTTP %s %s: outcome unknown", status, codes)
    if 300 <= status < 400:
        why = f"Telnyx answered the payment with a redirect (HTTP {status}), which the bot never follows"
    else:
        why = f"Telnyx answered the payment with HTTP {status}, which does not say whether it went through"
    return PaymentOutcomeUnknown(why, reason=f"http_{status}", status=status)


def unreadable_payment(status: int | None = None) -> PaymentOutcomeUnknown:
    """A 2xx whose body is not the documented answer."""
    shown = f" (HTTP {status})" if status is not None else ""
    return PaymentOutcomeUnknown(
        f"Telnyx answered the payment{shown}, but the bot could not read the answer",
        reason="unreadable",
        status=status,
    )


def payment_past_deadline(seconds: float) -> PaymentOutcomeUnknown:
    """The whole send took longer than the gateway's timeout (httpx's timeouts are per phase)."""
    logger.error("Telnyx payment: no complete answer within %.1f s: outcome unknown", seconds)
    return PaymentOutcomeUnknown(
        f"The payment was sent to Telnyx, but no complete answer came within {seconds:g} s", reason="timeout"
    )


def payment_crashed() -> PaymentOutcomeUnknown:
    """An error nobody planned for while the payment was in flight (the caller logs it): it may have left."""
    return PaymentOutcomeUnknown(
        "An unexpected error happened while the payment was being sent to Telnyx", reason="unexpected"
    )


def log_orphaned_payment(sending: asyncio.Future[PaymentResult]) -> None:
    """Log how a payment ended whose caller was cancelled while it was in flight."""
    if sending.cancelled():
        logger.error("Telnyx payment: cancelled while in flight: outcome unknown, check the Telnyx portal")
    elif sending.exception() is not None:
        logger.error("Telnyx payment (caller gone): %s", sending.exception())
    else:
        logger.warning("Telnyx payment (caller gone) went through: %s", sending.result().id)
