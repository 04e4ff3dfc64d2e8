"""Two bot instances on one PostgreSQL database, a scheduler tick of 1 s, for 30 s of real time: each
alert is posted exactly once, each re-notice once, each resolution once, and every tick's jobs (the
balance snapshot and each rule) are done by one instance only."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.alerts.book import State
from bot.alerts.rules import Checked, Kind
from bot.store import AlertRow, BalanceSnapshotRow, SchedulerClaimRow
from tests.app.harness import Bot
from tests.app_money.instances import (
    NO_PG,
    Instance,
    app_instance,
    pg_schema,
    pg_url,
    ticking_bot,
    wall_clock,
)

ALERTS = "C0ALERTS"
RUN_SECONDS = 30.0
RENOTIFY = timedelta(seconds=8)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with ticking_bot(tmp_path) as running:
        yield running


def sample(instance: Instance, name: str, **labels: str) -> float:
    return instance.svc.metrics.registry.get_sample_value(name, labels) or 0.0


@pytest.mark.long
async def test_two_instances_post_each_alert_and_each_reminder_exactly_once(bot):
    url = pg_url()
    if url is None:
        pytest.skip(NO_PG)
    bot.slack.add_channel(ALERTS, name="alerts")
    state = bot.sandbox.state
    state.credit_limit, state.balance = Decimal(0), Decimal("40.00")
    async with pg_schema(url) as schema, wall_clock(bot):
        async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
            book, now = one.svc.alerts, bot.clock[0]
            low = await book.save_rule(Checked(Kind.LOW_CREDIT, "100", "", ALERTS, RENOTIFY), "U0ADMIN", now)
            unpaid = await book.save_rule(
                Checked(Kind.INVOICE_UNPAID, "0", "", ALERTS, RENOTIFY), "U0ADMIN", now
            )
            assert low is not None and unpaid is not None
            started = time.monotonic()
            await asyncio.sleep(RUN_SECONDS * 2 / 3)
            state.balance = Decimal("900.00")  # the low-credit alert clears for the last third
            await asyncio.sleep(started + RUN_SECONDS - time.monotonic())
            await one.svc.scheduler.aclose()
            await two.svc.scheduler.aclose()
            await one.idle()
            await two.idle()
            async with one.svc.store.transaction() as session:
                alerts = list(await session.scalars(select(AlertRow).order_by(AlertRow.id)))
                claims = list(await session.execute(select(SchedulerClaimRow.job, SchedulerClaimRow.tick)))
                snapshots = list(await session.scalars(select(BalanceSnapshotRow.at)))
            fired = sum(sample(i, "telnyx_bot_alerts_total", event="fired") for i in (one, two))
            won = [sample(i, "telnyx_bot_scheduler_claims_total", result="won") for i in (one, two)]

    top = [m for m in bot.slack.messages(ALERTS) if m.thread_ts is None]
    by_ts = {m.ts: m for m in top}
    assert len(top) == len(alerts) == fired  # one message per alert, whichever instance opened it
    [low_alert] = [a for a in alerts if a.rule_id == low.id]
    assert low_alert.state == State.RESOLVED.value and low_alert.renotified >= 1
    invoices = [a for a in alerts if a.rule_id == unpaid.id]
    assert invoices and all(a.state == State.FIRING.value for a in invoices)
    assert len({a.subject for a in invoices}) == len(invoices)
    for alert in alerts:
        assert alert.message_ts in by_ts
        thread = [m for m in bot.slack.messages(ALERTS) if m.thread_ts == alert.message_ts]
        reminders = [m for m in thread if "Still firing" in m.text]
        resolved = [m for m in thread if "Resolved" in m.text]
        assert len(reminders) == alert.renotified  # each re-notice posted once, by one instance
        assert len(resolved) == (1 if alert.state == State.RESOLVED.value else 0)
        assert len({m.text for m in reminders}) == len(reminders)
    # 30 ticks, each job of each tick claimed once (the primary key), and shared out between the two
    assert max(Counter(claims).values()) == 1
    ticks = {tick for _job, tick in claims}
    assert len(ticks) >= RUN_SECONDS * 0.6
    assert sum(won) == len(claims)
    assert len(snapshots) <= len(ticks) and len(set(snapshots)) == len(snapshots)
