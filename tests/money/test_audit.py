"""The bot's audit trail: who, what, when, before/after, result; written with the change, published after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.access import AccessControl
from bot.approvals import Approvals
from bot.audit_trail import AUDIT_POST, AuditRecord, AuditTrail
from bot.outbox import Delivery, Outbox
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


async def test_audit_channel_posts_are_queued_with_each_record_and_delivered_in_order_after_the_change(
    store: Store, access: AccessControl, clock: Clock, payments: Payments
) -> None:
    outbox = Outbox(store)
    audit = AuditTrail(store, now=clock, outbox=outbox, channel="C0AUDIT")
    approvals = Approvals(store, access, now=clock, audit=audit, outbox=outbox)
    posted: list[tuple[str, str, bool]] = []

    async def deliver(row: Delivery) -> None:
        if row.kind != AUDIT_POST:
            return  # cards and DMs: not this test's concern
        record = await audit.get(row.payload["id"])
        assert record is not None  # the record was committed before its post was delivered
        committed = any(r.id == record.id for r in await audit.recent(20))
        posted.append((row.payload["channel"], record.action, committed))

    outbox.set_deliverer(deliver)
    request = await approvals.request(REQUESTER, "60")
    await approvals.approve(request.id, VIEWER, payments.ok)
    outcome = await approvals.approve(request.id, FINANCE, payments.ok)
    assert outcome.changed and payments.sent == [Decimal("60.00")]
    assert posted == []  # nothing was posted while deciding and paying: the worker delivers afterwards
    await outbox.drain()
    assert posted == [
        ("C0AUDIT", "topup.request", True),
        ("C0AUDIT", "denied: approve_topup", True),
        ("C0AUDIT", "topup.approve", True),
        ("C0AUDIT", "topup.succeeded", True),
    ]
    await outbox.drain()
    assert len(posted) == 4  # delivered once
