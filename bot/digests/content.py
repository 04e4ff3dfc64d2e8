"""What a digest says, as data: each section read on its own, so one that cannot be read says so and the
others still stand.

Sections: the account (balance, available credit, runway), spend of the period against the one before,
the top cost drivers (the charges breakdown's biggest numbers), webhook health per endpoint, top-ups
waiting for finance (pending approvals, unknown outcomes) and unpaid invoices. `Digest` is a pydantic
model so that the scheduler can queue it in the outbox as JSON and the delivery can post exactly what was
read (a retry posts the same numbers); formatting/digest.py turns it into the message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.approvals import TopupState
from bot.diagnosis import delivery_endpoint, diagnose, endpoint_key
from bot.digests.schedule import Cadence, Period
from bot.errors import TelnyxError
from bot.models import WebhookDelivery
from bot.runway import current_pace, runway
from bot.store import TopupRow

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)
T = TypeVar("T")
TOP_DRIVERS = 5
DELIVERY_PAGE = 250
DELIVERY_PAGES = 4  # at most 1,000 deliveries a digest reads; beyond that it says its counts are of those
INVOICE_PAGE = 250
PERCENT = Decimal("0.1")


class Section(StrEnum):
    ACCOUNT = "account"
    SPEND = "spend"
    DRIVERS = "drivers"
    WEBHOOKS = "webhooks"
    APPROVALS = "approvals"
    INVOICES = "invoices"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Unread(_Part):
    """Why a section could not be read, as data: the Telnyx error (`TelnyxError.to_data`), or the bot's
    database. `message`/`hint` are the words a digest queued by a bot before this one carries."""

    error: dict[str, Any] | None = None
    database: bool = False
    message: str = ""
    hint: str = ""


class Account(_Part):
    balance: Decimal
    available_credit: Decimal
    currency: str
    per_day: Decimal  # the runway's daily spend
    basis: str  # bot.runway.Basis value
    days_to_zero: Decimal | None
    zero_on: date | None
    threshold: Decimal  # LOW_BALANCE_THRESHOLD
    days_to_threshold: Decimal | None


class Spend(_Part):
    """Telnyx's charges (grand total) of the period and of the one before."""

    current: Decimal
    previous: Decimal
    currency: str

    @property
    def change_percent(self) -> Decimal | None:
        """The change in %, one decimal; None when the period before cost nothing."""
        if self.previous == 0:
            return None
        return ((self.current - self.previous) * 100 / self.previous).quantize(PERCENT, ROUND_HALF_UP)


class Driver(_Part):
    number: str
    charge_type: str
    total: Decimal
    service: str | None  # its costliest service
    service_cost: Decimal | None


class Drivers(_Part):
    top: list[Driver]
    numbers: int  # numbers with charges in the period
    total: Decimal
    currency: str


class Endpoint(_Part):
    endpoint: str  # host and path (bot.diagnosis.endpoint_key): no credentials, no query
    deliveries: int
    failed: int
    cause: str | None  # the most frequent failure kind (bot.diagnosis), None without failures
    cause_count: int

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.failed * 100) / self.deliveries).quantize(PERCENT, ROUND_HALF_UP)


class Webhooks(_Part):
    endpoints: list[Endpoint]  # most failures first
    read: int  # deliveries read
    total: int  # deliveries Telnyx has in the period (more than `read` when capped)


class Waiting(_Part):
    """Top-ups waiting for finance."""

    pending: int
    oldest_pending: datetime | None
    unknown: int  # payments whose outcome finance must check
    oldest_unknown: datetime | None


class UnpaidInvoice(_Part):
    invoice_id: str
    period_start: date
    period_end: date


class Invoices(_Part):
    unpaid: list[UnpaidInvoice]  # oldest first


class Digest(_Part):
    """One digest as read: its period, when, and each section or why it could not be read."""

    cadence: Cadence
    day: date
    zone: str
    start: date
    end: date  # exclusive
    previous_start: date
    made_at: datetime
    due: datetime
    late: bool = False  # posted after its time (the bot was not running then)
    account: Account | None = None
    spend: Spend | None = None
    drivers: Drivers | None = None
    webhooks: Webhooks | None = None
    waiting: Waiting | None = None
    invoices: Invoices | None = None
    unread: dict[Section, Unread] = {}

    def payload(self) -> dict[str, Any]:
        """JSON-ready, for the outbox."""
        return self.model_dump(mode="json")

    @classmethod
    def from_payload(cls, payload: Any) -> Digest:
        return cls.model_validate(payload)


async def gather(svc: Services, period: Period, *, now: datetime, late: bool = False) -> Digest:
    """Read every section at once; a section whose read fails says why, the others are still there."""
    unread: dict[Section, Unread] = {}

    async def part(section: Section, read: Callable[[], Awaitable[T]]) -> T | None:
        try:
            return await read()
        except TelnyxError as err:
            logger.warning("digest section %s not read: %s", section.value, type(err).__name__)
            unread[section] = Unread(error=err.to_data())
        except SQLAlchemyError:
            logger.exception("digest section %s: the bot's database failed", section.value)
            unread[section] = Unread(database=True)
        return None

    account, spend, drivers, webhooks, waiting, invoices = await asyncio.gather(
        part(Section.ACCOUNT, lambda: _account(svc, now)),
        part(Section.SPEND, lambda: _spend(svc, period)),
        part(Section.DRIVERS, lambda: _drivers(svc, period)),
        part(Section.WEBHOOKS, lambda: _webhooks(svc, period)),
        part(Section.APPROVALS, lambda: waiting_topups(svc, now)),
        part(Section.INVOICES, lambda: _invoices(svc)),
    )
    return Digest(
        cadence=period.cadence,
        day=period.day,
        zone=period.zone,
        start=period.start,
        end=period.end,
        previous_start=period.previous_start,
        made_at=now,
        due=period.due,
        late=late,
        account=account,
        spend=spend,
        drivers=drivers,
        webhooks=webhooks,
        waiting=waiting,
        invoices=invoices,
        unread=unread,
    )


