"""The top-up state machine on SQLite and PostgreSQL: request, approve and pay once, deny, expiry,
four eyes, late clicks, payment failures that are never retried."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.access import AccessControl, Permission
from bot.approvals import (
    AccessDenied,
    Approvals,
    InvalidAmount,
    InvalidReason,
    TopupState,
    UnknownRequest,
    parse_amount,
)
from bot.approvals.ledger import CARD
from bot.audit_trail import AuditTrail
from bot.models import PaymentResult
from bot.outbox import Delivery, Outbox
from bot.store import Store
from formatting.approvals import outcome_text, refusal_text
from formatting.telnyx_errors import topup_failure
from tests.money.conftest import (
    ADMIN,
    FINANCE,
    FINANCE_2,
    GROUP_FINANCE,
    GROUP_REQUESTER,
    REQUESTER,
    VIEWER,
    Clock,
    Payments,
    balance_after,
)

S = TopupState


def states(history: list) -> list[tuple[str | None, str, str]]:
    return [(t.from_state, t.to_state, t.actor) for t in history]


async def test_a_request_is_stored_pending_until_its_expiry(approvals: Approvals, clock: Clock) -> None:
    request = await approvals.request(REQUESTER, "120.5", "  Q2 campaign  ")
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", request.id)
    assert (request.amount, request.currency, request.reason, request.state) == (
        Decimal("120.50"),
        "USD",
        "Q2 campaign",
        S.PENDING,
    )
    assert request.created_at == clock.now and request.expires_at == clock.now + timedelta(hours=24)
    assert await approvals.get(request.id) == request
    assert states(await approvals.history(request.id)) == [(None, S.PENDING, REQUESTER)]
    other = await approvals.request(GROUP_REQUESTER, Decimal("10"))  # a requester through a user group
    assert other.id != request.id and other.reason == ""


@pytest.mark.parametrize("user", [VIEWER, FINANCE])
async def test_who_cannot_request_gets_the_reason_and_nothing_is_stored(
    approvals: Approvals, audit: AuditTrail, user: str
) -> None:
    with pytest.raises(AccessDenied) as caught:
        await approvals.request(user, "50")
    assert refusal_text(caught.value.refused).startswith("You cannot request top-ups")
    assert caught.value.decision.permission is Permission.REQUEST_TOPUP
    [record] = await audit.recent()
    assert (record.actor, record.action, record.result) == (user, "denied: request_topup", "denied")
    assert await approvals.daily_used() == 0


@pytest.mark.parametrize("text", ["0", "-5", "12.345", "abc", "", "NaN", "Infinity", "1e12", "$"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert re.search(
        "is not an amount|more than two decimals|No amount given", refusal_text(caught.value.refused)
    )


async def test_a_bad_amount_stores_nothing(approvals: Approvals, audit: AuditTrail) -> None:
    with pytest.raises(InvalidAmount) as caught:
        await approvals.request(REQUESTER, "12.345")
    assert refusal_text(caught.value.refused).startswith('"12.345" has more than two decimals')
    assert await audit.recent() == []


def test_amounts_as_people_type_them() -> None:
    assert parse_amount("$1,200.5") == Decimal("1200.50")
    assert parse_amount(" 75 USD ") == Decimal("75.00")
    assert parse_amount(Decimal("0.01")) == Decimal("0.01")


async def test_approve_pays_once_and_records_the_result(approvals: Approvals, payments: Payments) -> None:
    request = await approvals.request(REQUESTER, "120.50")
    outcome = await approvals.approve(request.id, GROUP_FINANCE, payments.ok, balance=balance_after)
    assert outcome.changed
    done = outcome.request
    assert (done.state, done.decided_by, done.transaction_id, done.processor_status, done.new_balance) == (
        S.SUCCEEDED,
        GROUP_FINANCE,
        "txn_1",
        "settled",
        Decimal("742.10"),
    )
    assert outcome_text(outcome) == (
        "Approved by <@U0GFIN> and paid: $120.50, transaction txn_1 (settled). New balance: $742.10."
    )
    assert payments.sent == [Decimal("120.50")]
    assert states(await approvals.history(request.id)) == [
        (None, S.PENDING, REQUESTER),
        (S.PENDING, S.EXECUTING, GROUP_FINANCE),
        (S.EXECUTING, S.SUCCEEDED, GROUP_FINANCE),
    ]

    # a second click on the old card, by the same person or another: what happened, no second payment
    for clicker in (GROUP_FINANCE, FINANCE_2):
        again = await approvals.approve(request.id, clicker, payments.ok)
        assert not again.changed and outcome_text(again).startswith("Approved by <@U0GFIN> and paid: $120.50")
    late_deny = await approvals.deny(request.id, FINANCE_2, "too late")
    assert not late_deny.changed and late_deny.request.state is S.SUCCEEDED
    assert payments.sent == [Decimal("120.50")]


async def test_four_eyes_the_requester_cannot_approve(
    approvals: Approvals, payments: Payments, audit: AuditTrail
) -> None:
    own = await approvals.request(ADMIN, "80")  # admin may request and approve, but never both on one
    outcome = await approvals.approve(own.id, ADMIN, payments.ok)
    assert not outcome.changed and outcome.request.state is S.PENDING
    assert "someone else in finance must approve it" in outcome_text(outcome)
    assert (await audit.recent(1))[0].detail == "four eyes: own request"

    mine = await approvals.request(REQUESTER, "80")
    refused = await approvals.approve(mine.id, REQUESTER, payments.ok)  # not finance at all
    assert not refused.changed and outcome_text(refused).startswith("You cannot approve or deny top-ups")
    assert payments.sent == []
    assert (await approvals.approve(own.id, FINANCE, payments.ok)).request.state is S.SUCCEEDED


async def test_a_viewer_cannot_approve_deny_or_edit(
    approvals: Approvals, access: AccessControl, payments: Payments, audit: AuditTrail
) -> None:
    request = await approvals.request(REQUESTER, "99.99")
    approve = await approvals.approve(request.id, VIEWER, payments.ok)
    deny = await approvals.deny(request.id, VIEWER, "no")
    for outcome in (approve, deny):
        assert not outcome.changed
        assert outcome_text(outcome).startswith(
            "You cannot approve or deny top-ups: that needs the finance or admin role"
        )
    assert not (await access.check(VIEWER, Permission.CHANGE_AUTORECHARGE)).allowed
    assert (await approvals.get(request.id)).state is S.PENDING  # type: ignore[union-attr]
    assert payments.sent == []
    denials = [r for r in await audit.recent() if r.actor == VIEWER]
    assert [(r.action, r.target) for r in denials] == [("denied: approve_topup", f"topup {request.id}")] * 2


@pytest.mark.parametrize(
    ("pay", "state", "error"),
    [
        ("refused", S.FAILED, "Telnyx refused the payment, so nothing was charged."),
        # any other Telnyx error mid-payment proves nothing: it is a doubt, said with its consequence
        (
            "unavailable",
            S.OUTCOME_UNKNOWN,
            "An unexpected error happened while the payment was being sent to Telnyx: the amount may or may not",
        ),
        ("unknown", S.OUTCOME_UNKNOWN, "The payment was sent to Telnyx, but no answer came back"),
    ],
)
async def test_payment_failures_are_recorded_and_never_retried(
    approvals: Approvals, payments: Payments, pay: str, state: TopupState, error: str
) -> None:
    request = await approvals.request(REQUESTER, "200")
    outcome = await approvals.approve(request.id, FINANCE, getattr(payments, pay), balance=balance_after)
    assert outcome.changed and outcome.request.state is state
    said = topup_failure(outcome.request)
    assert said and said.startswith(error) and outcome.request.error is None  # stored as data, not words
    assert outcome.request.transaction_id is None and outcome.request.new_balance is None
    for clicker in (FINANCE, FINANCE_2):
        again = await approvals.approve(request.id, clicker, payments.ok)
        assert not again.changed and again.request.state is state
    assert payments.sent == [Decimal("200.00")]  # one attempt, whatever happened
    expected = "A new request is needed." if state is S.FAILED else "Do not pay again: finance must check"
    assert expected in outcome_text(again)
    assert payments.keys == [request.id]  # the request's id is the payment's Idempotency-Key


async def test_an_unexpected_error_while_paying_counts_as_outcome_unknown(approvals: Approvals) -> None:
    async def broken(amount: Decimal, *, idempotency_key: str):
        raise RuntimeError("socket closed after the body was sent")

    request = await approvals.request(REQUESTER, "10")
    outcome = await approvals.approve(request.id, FINANCE, broken)
    assert outcome.request.state is S.OUTCOME_UNKNOWN
    assert topup_failure(outcome.request) == (
        "Unexpected error while sending (RuntimeError): the payment may have gone out."
    )


async def test_a_click_during_the_payment_hears_it_is_being_sent_and_a_stop_mid_payment_is_outcome_unknown(
    approvals: Approvals,
) -> None:
    sending = asyncio.Event()
    sent: list[Decimal] = []

    async def hangs(amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        sent.append(amount)
        sending.set()
        await asyncio.Event().wait()  # Telnyx never answers
        raise AssertionError("unreachable")

    request = await approvals.request(REQUESTER, "70")
    first = asyncio.create_task(approvals.approve(request.id, FINANCE, hangs))
    await sending.wait()
    second = await approvals.approve(request.id, FINANCE_2, hangs)
    assert not second.changed and second.request.state is S.EXECUTING
    assert outcome_text(second) == "Approved by <@U0FIN1>; the payment of $70.00 is being sent."

    first.cancel()  # the bot is stopped while waiting for Telnyx
    with pytest.raises(asyncio.CancelledError):
        await first
    stopped = await approvals.get(request.id)
    assert stopped is not None and stopped.state is S.OUTCOME_UNKNOWN
    assert topup_failure(stopped) == "No answer was stored: the bot stopped while the payment was being sent."
    assert sent == [Decimal("70.00")]


async def test_deny_needs_a_reason_and_ends_the_request(approvals: Approvals, payments: Payments) -> None:
    request = await approvals.request(REQUESTER, "300")
    with pytest.raises(InvalidReason) as missing:
        await approvals.deny(request.id, FINANCE, "   ")
    assert (
        refusal_text(missing.value.refused) == "Give a reason for denying the top-up: the requester sees it."
    )
    with pytest.raises(InvalidReason) as too_long:
        await approvals.deny(request.id, FINANCE, "x" * 501)
    assert refusal_text(too_long.value.refused) == "The reason is too long: at most 500 characters."
    assert (await approvals.get(request.id)).state is S.PENDING  # type: ignore[union-attr]

    outcome = await approvals.deny(request.id, FINANCE, "Budget is frozen until April")
    assert outcome.changed
    assert (outcome.request.state, outcome.request.deny_reason, outcome.request.decided_by) == (
        S.DENIED,
        "Budget is frozen until April",
        FINANCE,
    )
    assert outcome_text(outcome) == "Denied by <@U0FIN1>: Budget is frozen until April"
    late = await approvals.approve(request.id, FINANCE_2, payments.ok)
    assert not late.changed and outcome_text(late) == outcome_text(outcome)
    assert payments.sent == []
    assert states(await approvals.history(request.id))[-1] == (S.PENDING, S.DENIED, FINANCE)


async def test_the_requester_may_withdraw_their_own_request(approvals: Approvals) -> None:
    request = await approvals.request(ADMIN, "40")
    assert (await approvals.deny(request.id, ADMIN, "typo in the amount")).request.state is S.DENIED


async def test_after_the_ttl_a_request_can_no_longer_be_approved(
    approvals: Approvals, payments: Payments, clock: Clock
) -> None:
    request = await approvals.request(REQUESTER, "50")
    clock.advance(hours=24)
    outcome = await approvals.approve(request.id, FINANCE, payments.ok)
    assert not outcome.changed and outcome.request.state is S.EXPIRED
    assert (
        outcome_text(outcome)
        == "This request expired at 2025-03-04 09:00 UTC without a decision; a new request is needed."
    )
    assert payments.sent == []
    assert states(await approvals.history(request.id))[-1] == (S.PENDING, S.EXPIRED, "system")
    assert not (await approvals.deny(request.id, FINANCE, "late")).changed


async def test_just_before_the_ttl_it_still_can(
    approvals: Approvals, payments: Payments, clock: Clock
) -> None:
    request = await approvals.request(REQUESTER, "50")
    clock.advance(hours=23, minutes=59)
    assert (await approvals.approve(request.id, FINANCE, payments.ok)).request.state is S.SUCCEEDED


async def test_deny_after_the_ttl_expires_instead(approvals: Approvals, clock: Clock) -> None:
    request = await approvals.request(REQUESTER, "50")
    clock.advance(days=2)
    outcome = await approvals.deny(request.id, FINANCE, "stale")
    assert not outcome.changed and outcome.request.state is S.EXPIRED and outcome.request.deny_reason is None


async def test_the_sweeper_expires_only_what_is_due(approvals: Approvals, clock: Clock) -> None:
    old = await approvals.request(REQUESTER, "10")
    clock.advance(hours=12)
    fresh = await approvals.request(REQUESTER, "20")
    clock.advance(hours=12)
    expired = await approvals.expire_due()
    assert [r.id for r in expired] == [old.id] and expired[0].state is S.EXPIRED
    assert (await approvals.get(fresh.id)).state is S.PENDING  # type: ignore[union-attr]
    assert await approvals.expire_due() == []


async def test_the_card_location_is_kept(approvals: Approvals) -> None:
    request = await approvals.request(REQUESTER, "10")
    await approvals.attach_card(request.id, "C0APPROVALS", "1700000000.000100")
    stored = await approvals.get(request.id)
    assert stored is not None and (stored.channel, stored.message_ts) == ("C0APPROVALS", "1700000000.000100")


async def test_unknown_ids_are_answered(approvals: Approvals, payments: Payments) -> None:
    assert await approvals.get("nope") is None
    for call in (
        approvals.approve("nope", FINANCE, payments.ok),
        approvals.deny("nope", FINANCE, "x"),
        approvals.attach_card("nope", "C0APPROVALS", "1.2"),
    ):
        with pytest.raises(UnknownRequest) as caught:
            await call
        assert refusal_text(caught.value.refused) == (
            "No top-up request 'nope' exists: the card may belong to another installation."
        )


async def test_a_card_attached_after_the_decision_is_redrawn_then(
    store: Store, access: AccessControl, clock: Clock, audit: AuditTrail, payments: Payments
) -> None:
    # Approve lands between posting the card and storing where it is: the approval's redraw finds no
    # card. Storing the card's place afterwards must queue the redraw, or the card says "waiting" for ever.
    box = Outbox(store)
    approvals = Approvals(store, access, now=clock, audit=audit, outbox=box)
    cards: list[str] = []

    async def deliver(row: Delivery) -> None:
        if row.kind == CARD:
            request = await approvals.get(str(row.payload["id"]))
            assert request is not None
            if request.message_ts:  # what handlers/deliveries.py does: no card yet, nothing to redraw
                cards.append(request.state.value)

    box.set_deliverer(deliver)
    request = await approvals.request(REQUESTER, "10")
    await approvals.approve(request.id, FINANCE, payments.ok)
    await box.drain()
    assert cards == []  # every redraw so far found no card
    await approvals.attach_card(request.id, "C0APPROVALS", "1700000000.000100")
    await box.drain()
    assert cards == [S.SUCCEEDED.value]
    # a card attached while still pending needs no redraw: it was just drawn
    pending = await approvals.request(REQUESTER, "11")
    await approvals.attach_card(pending.id, "C0APPROVALS", "1700000000.000200")
    await box.drain()
    assert cards == [S.SUCCEEDED.value]
