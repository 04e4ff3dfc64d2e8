"""The top-up flow's words: every refusal and outcome the core returns as data, said in one place."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.access import Decision, Permission, Verdict
from bot.approvals import (
    InvalidAmount,
    Outcome,
    Refusal,
    Refused,
    Resolution,
    TopupRequest,
    TopupState,
    parse_amount,
)
from bot.audit_trail import DENIED, AuditRecord
from bot.errors import Doubt, PaymentOutcomeUnknown
from bot.money import AmountProblem
from formatting.approvals import APPROVE_OWN, CLOSE_OWN, outcome_text, refusal_text, status_text
from formatting.audit_trail import audit_record_blocks, detail_text

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PENDING = TopupRequest("r1", Decimal("200.00"), "USD", "", "U0REQ", TopupState.PENDING, T0, T0.replace(day=4))
D = Decimal

SAID = [
    (
        Refused(Refusal.NOT_ALLOWED, said="You cannot approve or deny top-ups."),
        "You cannot approve or deny top-ups.",
    ),
    (
        Refused(Refusal.INVALID_AMOUNT, said='"abc" is not an amount.'),
        '"abc" is not an amount.',
    ),  # stored before
    (
        Refused(Refusal.INVALID_AMOUNT, subject="abc", problem=AmountProblem.NOT_DIGITS),
        '"abc" is not an amount: write it in digits, e.g. 150, 150.50 or 1,234.56.',
    ),
    (
        Refused(
            Refusal.INVALID_AMOUNT,
            subject="1000000000",
            limit=D("999999999.99"),
            problem=AmountProblem.ABOVE_MAXIMUM,
        ),
        '"1000000000" is too large: amounts are at most $999,999,999.99.',
    ),
    (
        Refused(Refusal.INVALID_AMOUNT, problem=AmountProblem.EMPTY),
        "No amount given: write one in digits, e.g. 150, 150.50 or 1,234.56.",
    ),
    (Refused(Refusal.REASON_MISSING), "Give a reason for denying the top-up: the requester sees it."),
    (Refused(Refusal.REASON_TOO_LONG, count=500), "The reason is too long: at most 500 characters."),
    (
        Refused(Refusal.OVER_MAX, amount=D("1500.00"), limit=D("1000.00")),
        "$1,500.00 is above the limit of $1,000.00 per top-up.",
    ),
    (
        Refused(Refusal.DAILY_LIMIT, amount=D("300.01"), limit=D("1000.00"), used=D("700.00")),
        "$300.01 would bring the top-ups approved in the last 24 hours to $1,000.01, above the daily limit of "
        "$1,000.00 ($700.00 already approved).",
    ),
    (
        Refused(Refusal.TOO_MANY_PENDING, count=1),
        "You already have 1 top-up request waiting for finance, the most the access policy allows. Wait for "
        "a decision (or ask finance to deny one) before asking again.",
    ),
    (
        Refused(Refusal.TOO_MANY_PENDING, count=3),
        "You already have 3 top-up requests waiting for finance, the most the access policy allows. Wait for "
        "a decision (or ask finance to deny one) before asking again.",
    ),
    (
        Refused(Refusal.UNKNOWN_REQUEST, subject="x" * 64),
        f"No top-up request {'x' * 40!r} exists: the card may belong to another installation.",
    ),
    (Refused(Refusal.FOUR_EYES), APPROVE_OWN),
    (Refused(Refusal.FOUR_EYES_CLOSE), CLOSE_OWN),
]


@pytest.mark.parametrize(("refused", "words"), SAID)
def test_each_refusal_in_words(refused: Refused, words: str) -> None:
    assert refusal_text(refused) == words


def test_every_refusal_has_words() -> None:
    assert {refused.refusal for refused, _ in SAID} == set(Refusal)


@pytest.mark.parametrize("refused", [refused for refused, _ in SAID])
def test_a_refusal_survives_the_audit_record(refused: Refused) -> None:
    assert Refused.from_note(refused.note()) == refused
    record = AuditRecord(1, T0, "U0REQ", "topup.request", "topup", None, None, "refused", refused.note())
    assert detail_text(record) == refusal_text(refused)


def test_a_refused_amount_is_stored_as_data_and_said_as_before() -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("12.345")
    refused = caught.value.refused
    assert refused == Refused(
        Refusal.INVALID_AMOUNT, subject="12.345", problem=AmountProblem.TOO_PRECISE_THOUSANDS
    )
    assert json.loads(refused.note()) == {
        "refusal": "invalid_amount",
        "subject": "12.345",
        "problem": "too_precise_thousands",
    }
    assert refusal_text(refused) == (
        '"12.345" has more than two decimals: amounts are in whole cents, e.g. 150.50; write thousands as 1,000.'
    )


def test_a_refused_amount_stored_in_words_by_an_older_bot_still_reads() -> None:
    said = '"5,00" is not an amount: use a dot for cents and commas only between groups of three digits, e.g. 150.'
    note = json.dumps({"refusal": "invalid_amount", "said": said}, separators=(",", ":"))
    assert Refused.from_note(note) == Refused(Refusal.INVALID_AMOUNT, said=said)
    record = AuditRecord(1, T0, "U0REQ", "topup.request", "topup", None, None, "refused", note)
    assert detail_text(record) == said


def test_an_amount_problem_this_bot_does_not_know_is_shown_as_written() -> None:
    note = '{"refusal":"invalid_amount","subject":"5","problem":"from_a_newer_bot"}'
    assert Refused.from_note(note) is None
    assert (
        detail_text(AuditRecord(1, T0, "U0", "topup.request", "topup", None, None, "refused", note)) == note
    )


@pytest.mark.parametrize("detail", ["four eyes: own request", "", "42", "[]", '{"refusal": "nope"}', "{"])
def test_other_details_are_shown_as_written(detail: str) -> None:
    assert Refused.from_note(detail) is None
    assert (
        detail_text(AuditRecord(1, T0, "U0", "topup.request", "topup", None, None, "refused", detail))
        == detail
    )


def test_a_refusal_in_the_audit_channel_reads_as_before() -> None:
    refused = Refused(Refusal.OVER_MAX, amount=D("500.01"), limit=D("500.00"))
    record = AuditRecord(7, T0, "U0REQ", "topup.request", "topup", None, None, "refused", refused.note())
    text = audit_record_blocks(record)[0].text.text  # type: ignore[attr-defined]
    assert text.endswith("_$500.01 is above the limit of $500.00 per top-up._")


def test_a_limit_at_approval_leaves_the_request_pending() -> None:
    refused = Refused(Refusal.OVER_MAX, amount=D("300.00"), limit=D("250.00"))
    assert outcome_text(Outcome(PENDING, False, refused)) == (
        "Not approved: $300.00 is above the limit of $250.00 per top-up. The request stays pending."
    )
    assert outcome_text(Outcome(PENDING, False, Refused(Refusal.FOUR_EYES))) == APPROVE_OWN


def test_an_outcome_without_refusal_says_where_the_request_is() -> None:
    paid = dataclasses.replace(
        PENDING,
        state=TopupState.SUCCEEDED,
        decided_by="U0FIN",
        transaction_id="txn_1",
        processor_status="settled",
        new_balance=D("742.10"),
    )
    said = "Approved by <@U0FIN> and paid: $200.00, transaction txn_1 (settled)."
    assert outcome_text(Outcome(paid, True)) == said + " New balance: $742.10."
    assert outcome_text(Outcome(paid, False)) == said == status_text(paid)  # a late click: no balance
    closed = dataclasses.replace(paid, resolution=Resolution.PAID, resolved_by="U0FIN2", resolution_note="ok")
    assert outcome_text(Outcome(closed, True)) == (
        "Approved by <@U0FIN>; the outcome was unknown, and <@U0FIN2> confirmed it was paid: ok"
    )
    assert outcome_text(Outcome(PENDING, False)) == "Waiting for approval until 2025-03-04 09:00 UTC."


def test_a_payment_failure_stored_as_data_reads_as_words_in_the_audit_channel() -> None:
    failure = PaymentOutcomeUnknown(Doubt.HTTP_STATUS, status=502).to_data()
    after = {"state": "outcome_unknown", "failure": failure}
    record = AuditRecord(
        8, T0, "U0FIN", "topup.outcome_unknown", "topup x", {"state": "executing"}, after, "ok", ""
    )
    text = audit_record_blocks(record)[0].text.text  # type: ignore[attr-defined]
    assert "failure: — → Telnyx answered the payment with HTTP 502, which does not say" in text
    assert '"doubt"' not in text and "http_status" not in text  # never the data itself


def test_an_access_denial_is_kept_as_data_and_an_older_one_as_written() -> None:
    decision = Decision(False, Permission.APPROVE_TOPUP, Verdict.NO_ROLE, roles=("finance", "admin"))
    record = AuditRecord(9, T0, "U0X", "denied: approve_topup", "topup", None, None, DENIED, decision.note())
    said = (
        "You cannot approve or deny top-ups: that needs the finance or admin role in the bot's access policy."
    )
    assert detail_text(record).startswith(said)
    older = dataclasses.replace(record, detail="no role grants approve_topup")
    assert detail_text(older) == "no role grants approve_topup"
    refused = Refused(Refusal.NOT_ALLOWED, decision=decision)  # a refused top-up action keeps it too
    assert Refused.from_note(refused.note()) == refused and refusal_text(refused).startswith(said)
    assert refusal_text(Refused(Refusal.NOT_ALLOWED, said="Words an older bot stored.")) == (
        "Words an older bot stored."
    )
