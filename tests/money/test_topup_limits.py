"""Limits, checked when a top-up is requested and again when it is approved (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from bot.access import AccessControl
from bot.approvals import Approvals, LimitExceeded, Refusal, Refused, TopupState
from bot.audit_trail import AuditTrail
from formatting.approvals import outcome_text, refusal_text
from formatting.audit_trail import detail_text
from tests.money.conftest import FINANCE, REQUESTER, Clock, Payments

S = TopupState


async def test_above_the_per_topup_limit_is_refused_at_request(
    approvals: Approvals, audit: AuditTrail
) -> None:
    assert (await approvals.request(REQUESTER, "500.00")).state is S.PENDING
    with pytest.raises(LimitExceeded) as caught:
        await approvals.request(REQUESTER, "500.01")
    assert caught.value.refused == Refused(
        Refusal.OVER_MAX, amount=Decimal("500.01"), limit=Decimal("500.00")
    )
    assert refusal_text(caught.value.refused) == "$500.01 is above the limit of $500.00 per top-up."
    refused = (await audit.recent(1))[0]
    assert (refused.actor, refused.action, refused.result) == (REQUESTER, "topup.request", "refused")
    # the audit record keeps the refusal as data; the audit channel shows the same sentence
    assert Refused.from_note(refused.detail) == caught.value.refused
    assert detail_text(refused) == "$500.01 is above the limit of $500.00 per top-up."


async def test_the_daily_limit_counts_approved_and_unknown_but_not_failed_or_pending(
    approvals: Approvals, payments: Payments
) -> None:
    paid = await approvals.request(REQUESTER, "400")
    await approvals.approve(paid.id, FINANCE, payments.ok)
    unknown = await approvals.request(REQUESTER, "300")
    await approvals.approve(unknown.id, FINANCE, payments.unknown)  # may have been charged: it counts
    failed = await approvals.request(REQUESTER, "250")
    await approvals.approve(failed.id, FINANCE, payments.refused)  # nothing charged: it does not
    await approvals.request(REQUESTER, "250")  # pending: not counted until approved
    assert await approvals.daily_used() == Decimal("700.00")

    with pytest.raises(LimitExceeded) as caught:
        await approvals.request(REQUESTER, "300.01")
    assert refusal_text(caught.value.refused) == (
        "$300.01 would bring the top-ups approved in the last 24 hours to $1,000.01, above the daily limit "
        "of $1,000.00 ($700.00 already approved)."
    )
    assert (await approvals.request(REQUESTER, "300.00")).state is S.PENDING


async def test_the_daily_limit_is_checked_again_at_approval(approvals: Approvals, payments: Payments) -> None:
    first, second, third = [await approvals.request(REQUESTER, amount) for amount in ("450", "450", "200")]
    assert (await approvals.approve(first.id, FINANCE, payments.ok)).changed
    assert (await approvals.approve(second.id, FINANCE, payments.ok)).changed
    outcome = await approvals.approve(third.id, FINANCE, payments.ok)
    assert not outcome.changed and outcome.request.state is S.PENDING
    assert outcome_text(outcome) == (
        "Not approved: $200.00 would bring the top-ups approved in the last 24 hours to $1,100.00, above the "
        "daily limit of $1,000.00 ($900.00 already approved). The request stays pending."
    )
    assert payments.sent == [Decimal("450.00"), Decimal("450.00")]


async def test_the_window_rolls(approvals: Approvals, payments: Payments, clock: Clock) -> None:
    early = await approvals.request(REQUESTER, "500")
    await approvals.approve(early.id, FINANCE, payments.ok)
    clock.advance(hours=12)
    late = await approvals.request(REQUESTER, "500")
    await approvals.approve(late.id, FINANCE, payments.ok)
    with pytest.raises(LimitExceeded):
        await approvals.request(REQUESTER, "1")
    clock.advance(hours=12, seconds=1)  # the first approval is now more than 24 h old
    assert await approvals.daily_used() == Decimal("500.00")
    again = await approvals.request(REQUESTER, "500")
    assert (await approvals.approve(again.id, FINANCE, payments.ok)).request.state is S.SUCCEEDED


async def test_a_lower_limit_set_after_the_request_applies_at_approval(
    approvals: Approvals, access: AccessControl, payments: Payments
) -> None:
    request = await approvals.request(REQUESTER, "300")
    access.policy = dataclasses.replace(access.policy, max_topup=Decimal("250.00"))
    outcome = await approvals.approve(request.id, FINANCE, payments.ok)
    assert not outcome.changed and outcome.request.state is S.PENDING
    assert outcome_text(outcome) == (
        "Not approved: $300.00 is above the limit of $250.00 per top-up. The request stays pending."
    )
    assert payments.sent == []
