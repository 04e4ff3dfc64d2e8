"""More app instances beside a running bot: same sandbox, same fake Slack, same clock, any database.

Each instance is what another process would be: its own Services (gateway, access control, engine) built
by `build_services`, its own Bolt app and HTTP server, and its own signed-request sender. On PostgreSQL the
tables go into a schema made for the test (`pg_schema`), so runs never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.alerts.book import AlertBook
from bot.app import build_services, create_app, make_slack_client, services_of
from bot.approvals import Approvals
from bot.audit_trail import AuditTrail
from bot.config import Settings
from bot.home import MIN_GAP, HomeBook
from bot.outbox import Outbox
from bot.runway import BalanceHistory
from bot.server import HttpServer
from bot.services import Services
from bot.store import Store
from devkit.slackfake import SlackRequests
from tests.app.harness import SECRET, Bot, running_bot
from tests.support.pg import new_schema

NO_PG = (
    "TEST_DATABASE_URL is not set: the PostgreSQL variant needs a server, "
    "e.g. TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass
class Instance:
    """One more app serving Slack's requests."""

    server: HttpServer
    requests: SlackRequests

    @property
    def svc(self) -> Services:
        return services_of(self.server.app)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until this instance has finished the work it acked, and delivered what it queued."""
        assert await self.svc.inflight.wait_idle(timeout), "the instance is still working"
        await self.svc.outbox.drain(timeout)


def pg_url() -> str | None:
    """TEST_DATABASE_URL as the app reads it (postgresql+asyncpg://...), or None when unset."""
    raw = os.environ.get("TEST_DATABASE_URL", "").strip()
    return Settings.from_mapping({"DATABASE_URL": raw}).database_url if raw else None


@asynccontextmanager
async def pg_schema(url: str) -> AsyncIterator[str]:
    """A fresh schema on the PostgreSQL server (dropped when the session ends: tests/support/pg.py)."""
    yield await new_schema(url, "app_money")


def in_schema(svc: Services, schema: str) -> Services:
    """The same Services with every stored part on a Store in `schema` (build_services has no such option).

    Every part that holds the store is rebuilt as build_services builds it: one left on the default
    schema would read and write tables shared with every other test run at the same time.
    """
    store = Store(svc.settings.database_url, schema=schema)
    outbox = Outbox(store)
    audit = AuditTrail(
        store, now=svc.clock, outbox=outbox, channel=svc.policy.audit_channel, on_denial=svc.metrics.denial
    )
    approvals = Approvals(
        store,
        svc.access,
        now=svc.clock,
        audit=audit,
        outbox=outbox,
        payment_deadline=svc.settings.telnyx_timeout,
        on_payment=svc.metrics.payment,
    )
    every = timedelta(seconds=svc.settings.scheduler_tick_seconds)
    history = BalanceHistory(store, every=every, now=svc.clock)
    alerts = AlertBook(store, outbox, audit)
    home = HomeBook(store, outbox, min_gap=svc.home.min_gap if svc.home else MIN_GAP)
    return replace(
        svc,
        store=store,
        audit=audit,
        approvals=approvals,
        outbox=outbox,
        history=history,
        alerts=alerts,
        home=home,
    )


@asynccontextmanager
async def app_instance(bot: Bot, database_url: str, *, schema: str | None = None) -> AsyncIterator[Instance]:
    """Start another app beside `bot` on `database_url` (schema created or upgraded at start, as in prod)."""
    settings = bot.svc.settings.model_copy(update={"database_url": database_url})
    client = make_slack_client(settings)
    svc = build_services(settings, slack_client=client, clock=lambda: bot.clock[0])
    if schema is not None:
        await svc.store.aclose()  # never connected (engines connect lazily): replaced by one in the schema
        svc = in_schema(svc, schema)
    app = create_app(settings, slack_client=client, services=svc)
    await svc.start()
    try:
        async with (
            HttpServer(app, "127.0.0.1", 0) as server,
            SlackRequests(f"{server.url}/slack/events", SECRET, fake=bot.slack) as requests,
        ):
            yield Instance(server, requests)
    finally:
        await svc.aclose()


@asynccontextmanager
async def ticking_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot whose scheduler ticks every second (the instances beside it copy its settings)."""
    async with running_bot(tmp_path, env={"SCHEDULER_TICK_SECONDS": "1"}) as running:
        yield running
    running.sandbox.assert_requests_valid()
    running.slack.assert_no_errors()


@asynccontextmanager
async def wall_clock(bot: Bot, offset: timedelta = timedelta(0)) -> AsyncIterator[None]:
    """The instances read `bot.clock`: keep it on the wall clock (shifted by `offset`, whole seconds keep
    ticks and seconds beginning together) while they run."""

    async def follow() -> None:
        while True:
            bot.clock[0] = datetime.now(UTC) + offset
            await asyncio.sleep(0.02)

    bot.clock[0] = datetime.now(UTC) + offset
    task = asyncio.create_task(follow())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
