"""The store: restart persistence, schema creation and upgrade, exact money, UTC timestamps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import workflow
from bot.access import AccessControl
from bot.approvals import Approvals, Outcome, TopupState
from bot.audit_trail import AuditTrail
from bot.store import SCHEMA_VERSION, Store, StoreError, TopupRow, WorkflowStepRow, make_engine
from bot.store import database as store_module
from formatting.approvals import outcome_text
from formatting.telnyx_errors import topup_failure
from tests.money.conftest import FINANCE, GROUP_REQUESTER, REQUESTER, Clock, Payments

S = TopupState


async def test_requests_and_history_survive_a_restart(
    store_factory: Callable[[], Store], access: AccessControl, clock: Clock, payments: Payments
) -> None:
    first = store_factory()
    await first.start()
    before = Approvals(first, access, now=clock)
    paid = await before.request(REQUESTER, "120.00", "March")
    await before.attach_card(paid.id, "C0APPROVALS", "1700000000.000100")
    await before.approve(paid.id, FINANCE, payments.ok)
    waiting = await before.request(REQUESTER, "75.25", "April")
    await first.aclose()  # the app stops; a new process opens the same database

    second = store_factory()
    assert await second.start() == SCHEMA_VERSION
    after = Approvals(second, access, now=clock)
    restored = await after.get(paid.id)
    assert restored is not None
    assert (
        restored.state,
        restored.amount,
        restored.reason,
        restored.transaction_id,
        restored.message_ts,
    ) == (
        S.SUCCEEDED,
        Decimal("120.00"),
        "March",
        "txn_1",
        "1700000000.000100",
    )
    assert restored.created_at == clock.now and restored.created_at.tzinfo is not None
    assert [t.to_state for t in await after.history(paid.id)] == [
        S.PENDING,
        S.EXECUTING,
        S.SUCCEEDED,
    ]
    assert [r.action for r in await AuditTrail(second).recent()] == [
        "topup.request",
        "topup.succeeded",
        "topup.approve",
        "topup.request",
    ]
    assert await after.daily_used() == Decimal("120.00")
    # the pending request can still be decided after the restart, and the old card still answers
    assert (await after.approve(waiting.id, FINANCE, payments.ok)).request.state is S.SUCCEEDED
    assert not (await after.approve(paid.id, FINANCE, payments.ok)).changed
    assert payments.sent == [Decimal("120.00"), Decimal("75.25")]


async def test_schema_creation_is_idempotent_and_versioned(store: Store) -> None:
    assert await store.start() == SCHEMA_VERSION
    async with store.transaction() as session:
        assert (await session.execute(text("SELECT version FROM schema_version"))).scalars().all() == [
            SCHEMA_VERSION
        ]


async def test_an_older_schema_is_upgraded_and_a_newer_one_refused(
    store: Store, store_factory: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(
        store_module.MIGRATIONS,
        SCHEMA_VERSION + 1,
        ("ALTER TABLE topup_requests ADD COLUMN cost_center TEXT",),
    )
    upgraded = store_factory()
    assert await upgraded.start() == SCHEMA_VERSION + 1
    async with upgraded.transaction() as session:
        await session.execute(text("SELECT cost_center FROM topup_requests"))  # the new column exists
        assert await session.scalar(text("SELECT version FROM schema_version")) == SCHEMA_VERSION + 1

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION)  # an older bot on the newer database
    newer = rf"schema is version {SCHEMA_VERSION + 1}, newer than this bot understands \({SCHEMA_VERSION}\)"
    with pytest.raises(StoreError, match=newer):
        await store_factory().start()


async def test_money_is_exact_cents(approvals: Approvals, store: Store, payments: Payments) -> None:
    for _ in range(3):
        request = await approvals.request(REQUESTER, "0.10")
        await approvals.approve(request.id, FINANCE, payments.ok)
    assert await approvals.daily_used() == Decimal("0.30")  # 0.1 + 0.1 + 0.1 in floats is not 0.3
    async with store.transaction() as session:
        assert set((await session.execute(text("SELECT amount FROM topup_requests"))).scalars()) == {10}


async def test_times_are_stored_in_utc_and_come_back_aware(
    store: Store, access: AccessControl, payments: Payments
) -> None:
    berlin = timezone(timedelta(hours=1))
    approvals = Approvals(store, access, now=lambda: datetime(2025, 3, 3, 10, 0, tzinfo=berlin))
    request = await approvals.request(REQUESTER, "5")
    stored = await approvals.get(request.id)
    assert stored is not None and stored.created_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert stored.created_at.tzinfo == UTC

    naive = Approvals(store, access, now=lambda: datetime(2025, 3, 3, 9, 0))  # noqa: DTZ001 - the point
    with pytest.raises(Exception, match="naive datetime"):
        await naive.request(REQUESTER, "5")


async def test_an_in_memory_database_serves_concurrent_tasks(
    access: AccessControl, payments: Payments
) -> None:
    store = await Store.open("sqlite+aiosqlite:///:memory:")
    try:
        approvals = Approvals(store, access)
        requesters = (REQUESTER, GROUP_REQUESTER)  # at most 3 pending each (the default cap)
        requests = await asyncio.gather(*(approvals.request(requesters[i % 2], "5") for i in range(5)))
        outcomes = await asyncio.gather(
            *(approvals.approve(requests[0].id, FINANCE, payments.ok) for _ in range(5))
        )
    finally:
        await store.aclose()
    assert len({r.id for r in requests}) == 5
    assert [o.changed for o in outcomes].count(True) == 1 and payments.sent == [Decimal("5.00")]


def test_engine_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only for PostgreSQL"):
        make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", schema="bot")
    with pytest.raises(ValueError, match="not a plain identifier"):
        make_engine("postgresql+asyncpg://postgres@127.0.0.1/test", schema="bot; DROP TABLE x")


V1_TOPUPS = """CREATE TABLE topup_requests (
    id VARCHAR(32) PRIMARY KEY, amount BIGINT, currency VARCHAR(3), reason TEXT, requester VARCHAR(32),
    state VARCHAR(20), created_at TIMESTAMP WITH TIME ZONE, expires_at TIMESTAMP WITH TIME ZONE,
    decided_by VARCHAR(32), decided_at TIMESTAMP WITH TIME ZONE, deny_reason TEXT,
    transaction_id VARCHAR(128), processor_status VARCHAR(64), error TEXT, new_balance BIGINT,
    channel VARCHAR(32), message_ts VARCHAR(32))"""


async def test_a_version_1_database_gets_the_resolution_columns_and_keeps_its_requests(store_factory) -> None:
    old = store_factory()
    async with old.engine.begin() as conn:  # what the bot before schema 2 created
        await conn.execute(text(V1_TOPUPS))
        await conn.execute(text("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)"))
        await conn.execute(text("INSERT INTO schema_version (id, version) VALUES (1, 1)"))
        await conn.execute(
            text(
                "INSERT INTO topup_requests (id, amount, currency, reason, requester, state, created_at, "
                "expires_at) VALUES ('old1', 1500, 'USD', 'r', 'U0REQ', 'approved', :at, :at)"
            ),
            {"at": datetime(2025, 3, 3, 9, 0, tzinfo=UTC)},
        )
    upgraded = store_factory()
    assert await upgraded.start() == SCHEMA_VERSION
    async with upgraded.transaction() as session:
        row = await session.get(TopupRow, "old1")
        assert row is not None and (row.amount, row.state, row.resolution) == (
            Decimal("15.00"),
            "approved",
            None,
        )
        await session.execute(text("SELECT count(*) FROM outbox"))  # the new tables exist too
        await session.execute(text("SELECT count(*) FROM seen_triggers"))


LEGACY_SENTENCE = "Telnyx refused the payment, so nothing was charged. Telnyx said: Invalid amount."


async def test_a_schema_2_database_keeps_its_stored_failure_sentences_after_the_upgrade(
    store_factory: Callable[[], Store], access: AccessControl, clock: Clock, payments: Payments
) -> None:
    # A database as a bot before schema 3 left it: no `failure` column, the failure's words in `error`.
    old = store_factory()
    await old.start()
    legacy = await Approvals(old, access, now=clock).request(REQUESTER, "40")
    async with old.transaction() as session:
        await session.execute(text("ALTER TABLE topup_requests DROP COLUMN failure"))
        await session.execute(text("UPDATE schema_version SET version = 2"))
        moved = await session.execute(
            text("UPDATE topup_requests SET state = 'failed', error = :said WHERE id = :id"),
            {"said": LEGACY_SENTENCE, "id": legacy.id},
        )
        assert moved.rowcount == 1  # type: ignore[attr-defined]
    await old.aclose()

    upgraded = store_factory()
    assert await upgraded.start() == SCHEMA_VERSION == 3
    approvals = Approvals(upgraded, access, now=clock)
    kept = await approvals.get(legacy.id)
    assert kept is not None and (kept.failure, kept.error) == (None, LEGACY_SENTENCE)
    assert topup_failure(kept) == LEGACY_SENTENCE
    assert LEGACY_SENTENCE in outcome_text(Outcome(kept, False))  # the card's words, as stored then

    # A payment failing now is stored as data, and told in the same words as before schema 3.
    fresh = await approvals.request(REQUESTER, "40")
    failed = (await approvals.approve(fresh.id, FINANCE, payments.refused)).request
    assert failed.state is S.FAILED and failed.error is None and failed.failure is not None
    assert failed.failure["kind"] == "payment_not_charged" and failed.failure["sent"] is True
    assert topup_failure(failed) == (
        "Telnyx refused the payment, so nothing was charged. Telnyx refused the request as invalid."
    )
    restarted = await Approvals(store_factory(), access, now=clock).get(fresh.id)
    assert restarted is not None and topup_failure(restarted) == topup_failure(failed)


async def test_a_table_added_since_the_database_was_made_is_created_at_start(
    store_factory: Callable[[], Store],
) -> None:
    first = store_factory()
    await first.start()
    async with first.transaction() as session:  # a database from before digests existed
        await session.execute(text("DROP TABLE digest_subscriptions"))
    await first.aclose()
    again = store_factory()
    assert await again.start() == SCHEMA_VERSION
    async with again.transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM digest_subscriptions")) == 0


async def test_completed_workflow_steps_are_dropped_after_30_days_and_waiting_ones_never(
    store: Store, approvals: Approvals, clock: Clock
) -> None:
    request = await approvals.request(REQUESTER, "40")
    now = clock.now
    steps = {  # execution id: (state, completed how long ago)
        "Fx_old_done": ("done", timedelta(days=31)),
        "Fx_recent_done": ("done", timedelta(days=29)),
        "Fx_old_waiting": ("waiting", None),
    }
    async with store.transaction() as session:
        for execution, (state, ago) in steps.items():
            session.add(
                WorkflowStepRow(
                    execution_id=execution,
                    request_id=request.id,
                    state=state,
                    created_at=now - timedelta(days=90),
                    completed_at=None if ago is None else now - ago,
                )
            )
    assert await workflow.forget_done(store, now) == 1
    async with store.transaction() as session:
        kept = set((await session.execute(text("SELECT execution_id FROM workflow_steps"))).scalars())
    assert kept == {"Fx_recent_done", "Fx_old_waiting"}