async def _account(svc: Services, now: datetime) -> Account:
    balance = (await svc.telnyx.balance()).value
    spend, _history = await current_pace(svc.history, svc.telnyx, now)
    threshold = svc.settings.low_balance_threshold
    forecast = runway(balance.available_credit, threshold, spend, now.date())
    return Account(
        balance=balance.balance,
        available_credit=balance.available_credit,
        currency=balance.currency,
        per_day=spend.per_day,
        basis=spend.basis.value,
        days_to_zero=forecast.days_to_zero,
        zero_on=forecast.zero_on,
        threshold=threshold,
        days_to_threshold=forecast.days_to_threshold,
    )


async def _spend(svc: Services, period: Period) -> Spend:
    current, previous = await asyncio.gather(
        svc.telnyx.charges_summary(period.start, period.end),
        svc.telnyx.charges_summary(period.previous_start, period.start),
    )
    return Spend(
        current=current.totals.grand_total, previous=previous.totals.grand_total, currency=current.currency
    )


async def _drivers(svc: Services, period: Period) -> Drivers:
    breakdown = await svc.telnyx.charges_breakdown(period.start, period.end)
    charged = [n for n in breakdown.results if n.total]
    ranked = sorted(charged, key=lambda n: (-n.total, n.tn))
    top = []
    for number in ranked[:TOP_DRIVERS]:
        biggest = max(number.services, key=lambda s: (s.cost, s.name), default=None)
        top.append(
            Driver(
                number=number.tn,
                charge_type=number.charge_type,
                total=number.total,
                service=biggest.name if biggest else None,
                service_cost=biggest.cost if biggest else None,
            )
        )
    return Drivers(
        top=top,
        numbers=len(charged),
        total=sum((n.total for n in charged), Decimal(0)),
        currency=breakdown.currency,
    )


async def _webhooks(svc: Services, period: Period) -> Webhooks:
    after, before = period.instants(period.start, period.end)
    found: list[WebhookDelivery] = []
    total = 0
    for number in range(1, DELIVERY_PAGES + 1):
        page = await svc.telnyx.webhook_deliveries(
            started_after=after, started_before=before, page=number, size=DELIVERY_PAGE
        )
        found += page.deliveries
        total = max(page.page.total_results, len(found))
        if number >= page.page.total_pages or not page.deliveries:
            break
    by_endpoint: dict[str, list[WebhookDelivery]] = {}
    for delivery in found:
        by_endpoint.setdefault(endpoint_key(delivery_endpoint(delivery)), []).append(delivery)
    endpoints = []
    for endpoint, items in by_endpoint.items():
        causes: dict[str, int] = {}
        for delivery in items:
            if delivery.status == "failed":
                kind = diagnose(delivery).kind
                causes[kind] = causes.get(kind, 0) + 1
        worst = max(sorted(causes), key=lambda k: causes[k]) if causes else None
        endpoints.append(
            Endpoint(
                endpoint=endpoint,
                deliveries=len(items),
                failed=sum(causes.values()),
                cause=worst,
                cause_count=causes.get(worst, 0) if worst else 0,
            )
        )
    endpoints.sort(key=lambda e: (-e.failed, -e.deliveries, e.endpoint))
    return Webhooks(endpoints=endpoints, read=len(found), total=total)


async def waiting_topups(svc: Services, now: datetime) -> Waiting:
    """Pending requests still open for a decision, and unknown outcomes finance has not closed."""
    async with svc.store.transaction() as session:
        pending, oldest_pending = (
            await session.execute(
                select(func.count(TopupRow.id), func.min(TopupRow.created_at)).where(
                    TopupRow.state == TopupState.PENDING.value, TopupRow.expires_at > now
                )
            )
        ).one()
        unknown, oldest_unknown = (
            await session.execute(
                select(func.count(TopupRow.id), func.min(TopupRow.decided_at)).where(
                    TopupRow.state == TopupState.OUTCOME_UNKNOWN.value
                )
            )
        ).one()
    return Waiting(
        pending=int(pending),
        oldest_pending=oldest_pending,
        unknown=int(unknown),
        oldest_unknown=oldest_unknown,
    )


async def _invoices(svc: Services) -> Invoices:
    invoices = (await svc.telnyx.invoices(size=INVOICE_PAGE)).value.invoices
    unpaid = sorted((i for i in invoices if not i.paid), key=lambda i: (i.period_start, i.invoice_id))
    return Invoices(
        unpaid=[
            UnpaidInvoice(invoice_id=i.invoice_id, period_start=i.period_start, period_end=i.period_end)
            for i in unpaid
        ]
    )
