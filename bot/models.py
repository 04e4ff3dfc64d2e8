"""Typed data the gateway returns: money is Decimal, times are aware datetimes.

These are the only shapes `handlers/` and `formatting/` see of Telnyx; SDK models never leave the gateway.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Page(_Model):
    """Pagination facts of a list response."""

    number: int = 1
    size: int = 20
    total_pages: int = 1
    total_results: int = 0


class Balance(_Model):
    balance: Decimal
    available_credit: Decimal
    credit_limit: Decimal
    pending: Decimal
    currency: str = "USD"


class AutoRechargePrefs(_Model):
    id: str | None = None
    enabled: bool = False
    invoice_enabled: bool = False
    preference: Literal["credit_paypal", "ach"] | None = None
    threshold_amount: Decimal | None = None
    recharge_amount: Decimal | None = None


class AutoRechargeChange(_Model):
    """A PATCH body: only the fields set are sent."""

    enabled: bool | None = None
    invoice_enabled: bool | None = None
    preference: Literal["credit_paypal", "ach"] | None = None
    threshold_amount: Decimal | None = None
    recharge_amount: Decimal | None = None


class Invoice(_Model):
    invoice_id: str
    file_id: str | None = None
    period_start: date
    period_end: date
    paid: bool
    url: str | None = None
    download_url: str | None = None  # only with action=link; short lived


class InvoicePage(_Model):
    invoices: list[Invoice]
    page: Page


class SummaryLine(_Model):
    """One line of the charges summary. `comparative` lines split new and existing this month."""

    type: Literal["simple", "comparative"]
    name: str
    alias: str
    quantity: int | None = None
    amount: Decimal | None = None
    new_quantity: int | None = None
    new_amount: Decimal | None = None
    existing_quantity: int | None = None
    existing_amount: Decimal | None = None

    @property
    def total(self) -> Decimal:
        if self.type == "simple":
            return self.amount or Decimal("0")
        return (self.new_amount or Decimal("0")) + (self.existing_amount or Decimal("0"))


class Adjustment(_Model):
    amount: Decimal
    description: str = ""
    event_date: date


class ChargesTotals(_Model):
    new_mrc: Decimal
    new_otc: Decimal
    existing_mrc: Decimal
    other: Decimal
    credits: Decimal
    ledger_adjustments: Decimal
    grand_total: Decimal


class ChargesSummary(_Model):
    start_date: date
    end_date: date
    currency: str
    user_email: str = ""
    lines: list[SummaryLine]
    adjustments: list[Adjustment]
    totals: ChargesTotals


class ServiceCharge(_Model):
    name: str
    cost_type: str
    cost: Decimal


class NumberCharges(_Model):
    tn: str
    charge_type: str
    services: list[ServiceCharge]

    @property
    def total(self) -> Decimal:
        return sum((s.cost for s in self.services), Decimal("0"))


class ChargesBreakdown(_Model):
    start_date: date
    end_date: date
    currency: str
    results: list[NumberCharges]


class DetailRecord(_Model):
    """A usage record; the common fields are lifted, the rest stays in `raw` (it varies by type)."""

    id: str
    record_type: str
    created_at: datetime | None = None
    status: str | None = None
    direction: str | None = None
    cost: Decimal | None = None
    currency: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict)


class DetailRecordPage(_Model):
    records: list[DetailRecord]
    page: Page


class AuditChange(_Model):
    field: str
    old: Any = None
    new: Any = None


class AuditEvent(_Model):
    id: str
    created_at: datetime
    change_made_by: str | None = None
    change_type: str | None = None
    resource_id: str | None = None
    user_id: str | None = None
    changes: list[AuditChange] = Field(default_factory=list)


class AuditEventPage(_Model):
    events: list[AuditEvent]
    page: Page


class UserTags(_Model):
    number_tags: list[str]
    outbound_profile_tags: list[str]


class DeliveryAttempt(_Model):
    status: Literal["delivered", "failed"] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    errors: list[int] = Field(default_factory=list)
    request_url: str | None = None
    response_status: int | None = None
    response_body: str | None = None
    response_headers: list[Any] = Field(default_factory=list)


class WebhookDelivery(_Model):
    id: str
    status: Literal["delivered", "failed"]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    event_type: str | None = None
    event_id: str | None = None
    occurred_at: datetime | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    attempts: list[DeliveryAttempt] = Field(default_factory=list)


class WebhookDeliveryPage(_Model):
    deliveries: list[WebhookDelivery]
    page: Page


class PaymentResult(_Model):
    id: str
    amount: Decimal  # from amount_cents
    currency: str
    processor_status: str | None = None
    created_at: datetime | None = None
