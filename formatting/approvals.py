"""The top-up flow in sentences: what happened to a request, and why an action was refused.

The core (bot/approvals) answers with states and `Refused` data; these are its words. Plain text that may
hold Slack mentions (`<@U..>`): the answer to a click, a modal's inline error, an audit detail. Amounts are
`money`, times `plain_date`, as everywhere else.
"""

from __future__ import annotations

from bot.approvals import LIMITS, Outcome, Refusal, Refused, Resolution, TopupRequest, TopupState
from bot.money import AmountProblem
from formatting.access import reason_text
from formatting.amounts import refused_amount_text
from formatting.money import money
from formatting.telnyx_errors import topup_failure
from formatting.text import plain_date

APPROVE_OWN = "You requested this top-up, so someone else in finance must approve it (four eyes)."
CLOSE_OWN = "You requested this top-up, so someone else in finance must close it (four eyes)."


def refusal_text(refused: Refused) -> str:
    """Why the action was refused, with its numbers."""
    match refused.refusal:
        case Refusal.NOT_ALLOWED:
            return reason_text(refused.decision) if refused.decision is not None else refused.said
        case Refusal.INVALID_AMOUNT:
            if refused.problem is None:  # stored before the refusal was data: bot.money's sentence then
                return refused.said
            maximum = refused.limit if refused.problem is AmountProblem.ABOVE_MAXIMUM else None
            return refused_amount_text(refused.problem, refused.subject, maximum)
        case Refusal.REASON_MISSING:
            return "Give a reason for denying the top-up: the requester sees it."
        case Refusal.REASON_TOO_LONG:
            return f"The reason is too long: at most {refused.count} characters."
        case Refusal.OVER_MAX:
            return f"{money(refused.amount)} is above the limit of {money(refused.limit)} per top-up."
        case Refusal.DAILY_LIMIT:
            amount, used = refused.amount, refused.used
            return (
                f"{money(amount)} would bring the top-ups approved in the last 24 hours to "
                f"{money(used + amount)}, above the daily limit of {money(refused.limit)} "
                f"({money(used)} already approved)."
            )
        case Refusal.TOO_MANY_PENDING:
            cap = refused.count
            return (
                f"You already have {cap} top-up request{'s' if cap != 1 else ''} waiting for finance, "
                "the most the access policy allows. Wait for a decision (or ask finance to deny one) "
                "before asking again."
            )
        case Refusal.UNKNOWN_REQUEST:
            shown = refused.subject[:40]  # ids come from button values: shown shortened
            return f"No top-up request {shown!r} exists: the card may belong to another installation."
        case Refusal.FOUR_EYES:
            return APPROVE_OWN
        case Refusal.FOUR_EYES_CLOSE:
            return CLOSE_OWN


def status_text(request: TopupRequest) -> str:
    """What happened to a request, in a sentence or two: the result of a decision, or the answer to a late click."""
    by = f"<@{request.decided_by}>" if request.decided_by else "someone"
    amount = money(request.amount)
    match request.state:
        case TopupState.PENDING:
            return f"Waiting for approval until {plain_date(request.expires_at)}."
        case TopupState.APPROVED | TopupState.EXECUTING:
            return f"Approved by {by}; the payment of {amount} is being sent."
        case TopupState.SUCCEEDED if request.resolution is Resolution.PAID:
            return (
                f"Approved by {by}; the outcome was unknown, and <@{request.resolved_by}> confirmed it was "
                f"paid: {request.resolution_note}"
            )
        case TopupState.SUCCEEDED:
            return (
                f"Approved by {by} and paid: {amount}, "
                f"transaction {request.transaction_id} ({request.processor_status or 'no status'})."
            )
        case TopupState.FAILED if request.resolution is Resolution.NOT_CHARGED:
            return (
                f"Approved by {by}; the outcome was unknown, and <@{request.resolved_by}> confirmed nothing "
                f"was charged: {request.resolution_note} A new request is needed."
            )
        case TopupState.FAILED:
            return (
                f"Approved by {by}, but Telnyx did not take the payment: {topup_failure(request)} Nothing was "
                "charged. A new request is needed."
            )
        case TopupState.OUTCOME_UNKNOWN:
            return (
                f"Approved by {by}; the payment of {amount} may or may not have been charged "
                f"(outcome unknown: {topup_failure(request)}) Do not pay again: finance must check the payment "
                "history in the Telnyx portal, then close it with Paid or Not charged on the card."
            )
        case TopupState.DENIED:
            return f"Denied by {by}: {request.deny_reason}"
        case TopupState.EXPIRED:
            return (
                f"This request expired at {plain_date(request.expires_at)} without a decision; a new request "
                "is needed."
            )


def outcome_text(outcome: Outcome) -> str:
    """What an approve, deny or close did: why nothing moved, or where the request is now (with the new
    balance after a payment)."""
    request, refused = outcome.request, outcome.refused
    if refused is not None and refused.refusal in LIMITS:  # refused at approval: it stays pending
        return f"Not approved: {refusal_text(refused)} The request stays pending."
    if refused is not None:
        return refusal_text(refused)
    text = status_text(request)
    paid = request.state is TopupState.SUCCEEDED and request.resolution is None
    if outcome.changed and paid and request.new_balance is not None:
        text += f" New balance: {money(request.new_balance)}."
    return text
