"""httpx failures and HTTP statuses -> project errors, the read retry policy, what a failed payment proves.

The errors are data (bot/errors.py): what failed, about what, Telnyx's `errors[]` title/detail, never a
raw body, a header or the API key. formatting/telnyx_errors.py words them.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from bot.errors import (
    Check,
    Doubt,
    FieldProblem,
    Kind,
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


def invalid(check: Check, field: str | None, **facts: object) -> TelnyxInvalidInput:
    """An input problem found before calling Telnyx, shaped like one Telnyx would report."""
    said = {name: str(value) for name, value in facts.items()}
    return TelnyxInvalidInput(problems=[FieldProblem(field=field, check=check, facts=said)])


def unreadable(what: str) -> TelnyxError:
    """Telnyx answered, but not in the documented shape."""
    return TelnyxError(Kind.UNREADABLE, subject=what)


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
        return TelnyxNetworkError(Kind.TIMEOUT, subject=what)
    if not isinstance(failure, httpx.Response):
        logger.warning("Telnyx %s: connection failed (%s)", what, type(failure).__name__)
        return TelnyxNetworkError(subject=what)
    status = failure.status_code
    said = problems(failure.content)
    logger.warning("Telnyx %s: HTTP %s %s", what, status, [p.code for p in said])
    if status == 401:
        return TelnyxAuthError(status=status)
    if status == 403:
        return TelnyxPermissionDenied(status=status)
    if status == 404:
        return TelnyxNotFound(subject=what, status=status)
    if status in (400, 422):
        return TelnyxInvalidInput(
            subject=what, status=status, problems=said or [FieldProblem(check=Check.TELNYX_REFUSED)]
        )
    if status == 429:
        return TelnyxRateLimited(retry_after=retry_after(failure))
    if status >= 500:
        return TelnyxUnavailable(status=status)
    return TelnyxError(Kind.UNEXPECTED_STATUS, subject=what, status=status)


def map_payment_error(failure: Failure) -> PaymentNotCharged | PaymentOutcomeUnknown:
    """A failed payment send -> PaymentNotCharged only with proof (never sent, or a 4xx); else unknown."""
    if isinstance(failure, NOT_SENT):
        cause = type(failure).__name__
        logger.warning("Telnyx payment: not sent, the connection failed before sending (%s)", cause)
        return PaymentNotCharged(TelnyxNetworkError(Kind.NOT_CONNECTED, subject="payment"), sent=False)
    if isinstance(failure, httpx.TimeoutException):  # ReadTimeout, WriteTimeout: the request went out
        logger.error("Telnyx payment: sent, no answer in time (%s): outcome unknown", type(failure).__name__)
        return PaymentOutcomeUnknown(Doubt.TIMEOUT)
    if isinstance(failure, httpx.TransportError):  # RemoteProtocolError, ReadError, WriteError...
        logger.error(
            "Telnyx payment: sent, the connection broke (%s): outcome unknown", type(failure).__name__
        )
        return PaymentOutcomeUnknown(Doubt.DROPPED)
    if not isinstance(failure, httpx.Response):
        logger.error("Telnyx payment: unexpected %s while sending: outcome unknown", type(failure).__name__)
        return payment_crashed()
    status = failure.status_code
    if 400 <= status < 500:  # Telnyx refused the request: it charged nothing
        return PaymentNotCharged(map_error(failure, "payment"), sent=True)
    codes = [p.code for p in problems(failure.content)]
    logger.error("Telnyx payment: HTTP %s %s: outcome unknown", status, codes)
    doubt = Doubt.REDIRECT if 300 <= status < 400 else Doubt.HTTP_STATUS
    return PaymentOutcomeUnknown(doubt, status=status)


def unreadable_payment(status: int | None = None) -> PaymentOutcomeUnknown:
    """A 2xx whose body is not the documented answer."""
    return PaymentOutcomeUnknown(Doubt.UNREADABLE, status=status)


def payment_past_deadline(seconds: float) -> PaymentOutcomeUnknown:
    """The whole send took longer than the gateway's timeout (httpx's timeouts are per phase)."""
    logger.error("Telnyx payment: no complete answer within %.1f s: outcome unknown", seconds)
    return PaymentOutcomeUnknown(Doubt.DEADLINE, seconds=seconds)


def payment_crashed() -> PaymentOutcomeUnknown:
    """An error nobody planned for while the payment was in flight (the caller logs it): it may have left."""
    return PaymentOutcomeUnknown(Doubt.UNEXPECTED)


def log_orphaned_payment(sending: asyncio.Future[PaymentResult]) -> None:
    """Log how a payment ended whose caller was cancelled while it was in flight."""
    if sending.cancelled():
        logger.error("Telnyx payment: cancelled while in flight: outcome unknown, check the Telnyx portal")
    elif sending.exception() is not None:
        logger.error("Telnyx payment (caller gone): %s", sending.exception())
    else:
        logger.warning("Telnyx payment (caller gone) went through: %s", sending.result().id)
