"""Workflow Builder steps in data and words: the outputs a step completes with, and why a step failed.

Outputs are what the manifest's `output_parameters` declare (a test checks them against it): amounts as
numbers (Workflow Builder compares and shows them; two-place Decimals survive the trip as JSON numbers),
the currency and states as short strings. A failure is one plain sentence or two: Workflow Builder shows
it to the people running and managing the workflow.
"""

from __future__ import annotations

from decimal import Decimal

from bot.access import Decision
from bot.approvals import Refusal, Refused, TopupRequest, TopupState
from bot.models import Balance
from bot.runway import Runway
from formatting.access import denied_text
from formatting.approvals import refusal_text, status_text
from formatting.money import money
from formatting.text import clip_mrkdwn

MAX_ERROR = 1000  # a failure's text: a sentence or two, clipped should a reason run long
PAID = "paid"  # the `state` output of a completed top-up step
NO_USER = (
    "This step needs the person running the workflow: set its “Person” input to “Person who used this "
    "workflow”. Their Telnyx roles decide what the step may do."
)
SORRY = (
    "Something went wrong on the Telnyx bot's side. It has been logged; run the workflow again in a minute."
)
VIEW = "read the Telnyx balance"
REQUEST = "request a top-up"


def _number(amount: Decimal) -> float:
    """A JSON number for an output (the Web API takes JSON, which has no decimal type)."""
    return float(amount)


def balance_outputs(balance: Balance, forecast: Runway) -> dict[str, object]:
    """Get Telnyx balance: balance, available credit, currency, and the runway when there is one.

    `runway_days` (days until available credit reaches zero, one decimal) is left out when there is no
    forecast: no balance history and no charges to go on, or nothing being spent (it never runs out).
    `runway_basis` says what the forecast rests on: history, charges or none.
    """
    outputs: dict[str, object] = {
        "balance": _number(balance.balance),
        "available_credit": _number(balance.available_credit),
        "currency": balance.currency,
        "runway_basis": forecast.spend.basis.value,
    }
    if forecast.days_to_zero is not None:
        outputs["runway_days"] = _number(forecast.days_to_zero)
    return outputs


def topup_outputs(request: TopupRequest) -> dict[str, object]:
    """Request a Telnyx top-up, once paid: the request's id, its state, the amount and Telnyx's transaction."""
    outputs: dict[str, object] = {
        "request_id": request.id,
        "state": PAID,
        "amount": _number(request.amount),
    }
    if request.transaction_id:
        outputs["transaction_id"] = request.transaction_id
    return outputs


def _clip(text: str) -> str:
    return clip_mrkdwn(text, MAX_ERROR)


def ended_text(request: TopupRequest) -> str:
    """Why a top-up step failed once its request ended without being paid (denied, expired, failed,
    outcome unknown), naming the request."""
    head = f"Top-up request {request.id} for {money(request.amount)} was not paid."
    if request.state is TopupState.OUTCOME_UNKNOWN:
        head = f"Top-up request {request.id} for {money(request.amount)}: the outcome is unknown."
    return _clip(f"{head} {status_text(request)}")


def denied_step_text(what: str, decision: Decision) -> str:
    """The running user may not do what the step does."""
    return _clip(denied_text(what, decision))


def refused_text(refused: Refused, max_topup: Decimal) -> str:
    """A top-up refused before anything was stored: the rule, with what is accepted for an amount."""
    text = refusal_text(refused)
    if refused.refusal in (Refusal.INVALID_AMOUNT, Refusal.OVER_MAX):
        text += (
            f" Accepted: USD with at most two decimals, up to {money(max_topup)} and the daily limit, "
            "e.g. 150.00. Nothing was requested."
        )
    elif refused.refusal is not Refusal.NOT_ALLOWED:
        text += " Nothing was requested."
    return _clip(text)


def card_not_posted_text(request: TopupRequest, channel: str, error: str) -> str:
    """The request was stored, but its approval card could not be posted: finance does not know of it."""
    return _clip(
        f"Top-up request {request.id} was stored, but finance was not told: the approval card could not be "
        f"posted in <#{channel}> ({error}). Ask an admin to invite the bot there, then run the workflow again."
    )
