"""What each kind of rule finds in the account now: the subjects that fire, with the facts to show.

`Readings` are the Telnyx reads of one scheduler tick, shared by every rule it evaluates (each read is
made once, on first need; a failure is kept too, so every rule of the tick sees the same answer). A rule
whose reading failed raises the TelnyxError: the scheduler skips that rule for the tick, state untouched.

Findings are data: `facts` hold plain JSON values (amounts as strings), which formatting/alerts.py turns
into the message. Decisions made here, since the issue leaves them open:
- Spend spike compares the spend of the last 24 hours with the daily average of the 7 days before them
  (not including them, so a spike does not raise its own baseline); it needs a day of that baseline and
  half a day of the last 24 hours.
- A webhook failure rate needs at least MIN_RATE_DELIVERIES deliveries in the hour, so one failure of one
  delivery is not "100%".
- Auto-recharge: "turned off" is a state (it fires while auto-recharge stays off, and clears when it is on
  again); any other change in the audit log (the amounts, the payment method) is an event, posted once and
  never re-notified ("noted"). A change of `enabled` alone is only told by the "off" alert.
- An invoice is overdue once `threshold` days have passed since its period ended and it is unpaid.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from bot.alerts.rules import Kind, Rule
from bot.diagnosis import delivery_endpoint, diagnose, endpoint_key
from bot.models import AuditEvent, AutoRechargePrefs, Balance, Invoice, WebhookDelivery
from bot.runway import Snapshot, Spend, current_pace, daily_spend, runway
from bot.times import as_utc

if TYPE_CHECKING:
    from bot.runway import BalanceHistory
    from bot.telnyx_client import TelnyxGateway

T = TypeVar("T")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SPIKE_BASELINE = timedelta(days=7)
SPIKE_RECENT_MIN = timedelta(hours=12)
AUDIT_LOOKBACK = timedelta(days=7)
MIN_RATE_DELIVERIES = 5
PAGE = 250
MAX_PAGES = 8  # at most 2,000 deliveries an hour are read; beyond that the counts are of those
AUTO_RECHARGE_FIELDS = frozenset(
    {"enabled", "invoice_enabled", "preference", "threshold_amount", "recharge_amount"}
)
PERCENT = Decimal("0.1")


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Finding:
    """One subject a rule fires for now. `one_shot`: an event, posted once and never re-notified."""

    subject: str
    severity: Severity
    facts: dict[str, Any]
    one_shot: bool = False


@dataclass
class Readings:
    """The Telnyx reads of one tick, made on first need and shared by every rule."""

    telnyx: TelnyxGateway
    history: BalanceHistory | None
    now: datetime
    _made: dict[str, asyncio.Task[Any]] = field(default_factory=dict)

    async def _once(self, name: str, make: Callable[[], Awaitable[T]]) -> T:
        task = self._made.get(name)
        if task is None:
            task = self._made[name] = asyncio.ensure_future(make())
        result: T = await asyncio.shield(task)
        return result

    async def balance(self) -> Balance:
        async def read() -> Balance:
            return (await self.telnyx.balance()).value

        return await self._once("balance", read)

    async def prefs(self) -> AutoRechargePrefs:
        async def read() -> AutoRechargePrefs:
            return (await self.telnyx.auto_recharge_prefs()).value

        return await self._once("prefs", read)

    async def pace(self) -> tuple[Spend, list[Snapshot]]:
        return await self._once("pace", lambda: current_pace(self.history, self.telnyx, self.now))

    async def snapshots(self) -> list[Snapshot]:
        async def read() -> list[Snapshot]:
            if self.history is None:
                return []
            return await self.history.since(self.now - SPIKE_BASELINE - DAY)

        return await self._once("snapshots", read)

    async def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery started in the last hour (up to MAX_PAGES pages)."""

        async def read() -> list[WebhookDelivery]:
            found: list[WebhookDelivery] = []
            for number in range(1, MAX_PAGES + 1):
                page = await self.telnyx.webhook_deliveries(
                    started_after=self.now - HOUR, page=number, size=PAGE
                )
                found += page.deliveries
                if number >= page.page.total_pages or not page.deliveries:
                    break
            return found

        return await self._once("deliveries", read)

    async def audit(self) -> list[AuditEvent]:
        async def read() -> list[AuditEvent]:
            page = await self.telnyx.audit_events(created_after=self.now - AUDIT_LOOKBACK, size=PAGE)
            return page.events

        return await self._once("audit", read)

    async def invoices(self) -> list[Invoice]:
        async def read() -> list[Invoice]:
            return (await self.telnyx.invoices(size=PAGE)).value.invoices

        return await self._once("invoices", read)


