"""The scheduler inside the bot: every SCHEDULER_TICK_SECONDS, a balance snapshot, each alert rule and the
digests that are due (bot/digests).

Ticks are numbered from the epoch (`tick = floor(now / tick_seconds)`), so every instance on one database
agrees on them. Each job of a tick ("snapshot", "rule:<id>") is claimed in the database first (a row
whose primary key is the job and the tick): one instance wins and does it, the others skip it. A digest
("digest:<id>") is claimed only in the ticks where its period is due and not yet posted. The Telnyx
reads of a tick are shared by all the rules it evaluates. A rule whose read fails is skipped for that tick
and logged: its alerts stay as they were. Slack failures never reach here (posting is the outbox's).

`check()` (`/telnyx alerts check`, the console's `tick`) evaluates every rule now without claims: the
alerts' own compare-and-sets keep it from posting twice beside a running tick.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts.book import AlertBook, Tally
from bot.alerts.evaluate import Readings, evaluate
from bot.alerts.rules import Rule
from bot.digests import book_of, post_due
from bot.errors import TelnyxError
from bot.tasks import finish

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)
OVERDUE_GRACE = 30.0  # seconds a tick may run late before readiness says so
FRESH = ("balance", "auto_recharge", "invoices")  # cached reads a tick makes anew


@dataclass
class RuleResult:
    """One rule's evaluation in a tick: its tally, or that it was skipped (and the read that failed)."""

    rule: Rule
    tally: Tally = field(default_factory=Tally)
    skipped: TelnyxError | None = None  # the read that failed


@dataclass
class TickReport:
    """What a tick (or a check) did."""

    at: datetime
    rules: list[RuleResult] = field(default_factory=list)
    claims_won: int = 0
    claims_lost: int = 0
    snapshot: bool = False
    digests: int = 0  # digests queued for posting

    @property
    def total(self) -> Tally:
        total = Tally()
        for result in self.rules:
            total.add(result.tally)
        return total


class Scheduler:
    """Runs the ticks of one app instance (started by Services.start, stopped by Services.aclose)."""

    def __init__(self, svc: Services, book: AlertBook) -> None:
        self.svc, self.book = svc, book
        self.instance = secrets.token_hex(6)
        self.seconds = float(svc.settings.scheduler_tick_seconds)
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.started_at: float | None = None  # time.monotonic() of start, then of each finished tick
        self.last_tick_at: float | None = None
        self.last_report: TickReport | None = None

    def number(self, now: datetime) -> int:
        return int(now.timestamp() // self.seconds)

    def start(self) -> None:
        if self._task is None:
            self.started_at = time.monotonic()
            self._task = asyncio.create_task(self._forever(), name="scheduler")

    async def aclose(self) -> None:
        if self._task is None:
            return
        self._stop.set()  # asked to stop between ticks, not cancelled mid-query (cancelled if it hangs)
        await finish(self._task, 15)
        self._task = None

    def overdue(self) -> float | None:
        """Seconds the next tick is late by (None: on time, or not started)."""
        last = self.last_tick_at if self.last_tick_at is not None else self.started_at
        if last is None:
            return None
        late = time.monotonic() - last - self.seconds - OVERDUE_GRACE
        return late if late > 0 else None

    async def _forever(self) -> None:
        while not self._stop.is_set():
            # just past the next tick's boundary by the wall clock, so instances tick together and agree
            # on the tick's number even when their clocks differ by a little
            wait = self.seconds - (time.time() % self.seconds) + min(self.seconds * 0.05, 1.0)
            try:
                await asyncio.wait_for(self._stop.wait(), wait)
                return
            except TimeoutError:
                pass
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - the scheduler must never stop the bot
                logger.exception("scheduler tick failed")
                self.svc.metrics.scheduler_tick("failed")

    async def tick(self) -> TickReport:
        """One tick: claim and take the snapshot, claim and evaluate each rule."""
        now = self.svc.clock()
        number = self.number(now)
        report = TickReport(at=now)
        await self.svc.telnyx.invalidate(*FRESH)  # a tick reads what Telnyx has now
        if await self._claim("snapshot", number, now, report):
            report.snapshot = await self._snapshot()
        rules = await self.book.rules()
        readings = Readings(self.svc.telnyx, self.svc.history, now)
        mine = [rule for rule in rules if await self._claim(f"rule:{rule.id}", number, now, report)]
        report.rules = await self._evaluate(mine, readings, now)
        await self._digests(number, now, report)
        await self.book.prune(now)
        self.last_tick_at = time.monotonic()
        self.last_report = report
        self.svc.metrics.scheduler_tick("done")
        return report

    async def check(self) -> TickReport:
        """Evaluate every rule now, without claims (an admin's `/telnyx alerts check`)."""
        now = self.svc.clock()
        await self.svc.telnyx.invalidate(*FRESH)
        report = TickReport(at=now)
        rules = await self.book.rules()
        report.rules = await self._evaluate(rules, Readings(self.svc.telnyx, self.svc.history, now), now)
        return report

    async def run_now(self) -> TickReport:
        """A tick out of turn (the console's `tick`): a balance snapshot, every rule (without claims) and
        the digests due (posted once per period whoever posts them)."""
        report = await self.check()
        report.snapshot = await self._snapshot()
        await self._digests(self.number(report.at), report.at, report)
        return report

    async def _claim(self, job: str, number: int, now: datetime, report: TickReport) -> bool:
        won = await self.book.claim(job, number, self.instance, now)
        if won:
            report.claims_won += 1
        else:
            report.claims_lost += 1
        self.svc.metrics.scheduler_claim(won)
        return won

    async def _digests(self, number: int, now: datetime, report: TickReport) -> None:
        """Post each digest subscription's latest period not posted yet (bot/digests): claimed per
        subscription for this tick, then posted once by the period's compare-and-set."""
        for due in await book_of(self.svc).due(now):
            if not await self._claim(f"digest:{due.subscription.id}", number, now, report):
                continue
            try:
                report.digests += await post_due(self.svc, due, now, timedelta(seconds=self.seconds))
            except Exception:  # noqa: BLE001 - one subscription must not stop the others (tried next tick)
                logger.exception("digest %s not posted this tick", due.subscription.id)

    async def _snapshot(self) -> bool:
        if self.svc.history is None:
            return False
        try:
            balance = (await self.svc.telnyx.balance()).value
        except TelnyxError as err:  # this tick has no snapshot; the next one tries again
            logger.warning("balance snapshot skipped: %s", type(err).__name__)
            return False
        return await self.svc.history.record(balance)

    async def _evaluate(self, rules: list[Rule], readings: Readings, now: datetime) -> list[RuleResult]:
        results = []
        for rule in rules:
            result = RuleResult(rule)
            try:
                findings = await evaluate(rule, readings)
            except TelnyxError as err:
                result.skipped = err
                logger.warning(
                    "alert rule %s (%s) skipped this tick: %s", rule.id, rule.kind, type(err).__name__
                )
                self.svc.metrics.alert("skipped")
                results.append(result)
                continue
            result.tally = await self.book.apply(rule, findings, now)
            for event, count in (
                ("fired", result.tally.fired),
                ("renotified", result.tally.renotified),
                ("resolved", result.tally.resolved),
            ):
                if count:
                    self.svc.metrics.alert(event, count)
            results.append(result)
        return results
