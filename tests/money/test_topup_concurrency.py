"""Concurrent clicks: two app instances (two stores, two engines) on one database, SQLite and PostgreSQL.
Twenty approvals of one request make exactly one payment; racing approvals never pass the daily limit."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from bot.access import AccessControl, Policy
from bot.approvals import Approvals, TopupState
from bot.store import Store
from formatting.approvals import outcome_text
from tests.money.conftest import (
    ADMIN,
    FINANCE,
    FINANCE_2,
    GROUP_FINANCE,
    GROUP_REQUESTER,
    REQUESTER,
    Clock,
    Groups,
    Payments,
)

S = TopupState
APPROVERS = (FINANCE, FINANCE_2, GROUP_FINANCE, ADMIN)


async def two_instances(store_factory: Callable[[], Store], policy: Policy, clock: Clock) -> list[Approvals]:
    """Two app instances starting at once on the same database, each with its own engine and access control."""
    stores = [store_factory(), store_factory()]
    await asyncio.gather(*(store.start() for store in stores))
    return [Approvals(store, AccessControl(policy, Groups()), now=clock) for store in stores]


async def test_twenty_concurrent_approvals_make_exactly_one_payment(
    store_factory: Callable[[], Store], policy: Policy, clock: Clock, payments: Payments
) -> None:
    instances = await two_instances(store_factory, policy, clock)
    request = await instances[0].request(REQUESTER, "480.00")
    outcomes = await asyncio.gather(
        *(instances[i % 2].approve(request.id, APPROVERS[i % len(APPROVERS)], payments.ok) for i in range(20))
    )
    assert payments.sent == [Decimal("480.00")]
    [winner] = [o for o in outcomes if o.changed]
    assert winner.request.state is S.SUCCEEDED
    approver = winner.request.decided_by
    for late in (o for o in outcomes if not o.changed):
        assert outcome_text(late).startswith(f"Approved by <@{approver}>")
    final = await instances[1].get(request.id)
    assert final is not None and final.state is S.SUCCEEDED and final.transaction_id == "txn_1"
    steps = Counter(t.to_state for t in await instances[1].history(request.id))
    assert steps == {S.PENDING: 1, S.EXECUTING: 1, S.SUCCEEDED: 1}


async def test_racing_approvals_of_different_requests_stay_within_the_daily_limit(
    store_factory: Callable[[], Store], policy: Policy, clock: Clock, payments: Payments
) -> None:
    instances = await two_instances(store_factory, policy, clock)
    requesters = (REQUESTER, GROUP_REQUESTER)  # at most 3 pending each (the default cap)
    requests = [await instances[i % 2].request(requesters[i % 2], "300") for i in range(5)]
    outcomes = await asyncio.gather(
        *(
            instances[i % 2].approve(r.id, APPROVERS[i % len(APPROVERS)], payments.ok)
            for i, r in enumerate(requests)
        )
    )
    assert sum(payments.sent) == Decimal("900.00")  # a fourth 300 would pass the 1000 limit
    assert Counter(o.request.state for o in outcomes) == {S.SUCCEEDED: 3, S.PENDING: 2}
    for refused in (o for o in outcomes if not o.changed):
        assert outcome_text(refused).startswith("Not approved: $300.00 would bring")
    assert await instances[0].daily_used() == Decimal("900.00")
