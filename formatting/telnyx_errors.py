"""Telnyx errors in words: what happened and what to do, from the data in bot/errors.py.

Plain text, no mrkdwn: formatting/errors.py escapes it into blocks, the CLI prints it, and a top-up's
stored failure is told again in the same sentences whenever its card is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.approvals.model import TopupRequest
from bot.errors import (
    Check,
    Doubt,
    FieldProblem,
    Kind,
    PaymentNotCharged,
    PaymentOutcomeUnknown,
    TelnyxError,
    TelnyxInvalidInput,
    TelnyxRateLimited,
    error_from_data,
)
from bot.telnyx_client.queries import DATE_RANGES, RECORD_TYPES

TRY_AGAIN = "Try again in a minute; if it keeps happening, ask an admin to look at the bot's logs."
NETWORK_HINT = "Try again in a minute; if it keeps happening, ask an admin to check the bot's network."
CONSEQUENCE = (
    "the amount may or may not have been charged. Do not retry: first check the payment history "
    "and the balance in the Telnyx portal (Billing)."
)
DO_NOT_RETRY = (
    "Do not retry. A person must check the payment history and the balance in the Telnyx portal "
    "before anything else."
)

_MESSAGES: dict[Kind, str] = {
    Kind.ERROR: "Telnyx answered with an error.",
    Kind.UNREADABLE: "Telnyx sent an answer about the {subject} that the bot could not read.",
    Kind.UNEXPECTED_STATUS: "Telnyx answered the {subject} request with an unexpected HTTP {status}.",
    Kind.AUTH: "Telnyx rejected the bot's API key.",
    Kind.PERMISSION: "The bot's Telnyx API key is not allowed to do this.",
    Kind.NOT_FOUND: "Telnyx has no such {subject}.",
    Kind.INVALID: "Telnyx refused the request as invalid.",
    Kind.RATE_LIMITED: "Telnyx is rate limiting the bot right now.",
    Kind.UNAVAILABLE: "Telnyx is unavailable at the moment.",
    Kind.NETWORK: "The bot could not reach Telnyx (network error or timeout).",
    Kind.TIMEOUT: "Telnyx did not answer in time about the {subject}.",
    Kind.NOT_CONNECTED: "The bot could not connect to Telnyx.",
    Kind.DECLINED: "It was declined at the console.",
}
_HINTS: dict[Kind, str] = {
    Kind.AUTH: "Ask an admin to check the bot's Telnyx API key (TELNYX_API_KEY) in its configuration.",
    Kind.PERMISSION: "Ask an admin to give the key's Telnyx user access to billing, or use a key that has it.",
    Kind.NOT_FOUND: "Check the id: copy it again from the alert, the e-mail or the list it came from.",
    Kind.INVALID: "Check the values below and try again.",
    Kind.RATE_LIMITED: "Wait a few seconds and try again.",
    Kind.UNAVAILABLE: "Try again in a few minutes; https://status.telnyx.com shows ongoing incidents.",
    Kind.NETWORK: NETWORK_HINT,
    Kind.TIMEOUT: NETWORK_HINT,
    Kind.NOT_CONNECTED: NETWORK_HINT,
    Kind.DECLINED: "Nothing was charged. Request a new top-up to try again.",
}
_CHECKS: dict[Check, tuple[str, str]] = {  # title, detail
    Check.NOT_AN_ID: ("`{value}` is not a {what} id.", "A {what} id looks like 48eff763-ea80-4345-..."),
    Check.PAGE_NUMBER: ("The page number must be 1 or more.", ""),
    Check.PAGE_SIZE: ("The page size must be between 1 and {maximum}.", ""),
    Check.END_BEFORE_START_DATE: ("The end date must be after the start date.", ""),
    Check.SPAN_TOO_LONG: ("Telnyx reports at most {days} days at once: pick a shorter range.", ""),
    Check.AMOUNT_NOT_A_NUMBER: ("The amount must be a number like 120.00.", ""),
    Check.AMOUNT_NOT_POSITIVE: ("The amount must be more than zero.", ""),
    Check.AMOUNT_NEGATIVE: ("The amount cannot be negative.", ""),
    Check.AMOUNT_SUB_CENT: ("The amount cannot have fractions of a cent.", ""),
    Check.RECORD_TYPE: ("`{value}` is not a record type.", "One of: " + ", ".join(RECORD_TYPES)),
    Check.DATE_RANGE: (
        "`{value}` is not a date range.",
        "One of: " + ", ".join(DATE_RANGES) + ", or last_N_days (e.g. last_7_days).",
    ),
    Check.END_BEFORE_START: ("The end must be after the start.", ""),
    Check.FILTER_KEY: ("`{value}` cannot be used as a filter here.", ""),
    Check.FILTERED_TWICE: ("`{value}` is filtered twice.", ""),
    Check.DELIVERY_STATUS: ("`{value}` is not a delivery status.", "delivered or failed"),
    Check.NOTHING_TO_CHANGE: ("Nothing to change: give at least one setting.", ""),
    Check.SORT: ("Sort must be asc or desc.", ""),
    Check.TELNYX_REFUSED: ("Telnyx refused the request", ""),
}
_DOUBTS: dict[Doubt, str] = {  # what happened; the consequence follows
    Doubt.NO_ANSWER: "The payment was sent to Telnyx, but no answer came back",
    Doubt.TIMEOUT: "The payment was sent to Telnyx, but no answer came in time",
    Doubt.DEADLINE: "The payment was sent to Telnyx, but no complete answer came within {seconds} s",
    Doubt.DROPPED: "The payment was sent to Telnyx, but the connection broke before the answer came",
    Doubt.REDIRECT: "Telnyx answered the payment with a redirect (HTTP {status}), which the bot never follows",
    Doubt.HTTP_STATUS: (
        "Telnyx answered the payment with HTTP {status}, which does not say whether it went through"
    ),
    Doubt.UNREADABLE: "Telnyx answered the payment{shown}, but the bot could not read the answer",
    Doubt.UNEXPECTED: "An unexpected error happened while the payment was being sent to Telnyx",
}
# Told as they are, without the consequence (the card and the DM say what to do next).
STOPPED = "No answer was stored: the bot stopped while the payment was being sent."
CRASHED = "Unexpected error while sending ({error_type}): the payment may have gone out."


class _Facts(dict[str, str]):
    """format_map's mapping: a fact that is missing reads as "?" rather than failing the whole answer."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, facts: Mapping[str, object]) -> str:
    return template.format_map(_Facts({k: str(v) for k, v in facts.items() if v is not None}))


