"""Telnyx errors are data in the core and words only here: every kind, check and doubt has its words, and
an error stored as data (a top-up's failure, a queued digest) is told again in the same words."""

from __future__ import annotations

import json

import pytest

from bot.errors import (
    Check,
    Doubt,
    FieldProblem,
    Kind,
    PaymentNotCharged,
    PaymentOutcomeUnknown,
    TelnyxError,
    TelnyxInvalidInput,
    TelnyxNetworkError,
    TelnyxNotFound,
    TelnyxRateLimited,
    TelnyxUnavailable,
    error_from_data,
)
from formatting import telnyx_errors as words

SIMPLE_KINDS = [k for k in Kind if k not in (Kind.PAYMENT_NOT_CHARGED, Kind.PAYMENT_OUTCOME_UNKNOWN)]
FACTS = {"value": "faxes", "what": "invoice", "maximum": "250", "days": "31"}


def every_error() -> list[TelnyxError]:
    """One of each shape the gateway and the state machine raise."""
    errors: list[TelnyxError] = [TelnyxError(kind, subject="balance", status=500) for kind in SIMPLE_KINDS]
    errors += [
        TelnyxNotFound(subject="invoice", status=404, item_id="48eff763-ea80-4345-9a0c-2c2b1c2a9e01"),
        TelnyxInvalidInput(
            status=422, problems=[FieldProblem(title="Required", field="amount", code="10015")]
        ),
        TelnyxInvalidInput(problems=[FieldProblem(field="sort", check=Check.SORT)]),
        TelnyxRateLimited(retry_after=2.2),
        PaymentNotCharged(TelnyxNetworkError(Kind.NOT_CONNECTED, subject="payment"), sent=False),
        PaymentNotCharged(TelnyxInvalidInput(status=422, problems=[FieldProblem(title="Bad")]), sent=True),
        PaymentNotCharged(TelnyxUnavailable(status=403), sent=True),
    ]
    errors += [PaymentOutcomeUnknown(d, status=502, seconds=2.5, error_type="RuntimeError") for d in Doubt]
    return errors


@pytest.mark.parametrize("kind", SIMPLE_KINDS)
def test_every_kind_has_its_own_message_and_a_hint(kind: Kind) -> None:
    err = TelnyxError(kind, subject="charges breakdown", status=418)
    said = words.message(err)
    assert said.endswith(".") and "{" not in said and "?" not in said
    assert words.hint(err)
    if kind is not Kind.ERROR:
        assert said != words.message(TelnyxError()), f"{kind} falls back to the generic sentence"


@pytest.mark.parametrize("check", list(Check))
def test_every_input_check_has_words_with_its_facts_filled(check: Check) -> None:
    problem = FieldProblem(field="x", check=check, facts=FACTS)
    title = words.problem_title(problem)
    assert title and "{" not in title and "?" not in title
    assert "{" not in words.problem_detail(problem)


@pytest.mark.parametrize("doubt", list(Doubt))
def test_every_doubt_says_the_payment_may_have_gone_out_and_never_not_charged(doubt: Doubt) -> None:
    err = PaymentOutcomeUnknown(doubt, status=500, seconds=10, error_type="OSError")
    said = words.payment_failure(err)
    assert "nothing was charged" not in said.lower() and "{" not in said
    assert any(
        w in said for w in ("may or may not have been charged", "may have gone out", "No answer was stored")
    )
    assert "Do not retry" in words.hint(err)


@pytest.mark.parametrize("err", every_error(), ids=lambda e: type(e).__name__)
def test_an_error_stored_as_json_is_told_again_in_the_same_words(err: TelnyxError) -> None:
    stored = json.loads(json.dumps(err.to_data()))  # as the database or the outbox keeps it
    again = error_from_data(stored)
    assert isinstance(again, type(err)) and again.kind is err.kind and again.status == err.status
    assert (words.message(again), words.hint(again)) == (words.message(err), words.hint(err))
    if isinstance(err, PaymentNotCharged | PaymentOutcomeUnknown):
        assert words.stored_failure(stored, None) == words.payment_failure(err)


def test_the_words_are_the_ones_users_have_always_read() -> None:
    """Pinned: moving the sentences out of the core changed none of them."""
    assert words.message(TelnyxError(Kind.TIMEOUT, subject="balance")) == (
        "Telnyx did not answer in time about the balance."
    )
    assert words.message(TelnyxNotFound(subject="invoice")) == "Telnyx has no such invoice."
    assert words.message(TelnyxNotFound()) == "Telnyx has no such record."
    assert words.message(PaymentOutcomeUnknown(Doubt.HTTP_STATUS, status=500)) == (
        "Telnyx answered the payment with HTTP 500, which does not say whether it went through: the amount "
        "may or may not have been charged. Do not retry: first check the payment history and the balance in "
        "the Telnyx portal (Billing)."
    )
    assert words.message(PaymentOutcomeUnknown(Doubt.DEADLINE, seconds=0.5)).startswith(
        "The payment was sent to Telnyx, but no complete answer came within 0.5 s: "
    )
    refused = TelnyxInvalidInput(
        status=422, problems=[FieldProblem(title="Invalid amount format", detail="x.")]
    )
    assert words.message(PaymentNotCharged(refused, sent=True)) == (
        "Telnyx refused the payment, so nothing was charged. Telnyx said: Invalid amount format: x."
    )
    assert words.hint(TelnyxRateLimited(retry_after=2.2)) == "Wait 3 s and try again."


def test_data_the_code_does_not_know_reads_as_a_plain_error_not_a_crash() -> None:
    odd = error_from_data({"kind": "from_a_newer_bot", "status": "x"})
    assert type(odd) is TelnyxError and odd.kind is Kind.ERROR and odd.status is None
    assert words.message(odd) == "Telnyx answered with an error."
    doubt = error_from_data({"kind": "payment_outcome_unknown", "doubt": "from_a_newer_bot"})
    assert isinstance(doubt, PaymentOutcomeUnknown) and "may or may not" in words.message(doubt)


def test_legacy_words_are_kept_when_no_data_was_stored() -> None:
    assert words.stored_failure(None, "Whatever an older bot wrote.") == "Whatever an older bot wrote."
    assert words.stored_failure(None, None) is None
