"""SDK exceptions -> project errors, the read retry policy, and what a lost payment answer means.

Messages are for a Slack user: they name what failed and carry Telnyx's `errors[]` title/detail, never
a raw body, a header or the API key.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import telnyx

from bot import telnyx_parse as parse
from bot.errors import (
    FieldProblem,
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


def invalid(message: str, field: str | None, detail: str = "") -> TelnyxInvalidInput:
    """An input problem found before calling Telnyx, shaped like one Telnyx would report."""
    return TelnyxInvalidInput(message, problems=[FieldProblem(title=message, detail=detail, field=field)])


def unreadable(what: str) -> TelnyxError:
    """Telnyx answered, but not in the documented shape."""
    return TelnyxError(f"Telnyx sent an answer about the {what} that the bot could not read.")


def retry_after(response: httpx.Response | None) -> float | None:
    """Seconds from `Retry-After` (or `retry-after-ms`); None when absent or unreadable."""
    if response is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue  # an HTTP date: rare for Telnyx, and no retry is the safe reading
    return None


def retry_delay(exc: telnyx.APIError, attempt: int, retries: int, remaining: float) -> float | None:
    """How long to wait before retrying a READ, or None to give up now (never used for writes)."""
    if attempt >= retries:
        return None
    delay: float | None = None
    if isinstance(exc, telnyx.APITimeoutError):
        delay = None  # the time budget is spent: the user has already waited the full timeout
    elif isinstance(exc, telnyx.APIConnectionError):
        delay = 0.2
    elif isinstance(exc, telnyx.RateLimitError):
        wait = retry_after(exc.response)
        delay = 0.5 if wait is None else (wait if wait <= MAX_RETRY_AFTER else None)
    elif isinstance(exc, telnyx.APIStatusError) and exc.status_code in RETRYABLE_STATUSES:
        delay = 0.25 * (attempt + 1)
    if delay is None or remaining - delay < MIN_BUDGET_FOR_RETRY:
        return None
    return delay


def _body(exc: telnyx.APIStatusError) -> Any:
    if isinstance(exc.body, dict):
        return exc.body
    try:
        return parse.load_json(exc.response.content)
    except ValueError:
        return None


def map_error(exc: telnyx.APIError, what: str) -> TelnyxError:
    """Turn any SDK exception into the project error a user can act on; log it without secrets."""
    if isinstance(exc, telnyx.APITimeoutError):
        logger.warning("Telnyx %s: no answer within the timeout", what)
        return TelnyxNetworkError(f"Telnyx did not answer in time about the {what}.")
    if isinstance(exc, telnyx.APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "unknown"
        logger.warning("Telnyx %s: connection failed (%s)", what, cause)
        return TelnyxNetworkError()
    if not isinstance(exc, telnyx.APIStatusError):
        logger.warning("Telnyx %s: %s", what, type(exc).__name__)
        return unreadable(what)
    status = exc.status_code
    problems = parse.problems(_body(exc))
    logger.warning("Telnyx %s: HTTP %s %s", what, status, [p.code for p in problems])
    if status == 401:
        return TelnyxAuthError(status=status)
    if status == 403:
        return TelnyxPermissionDenied(status=status)
    if status == 404:
        return TelnyxNotFound(f"Telnyx has no such {what}.", status=status)
    if status in (400, 422):
        return TelnyxInvalidInput(
            status=status, problems=problems or [FieldProblem(title="Telnyx refused the request")]
        )
    if status == 429:
        return TelnyxRateLimited(retry_after=retry_after(exc.response))
    if status >= 500:
        return TelnyxUnavailable(status=status)
    return TelnyxError(f"Telnyx answered the {what} request with an unexpected HTTP {status}.", status=status)


def map_payment_error(exc: telnyx.APIError | None) -> TelnyxError:
    """Like map_error, but any doubt about whether Telnyx got the payment becomes PaymentOutcomeUnknown."""
    if exc is None:  # HTTP 2xx, so the charge was accepted, but the answer could not be read
        return PaymentOutcomeUnknown(
            "Telnyx accepted the payment, but its answer could not be read: the amount may have been charged."
        )
    if isinstance(exc, telnyx.APIConnectionError):  # also APITimeoutError
        if isinstance(exc.__cause__, NOT_SENT):
            logger.warning("Telnyx payment: not sent, connection failed (%s)", type(exc.__cause__).__name__)
            return TelnyxNetworkError("The bot could not connect to Telnyx, so the payment was NOT sent.")
        logger.error(
            "Telnyx payment: sent, but no answer (%s): outcome unknown", type(exc.__cause__).__name__
        )
        return PaymentOutcomeUnknown()
    if isinstance(exc, telnyx.APIStatusError) and exc.status_code in (502, 504):
        # A gateway lost its upstream's answer: Telnyx itself may have charged the card.
        logger.error("Telnyx payment: HTTP %s from a gateway: outcome unknown", exc.status_code)
        return PaymentOutcomeUnknown()
    return map_error(exc, "payment")


def log_orphaned_payment(sending: asyncio.Future[PaymentResult]) -> None:
    """Log how a payment ended whose caller was cancelled while it was in flight."""
    if sending.cancelled():
        logger.error("Telnyx payment: cancelled while in flight: outcome unknown, check the Telnyx portal")
    elif sending.exception() is not None:
        logger.error("Telnyx payment (caller gone): %s", sending.exception())
    else:
        logger.warning("Telnyx payment (caller gone) went through: %s", sending.result().id)