def _cents(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


async def evaluate(rule: Rule, readings: Readings) -> list[Finding]:
    """The subjects `rule` fires for now (an empty list: all clear); TelnyxError when a read failed."""
    match rule.kind:
        case Kind.LOW_CREDIT:
            return await _low_credit(rule, readings)
        case Kind.RUNWAY:
            return await _runway(rule, readings)
        case Kind.SPEND_SPIKE:
            return await _spike(rule, readings)
        case Kind.WEBHOOK_FAILURES:
            return await _webhooks(rule, readings)
        case Kind.AUTORECHARGE:
            return await _autorecharge(rule, readings)
        case Kind.INVOICE_UNPAID:
            return await _invoices(rule, readings)


def _limit(rule: Rule) -> Decimal:
    assert rule.threshold.value is not None, f"a {rule.kind} rule always has a threshold"
    return rule.threshold.value


async def _low_credit(rule: Rule, readings: Readings) -> list[Finding]:
    balance, limit = await readings.balance(), _limit(rule)
    if balance.available_credit >= limit:
        return []
    severity = Severity.CRITICAL if balance.available_credit <= limit / 2 else Severity.WARNING
    facts = {
        "available": _cents(balance.available_credit),
        "balance": _cents(balance.balance),
        "threshold": _cents(limit),
        "currency": balance.currency,
    }
    return [Finding("", severity, facts)]


async def _runway(rule: Rule, readings: Readings) -> list[Finding]:
    balance, (spend, _history) = await asyncio.gather(readings.balance(), readings.pace())
    limit = _limit(rule)
    forecast = runway(balance.available_credit, Decimal(0), spend, readings.now.date())
    days = forecast.days_to_zero
    if days is None or days >= limit:
        return []
    severity = Severity.CRITICAL if days <= limit / 2 else Severity.WARNING
    facts = {
        "days": str(days),
        "limit": str(limit),
        "zero_on": forecast.zero_on.isoformat() if forecast.zero_on else None,
        "per_day": _cents(spend.per_day),
        "basis": spend.basis.value,
        "history_days": str(round(spend.history / DAY, 1)),
        "available": _cents(balance.available_credit),
        "currency": balance.currency,
    }
    return [Finding("", severity, facts)]


MARGIN = Decimal("0.2")


@dataclass(frozen=True)
class Suggestion:
    """The top-up an alert suggests: `amount` (0: none needed now), and whether the policy's cap cut it."""

    amount: Decimal
    capped: bool
    days: Decimal | None  # the runway it restores (runway alerts)


def _ten_up(amount: Decimal) -> Decimal:
    """Rounded up to a multiple of 10 USD (0 when nothing is needed)."""
    if amount <= 0:
        return Decimal(0)
    return (amount / 10).to_integral_value(rounding=ROUND_CEILING) * 10


def suggest_topup(
    kind: Kind, facts: dict[str, Any], available: Decimal, per_day: Decimal, cap: Decimal
) -> Suggestion:
    """What a top-up from a balance or runway alert should add: the runway back to the rule's days plus a
    20% margin at the current pace; for low credit, available credit back to the threshold plus 20%."""
    days = None
    if kind is Kind.RUNWAY:
        days = Decimal(str(facts["limit"]))
        wanted = per_day * days * (1 + MARGIN) - available
    else:
        wanted = Decimal(str(facts["threshold"])) * (1 + MARGIN) - available
    amount = _ten_up(wanted)
    return Suggestion(min(amount, cap), amount > cap, days)


async def _spike(rule: Rule, readings: Readings) -> list[Finding]:
    snapshots, factor = await readings.snapshots(), _limit(rule)
    now = readings.now
    baseline = daily_spend(snapshots, now - DAY, window=SPIKE_BASELINE)
    recent = daily_spend(snapshots, now, window=DAY, min_history=SPIKE_RECENT_MIN)
    if baseline is None or recent is None or baseline.per_day <= 0:
        return []
    ratio = recent.per_day / baseline.per_day
    if ratio <= factor:
        return []
    severity = Severity.CRITICAL if ratio >= 2 * factor else Severity.WARNING
    facts = {
        "last_24h": _cents(recent.per_day),
        "average": _cents(baseline.per_day),
        "ratio": str(ratio.quantize(PERCENT, ROUND_HALF_UP)),
        "factor": str(factor),
        "baseline_days": str(round(baseline.history / DAY, 1)),
    }
    return [Finding("", severity, facts)]


async def _webhooks(rule: Rule, readings: Readings) -> list[Finding]:
    deliveries = await readings.deliveries()
    watched = endpoint_key(rule.endpoint) if rule.endpoint else None
    by_endpoint: dict[str, list[WebhookDelivery]] = {}
    for delivery in deliveries:
        key = endpoint_key(delivery_endpoint(delivery))
        if watched is None or key == watched:
            by_endpoint.setdefault(key, []).append(delivery)
    limit, percent = _limit(rule), rule.threshold.percent
    findings = []
    for endpoint, items in sorted(by_endpoint.items()):
        failed = [d for d in items if d.status == "failed"]
        rate = Decimal(len(failed) * 100) / len(items)
        firing = rate > limit and len(items) >= MIN_RATE_DELIVERIES if percent else len(failed) > limit
        if not firing:
            continue
        causes: dict[str, int] = {}
        for delivery in failed:
            kind = diagnose(delivery).kind
            causes[kind] = causes.get(kind, 0) + 1
        worst = max(sorted(causes), key=lambda k: causes[k])
        facts = {
            "endpoint": endpoint,
            "failed": len(failed),
            "total": len(items),
            "rate": str(rate.quantize(PERCENT, ROUND_HALF_UP)),
            "threshold": rule.raw_threshold,
            "cause": worst,
            "cause_count": causes[worst],
            "example_id": failed[-1].id,
        }
        severity = Severity.CRITICAL if rate >= 50 else Severity.WARNING
        findings.append(Finding(endpoint, severity, facts))
    return findings


def _is_auto_recharge(event: AuditEvent) -> bool:
    return any(change.field in AUTO_RECHARGE_FIELDS for change in event.changes)


def _changes(event: AuditEvent) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "from": c.old, "to": c.new}
        for c in event.changes
        if c.field in AUTO_RECHARGE_FIELDS
    ]


