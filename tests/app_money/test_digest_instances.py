"""Two bot instances on one PostgreSQL database, a scheduler tick of 1 s, a daily digest due a few seconds
after they start: it is posted exactly once, by whichever instance won, and not again in the ticks after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.digests import DIGEST_POST, book_of
from bot.store import OutboxRow, SchedulerClaimRow
from tests.app.harness import Bot, text_of
from tests.app_money.instances import (
    NO_PG,
    Instance,
    app_instance,
    pg_schema,
    pg_url,
    ticking_bot,
    wall_clock,
)

FINANCE = "C0FINANCE"
LEAD = 4  # seconds from the subscription to the digest's time
AFTER = 4  # seconds of ticks watched after it is due


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with ticking_bot(tmp_path) as running:
        yield running


async def ticked_past(instances: tuple[Instance, ...], moment: datetime, timeout: float) -> None:
    """Wait until every instance has finished a tick that started at or after `moment`."""
    async with asyncio.timeout(timeout):
        while not all(  # noqa: ASYNC110 - polls the schedulers' reports, with a deadline
            i.svc.scheduler.last_report is not None and i.svc.scheduler.last_report.at >= moment
            for i in instances
        ):
            await asyncio.sleep(0.05)


@pytest.mark.long
async def test_two_instances_post_a_daily_digest_once(bot):
    url = pg_url()
    if url is None:
        pytest.skip(NO_PG)
    bot.slack.add_channel(FINANCE, name="finance")
    wall = datetime.now(UTC)
    due = (wall + timedelta(minutes=1)).replace(second=0, microsecond=0)  # a minute's start, HH:MM
    offset = timedelta(seconds=round((due - wall).total_seconds()) - LEAD)
    async with pg_schema(url) as schema, wall_clock(bot, offset):
        async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
            resp = await one.requests.command(
                "/telnyx", f"digest daily {due:%H:%M} UTC <#{FINANCE}|finance>", user="U0ADMIN"
            )
            assert resp.status == 200
            await one.idle()
            assert "added" in text_of(bot.slack.messages("C0GENERAL", "U0ADMIN"))
            assert bot.clock[0] < due  # set up before it was due
            await ticked_past((one, two), due + timedelta(seconds=AFTER), timeout=LEAD + AFTER + 10)
            await one.idle()
            await two.idle()
            [sub] = await book_of(one.svc).subscriptions()
            async with one.svc.store.transaction() as session:
                claims = list(
                    await session.scalars(
                        select(SchedulerClaimRow.claimed_by).where(
                            SchedulerClaimRow.job == f"digest:{sub.id}"
                        )
                    )
                )
                queued = list(await session.scalars(select(OutboxRow).where(OutboxRow.kind == DIGEST_POST)))

    digests = [m for m in bot.slack.messages(FINANCE) if "Telnyx digest for" in m.text]
    assert len(digests) == 1, [m.text for m in digests]
    assert digests[0].text.startswith(f"Daily Telnyx digest for {due:%a} {due.day} {due:%b}:")
    assert "posted late" not in digests[0].text
    assert len(queued) == 1 and queued[0].outcome == "delivered"
    assert sub.last_period_at == due and sub.last_posted_at is not None and sub.last_posted_at >= due
    # claimed only while due and not posted: in the tick it became due (and the next, should the
    # winner still have been reading Telnyx then), by whichever instance won each
    assert 1 <= len(claims) <= 2
    assert set(claims) <= {one.svc.scheduler.instance, two.svc.scheduler.instance}