def problem_title(problem: FieldProblem) -> str:
    """The problem's headline: Telnyx's own title, or the bot's check in words."""
    if problem.check is not None:
        return _fill(_CHECKS[problem.check][0], problem.facts)
    return problem.title or "Invalid value"


def problem_detail(problem: FieldProblem) -> str:
    """What else is known: Telnyx's detail, or what the bot's check accepts."""
    if problem.check is not None:
        return _fill(_CHECKS[problem.check][1], problem.facts)
    return problem.detail


def message(err: TelnyxError) -> str:
    """What happened, in one or two sentences."""
    if isinstance(err, PaymentNotCharged):
        return _not_charged(err)
    if isinstance(err, PaymentOutcomeUnknown):
        return f"{_doubt(err)}: {CONSEQUENCE}"
    if err.kind is Kind.NOT_FOUND and err.item_id:
        return f"No {err.subject or 'record'} has the id {err.item_id}."
    if isinstance(err, TelnyxInvalidInput):
        own = [p for p in err.problems if p.check not in (None, Check.TELNYX_REFUSED)]
        if own:  # the bot's own check: its first problem is the answer
            return problem_title(own[0])
    template = _MESSAGES.get(err.kind, _MESSAGES[Kind.ERROR])
    return _fill(template, {"subject": err.subject or "record", "status": err.status})


def hint(err: TelnyxError) -> str:
    """What to do about it."""
    if isinstance(err, PaymentNotCharged):
        return hint(err.cause)
    if isinstance(err, PaymentOutcomeUnknown):
        return DO_NOT_RETRY
    if isinstance(err, TelnyxRateLimited) and err.retry_after and math.isfinite(err.retry_after):
        return f"Wait {max(1, math.ceil(err.retry_after)):,} s and try again."
    return _HINTS.get(err.kind, TRY_AGAIN)


def telnyx_said(err: TelnyxError) -> str:
    """What Telnyx said, from its errors[] title/detail (never a raw body), else the error's message."""
    problems: list[FieldProblem] = getattr(err, "problems", [])
    said = [": ".join(part for part in (problem_title(p), problem_detail(p)) if part) for p in problems[:3]]
    said = [text for text in said if text]
    if not said:
        return message(err)
    return "Telnyx said: " + " / ".join(text.rstrip(".") for text in said) + "."


def _not_charged(err: PaymentNotCharged) -> str:
    if err.sent:
        return f"Telnyx refused the payment, so nothing was charged. {telnyx_said(err.cause)}"
    return f"The payment was not sent, so nothing was charged. {message(err.cause)}"


def _doubt(err: PaymentOutcomeUnknown) -> str:
    facts = {
        "status": err.status,
        "seconds": None if err.seconds is None else f"{err.seconds:g}",
        "shown": f" (HTTP {err.status})" if err.status is not None else "",
    }
    return _fill(_DOUBTS.get(err.doubt, _DOUBTS[Doubt.NO_ANSWER]), facts)


def payment_failure(err: PaymentNotCharged | PaymentOutcomeUnknown) -> str:
    """What a top-up's card, DM and history say of its failed or doubtful payment."""
    if isinstance(err, PaymentOutcomeUnknown):
        if err.doubt is Doubt.STOPPED:
            return STOPPED
        if err.doubt is Doubt.CRASHED:
            return _fill(CRASHED, {"error_type": err.error_type})
    return message(err)


def stored_failure(failure: dict[str, object] | None, legacy: str | None) -> str | None:
    """A top-up's stored failure in words: from its data, or the text a bot before schema 3 stored."""
    if failure:
        err = error_from_data(dict(failure))
        if isinstance(err, PaymentNotCharged | PaymentOutcomeUnknown):
            return payment_failure(err)
        return message(err)
    return legacy or None


def topup_failure(request: TopupRequest) -> str | None:
    """Why a top-up's payment failed or is in doubt, in words (None when nothing is stored)."""
    return stored_failure(request.failure, request.error)