async def _autorecharge(rule: Rule, readings: Readings) -> list[Finding]:
    prefs, events = await asyncio.gather(readings.prefs(), readings.audit())
    since = as_utc(rule.created_at)
    changes = sorted((e for e in events if _is_auto_recharge(e)), key=lambda e: as_utc(e.created_at))
    findings = []
    if not prefs.enabled:
        turned_off = [
            e for e in changes if any(c.field == "enabled" and c.new in (False, "false") for c in e.changes)
        ]
        last = turned_off[-1] if turned_off else None
        facts = {
            "by": last.change_made_by if last else None,
            "at": as_utc(last.created_at).isoformat() if last else None,
            "changes": _changes(last) if last else [],
        }
        findings.append(Finding("off", Severity.CRITICAL, facts))
    for event in changes:
        if as_utc(event.created_at) < since or {c.field for c in event.changes} & AUTO_RECHARGE_FIELDS == {
            "enabled"
        }:
            continue  # before the rule, or only on/off: the "off" alert tells that (and its resolution)
        facts = {
            "by": event.change_made_by,
            "at": as_utc(event.created_at).isoformat(),
            "changes": _changes(event),
        }
        findings.append(Finding(f"change:{event.id}", Severity.WARNING, facts, one_shot=True))
    return findings


async def _invoices(rule: Rule, readings: Readings) -> list[Finding]:
    invoices, days = await readings.invoices(), int(_limit(rule))
    today = readings.now.date()
    findings = []
    for invoice in invoices:
        overdue = (today - invoice.period_end).days
        if invoice.paid or overdue < days:
            continue
        facts = {
            "invoice_id": invoice.invoice_id,
            "period_start": invoice.period_start.isoformat(),
            "period_end": invoice.period_end.isoformat(),
            "days": overdue,
            "threshold": days,
        }
        severity = Severity.CRITICAL if overdue >= 2 * max(days, 1) else Severity.WARNING
        findings.append(Finding(invoice.invoice_id, severity, facts))
    return findings


def subjects(findings: Sequence[Finding]) -> dict[str, Finding]:
    """Findings by subject (one each)."""
    return {f.subject: f for f in findings}
