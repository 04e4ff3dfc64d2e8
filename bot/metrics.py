"""The bot's Prometheus metrics, one registry per app instance (tests build many apps in one process).

Counters and histograms are updated where things happen: the `/telnyx` router (commands by outcome), the
ack of every Slack request, the Telnyx gateway (each HTTP request), the top-up payment, the access check.
What is a state rather than an event (the outbox backlog, the Socket Mode connection, work in flight) is
read when Prometheus scrapes. Labels only ever hold bounded vocabularies (subcommand names, outcomes,
operations, status codes, permissions): never a user, a channel, an amount, an id or a secret.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.store import utcnow

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

PREFIX = "telnyx_bot"
# Slack gives an ack 3 s; the buckets are finest where a healthy bot lives, and mark the 3 s line.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
TELNYX_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
PAYMENT_OUTCOMES = ("succeeded", "failed", "outcome_unknown")
ALERT_EVENTS = ("fired", "renotified", "resolved", "skipped")
SCRAPE_TIMEOUT = 2.0  # seconds the outbox query of a scrape may take


class CommandOutcome(StrEnum):
    """What a `/telnyx` command came to, as the person who typed it saw it."""

    ANSWERED = "answered"
    USAGE_ERROR = "usage_error"  # unreadable, unknown, or arguments refused: the answer says how to fix it
    DENIED = "denied"  # the access policy (or a limit on pending requests) refused it
    TELNYX_ERROR = "telnyx_error"  # Telnyx failed or refused; the answer explains
    ERROR = "error"  # a bug: logged, and the person told to try again


class Metrics:
    """The counters the bot updates as it works, and the registry `exposition` renders."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            f"{PREFIX}_commands",
            "`/telnyx` commands by subcommand (a name, help, or unknown) and outcome.",
            ["subcommand", "outcome"],
            registry=self.registry,
        )
        self.acks = Histogram(
            f"{PREFIX}_ack_seconds",
            "Seconds from a Slack request arriving to its ack, by kind of request.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.telnyx_requests = Counter(
            f"{PREFIX}_telnyx_requests",
            "HTTP requests to Telnyx by operation (method and path) and status (code, timeout, network_error"
            ", cancelled).",
            ["operation", "status"],
            registry=self.registry,
        )
        self.telnyx_seconds = Histogram(
            f"{PREFIX}_telnyx_request_seconds",
            "Seconds each HTTP request to Telnyx took, by operation.",
            ["operation"],
            buckets=TELNYX_BUCKETS,
            registry=self.registry,
        )
        self.payments = Counter(
            f"{PREFIX}_payments",
            "Top-up payments sent by this instance, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in PAYMENT_OUTCOMES:  # a rate of a series that never appeared is no rate at all
            self.payments.labels(outcome=outcome)
        self.denials = Counter(
            f"{PREFIX}_access_denials",
            "Requests the access policy refused, by the permission they needed.",
            ["permission"],
            registry=self.registry,
        )
        self.ticks = Counter(
            f"{PREFIX}_scheduler_ticks",
            "Scheduler ticks by result (done, failed).",
            ["result"],
            registry=self.registry,
        )
        self.claims = Counter(
            f"{PREFIX}_scheduler_claims",
            "Jobs of a tick (the snapshot, each alert rule) this instance claimed (won) or left to another (skipped).",
            ["result"],
            registry=self.registry,
        )
        self.alerts = Counter(
            f"{PREFIX}_alerts",
            "Alert lifecycle events: fired, renotified, resolved; skipped is a rule not evaluated in a tick "
            "because a Telnyx read failed.",
            ["event"],
            registry=self.registry,
        )
        for result in ("done", "failed"):
            self.ticks.labels(result=result)
        for result in ("won", "skipped"):
            self.claims.labels(result=result)
        for event in ALERT_EVENTS:
            self.alerts.labels(event=event)
        self.live = LiveValues()
        self.registry.register(self.live)

    def command(self, subcommand: str, outcome: CommandOutcome) -> None:
        """Count one `/telnyx` command."""
        self.commands.labels(subcommand=subcommand, outcome=outcome.value).inc()

    def ack(self, kind: str, seconds: float) -> None:
        """Time one Slack request's ack."""
        self.acks.labels(kind=kind).observe(seconds)

    def telnyx_request(self, operation: str, status: str, seconds: float) -> None:
        """Count one HTTP request to Telnyx (the gateway calls this for every one, retries and probes too)."""
        self.telnyx_requests.labels(operation=operation, status=status).inc()
        self.telnyx_seconds.labels(operation=operation).observe(seconds)

    def payment(self, outcome: str) -> None:
        """Count one payment's outcome: succeeded, failed or outcome_unknown."""
        self.payments.labels(outcome=outcome).inc()

    def denial(self, permission: str) -> None:
        """Count one refusal by the access policy."""
        self.denials.labels(permission=permission).inc()

    def scheduler_tick(self, result: str) -> None:
        """Count one scheduler tick: done or failed."""
        self.ticks.labels(result=result).inc()

    def scheduler_claim(self, won: bool) -> None:
        """Count one claim of a tick's job."""
        self.claims.labels(result="won" if won else "skipped").inc()

    def alert(self, event: str, count: int = 1) -> None:
        """Count alert lifecycle events (ALERT_EVENTS)."""
        self.alerts.labels(event=event).inc(count)

    async def exposition(self, svc: Services) -> bytes:
        """Every metric in Prometheus' text format, the live values read now."""
        await self.live.read(svc)
        return generate_latest(self.registry)


class LiveValues(Collector):
    """The values that are states, read at scrape time (`read`), then rendered by the registry."""

    def __init__(self) -> None:
        self.backlog = math.nan
        self.oldest_age = math.nan
        self.connected = 0.0
        self.reconnects = 0.0
        self.in_flight = 0.0

    async def read(self, svc: Services) -> None:
        state = svc.socket_mode
        self.connected = float(state is not None and state.connected)
        self.reconnects = float(state.reconnects if state is not None else 0)
        self.in_flight = float(svc.inflight.count)
        try:
            async with asyncio.timeout(SCRAPE_TIMEOUT):
                count, oldest = await svc.outbox.backlog()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when the database does not
            logger.warning("metrics: the outbox backlog could not be read (%s)", type(exc).__name__)
            self.backlog = self.oldest_age = math.nan
            return
        self.backlog = float(count)
        self.oldest_age = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_backlog", "Slack side effects not yet delivered.", value=self.backlog
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_age_seconds",
            "Age of the oldest side effect not yet delivered (0 when none waits).",
            value=self.oldest_age,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_socket_mode_connected",
            "1 while connected to Slack over Socket Mode; always 0 in HTTP mode.",
            value=self.connected,
        )
        yield CounterMetricFamily(
            f"{PREFIX}_socket_mode_reconnects",
            "Socket Mode sessions replaced after the first one; always 0 in HTTP mode.",
            value=self.reconnects,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_listeners_in_flight", "Listeners still working after their ack.", value=self.in_flight
        )
