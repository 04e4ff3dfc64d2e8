"""The long-lived parts one app instance shares: gateway, access control, approvals, audit trail, clock.

Handlers reach them as `context["svc"]`; `create_app` builds them once (tests pass their own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.cache import TTLCache
from bot.config import Settings
from bot.health import Health
from bot.metrics import Metrics
from bot.tasks import finish

if TYPE_CHECKING:
    from bot.access import AccessControl, Policy
    from bot.alerts.book import AlertBook
    from bot.approvals import Approvals
    from bot.audit_trail import AuditTrail
    from bot.home import HomeBook
    from bot.outbox import Outbox
    from bot.runway import BalanceHistory
    from bot.scheduler import Scheduler
    from bot.store import Store
    from bot.telnyx_client import TelnyxGateway

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0


from bot.store import utcnow  # noqa: E402 - one clock function for the whole app


@dataclass
class InFlight:
    """Counts listener runs still working after their ack, so a shutdown can wait for them."""

    count: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is in flight; False if the timeout came first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class SocketModeState:
    """What the Socket Mode supervisor knows of its connection (health and metrics read it)."""

    connected: bool = False
    reconnects: int = 0  # sessions replaced after the first one
    changed_at: float | None = None  # time.monotonic() of the last change of `connected`
    last_envelope_at: float | None = None  # time.monotonic() of the last envelope received

    def set_connected(self, connected: bool, now: float) -> None:
        if connected != self.connected:
            self.connected, self.changed_at = connected, now


@dataclass
class Services:
    settings: Settings
    telnyx: TelnyxGateway
    policy: Policy
    access: AccessControl
    store: Store
    approvals: Approvals
    audit: AuditTrail
    outbox: Outbox
    clock: Callable[[], datetime] = utcnow
    sandbox: bool = False  # answers say the data is the sandbox's
    inflight: InFlight = field(default_factory=InFlight)
    socket_mode: SocketModeState | None = None  # set when the bot runs over Socket Mode
    history: BalanceHistory | None = None  # the balance snapshots the runway reads
    alerts: AlertBook | None = None  # alert rules and alerts (bot/alerts)
    home: HomeBook | None = None  # who opened the Home tab, and its republishing (bot/home.py)
    scheduler: Scheduler | None = None  # the ticks: snapshots and alert rules (create_app makes it)
    metrics: Metrics = field(default_factory=Metrics)  # this instance's registry (GET /metrics)
    health: Health = field(default_factory=Health)  # the readiness checks (GET /readyz)
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    _http: aiohttp.ClientSession | None = None
    # housekeeping run at start and every SWEEP_SECONDS while serving (expiring top-up requests, the
    # reconciler ...); a sweeper may return when it wants to run again sooner (an app-clock datetime)
    sweepers: list[Callable[[], Awaitable[datetime | None]]] = field(default_factory=list)
    _sweeping: asyncio.Task[None] | None = None
    _stop_sweeping: asyncio.Event = field(default_factory=asyncio.Event)
    # a burst of the same usage query walks the records for its stats once
    flights: TTLCache = field(default_factory=lambda: TTLCache(0))
    # the runway's daily spend, computed once a minute for every reader
    forecasts: TTLCache = field(default_factory=lambda: TTLCache(60))

    def http(self) -> aiohttp.ClientSession:
        """One pooled HTTP session for response_url posts (Bolt's respond opens a new one per reply)."""
        if self._http is None or self._http.closed:
            # No trust_env: the AsyncWebhookClient posting on it passes HTTPS_PROXY (or HTTP_PROXY) itself,
            # as slack_sdk's clients do. trust_env would look up ~/.netrc and the proxy variables again, in
            # a worker thread, twice per reply: 0.7 s of CPU over a burst of 1,000 replies.
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
        return self._http

    def spawn(self, coro: Any, *, name: str) -> asyncio.Task[Any]:
        """Run work that outlives the listener (exports), tracked for a clean shutdown."""
        task = asyncio.create_task(coro, name=name)
        self.background.add(task)
        self.inflight.enter()

        def _done(t: asyncio.Task[Any]) -> None:
            self.background.discard(t)
            self.inflight.leave()
            if not t.cancelled() and t.exception() is not None:
                logger.error("background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(_done)
        return task

    async def start(self) -> None:
        """Create or upgrade the database schema, start the outbox worker and the housekeeping (which runs
        once at once: a request a crash left half-done is found at start); call once before serving."""
        await self.store.start()
        self.outbox.start()
        if self.scheduler is not None:
            self.scheduler.start()
        if self.sweepers and self._sweeping is None:
            self._sweeping = asyncio.create_task(self._sweep_forever(), name="housekeeping")

    async def sweep_once(self) -> float:
        """Run every sweeper once (a failing one is logged, the others still run); return the seconds until
        the next run is wanted."""
        wait = SWEEP_SECONDS
        for sweep in self.sweepers:
            try:
                due = await sweep()
            except Exception:  # noqa: BLE001 - housekeeping must never stop the bot
                logger.exception("housekeeping step failed")
                continue
            if due is not None:
                wait = min(wait, max(1.0, (due - self.clock()).total_seconds() + 0.5))
        return wait

    async def _sweep_forever(self) -> None:
        while not self._stop_sweeping.is_set():
            wait = await self.sweep_once()
            try:
                await asyncio.wait_for(self._stop_sweeping.wait(), wait)
            except TimeoutError:
                pass

    async def aclose(self) -> None:
        """Release the HTTP pool and the database engine."""
        if self._sweeping is not None:
            # asked to stop, not cancelled mid-query (see Outbox.aclose); cancelled only if it hangs
            self._stop_sweeping.set()
            await finish(self._sweeping, 15)
            self._sweeping = None
        if self.scheduler is not None:
            await self.scheduler.aclose()
        await self.outbox.aclose()
        await self.telnyx.aclose()
        await self.store.aclose()
        if self._http is not None:
            await self._http.close()
