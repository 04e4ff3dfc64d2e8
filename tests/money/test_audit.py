"""The bot's audit trail: who, what, when, before/after, result; written with the change, published after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.approvals import Approvals
from bot.audit_trail import AuditRecord, AuditTrail
from bot.store import Store
from tests.money.conftest import ADMIN, FINANCE, REQUESTER, VIEWER, Clock, Payments


async def test_a_change_is_recorded_with_before_and_after(audit: AuditTrail, clock: Clock) -> None:
    record = await audit.record(
        ADMIN,
        "autorecharge.change",
        "auto_recharge",
        before={"enabled": False, "threshold_amount": Decimal("100.00")},
        after={"enabled": True, "threshold_amount": Decimal("250.00")},
    )
    denial = await audit.record_denial(VIEWER, "change_autorecharge", "auto_recharge", "no role grants it")
    assert await audit.recent() == [denial, record]
    assert record == AuditRecord(
        id=record.id,
        at=clock.now,
        actor=ADMIN,
        action="autorecharge.change",
        target="auto_recharge",
        before={"enabled": False, "threshold_amount": "100.00"},
        after={"enabled": True, "threshold_amount": "250.00"},
        result="ok",
    )
    assert (denial.action, denial.result, denial.detail) == (
        "denied: change_autorecharge",
        "denied",
        "no role grants it",
    )
    assert await audit.recent(1) == [denial]


async def test_a_record_is_part_of_the_transaction_of_its_change(audit: AuditTrail, store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as session:
            await audit.add(session, ADMIN, "autorecharge.change", "auto_recharge", None, None, "ok")
            raise RuntimeError("the change failed")
    assert await audit.recent() == []


async def test_subscribers_get_each_committed_record_in_order(
    approvals: Approvals, audit: AuditTrail, payments: Payments
) -> None:
    seen: list[tuple[str, bool]] = []

    async def post_to_audit_channel(record: AuditRecord) -> None:
        committed = any(r.id == record.id for r in await audit.recent(20))
        seen.append((record.action, committed))

    async def broken(record: AuditRecord) -> None:
        raise ConnectionError("Slack is down")

    audit.subscribe(broken)  # a failing subscriber neither blocks the others nor the payment
    audit.subscribe(post_to_audit_channel)
    request = await approvals.request(REQUESTER, "60")
    await approvals.approve(request.id, VIEWER, payments.ok)
    outcome = await approvals.approve(request.id, FINANCE, payments.ok)
    assert outcome.changed and payments.sent == [Decimal("60.00")]
    assert seen == [
        ("topup.request", True),
        ("denied: approve_topup", True),
        ("topup.approve", True),
        ("topup.execute", True),
        ("topup.succeeded", True),
    ]
