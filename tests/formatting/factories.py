"""Sample domain data for the formatting tests: plain model instances and hypothesis strategies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from bot.models import (
    Adjustment,
    AuditChange,
    AuditEvent,
    Balance,
    ChargesBreakdown,
    ChargesSummary,
    ChargesTotals,
    DeliveryAttempt,
    DetailRecord,
    DetailRecordPage,
    Invoice,
    NumberCharges,
    Page,
    ServiceCharge,
    SummaryLine,
    UserTags,
    WebhookDelivery,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U1> ``` &amp; <https://evil.example|click> \x07\u202e"


def balance(available: str = "400.00", **kw: Any) -> Balance:
    """A USD balance; `available` sets the available credit."""
    values: dict[str, Any] = {
        "balance": Decimal("300.00"),
        "available_credit": Decimal(available),
        "credit_limit": Decimal("100.00"),
        "pending": Decimal("10.00"),
        "currency": "USD",
    }
    values.update(kw)
    return Balance(**values)


def invoice(n: int = 0, *, paid: bool = True, download_url: str | None = None) -> Invoice:
    """The invoice of month n before May 2024."""
    months = 2024 * 12 + 3 - n  # April 2024 is n = 0
    start = date(months // 12, months % 12 + 1, 1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Invoice(
        invoice_id=f"inv-{n:04d}", period_start=start, period_end=end, paid=paid, download_url=download_url
    )


def attempt(
    *,
    status: str = "failed",
    http: int | None = None,
    errors: list[int] | None = None,
    url: str = "https://hooks.example.com/telnyx",
    at: datetime = T0,
    seconds: float = 0.25,
    body: str | None = None,
) -> DeliveryAttempt:
    """One delivery attempt."""
    return DeliveryAttempt(
        status=status,  # type: ignore[arg-type]
        started_at=at,
        finished_at=at + timedelta(seconds=seconds),
        errors=errors or [],
        request_url=url,
        response_status=http,
        response_body=body,
    )


def delivery(
    *attempts: DeliveryAttempt, id: str = "d-1", status: str | None = None, **kw: Any
) -> WebhookDelivery:
    """A delivery; attempts are given oldest first and stored newest first, as the API lists them."""
    final = status or ("delivered" if attempts and attempts[-1].status == "delivered" else "failed")
    values: dict[str, Any] = {
        "id": id,
        "status": final,
        "started_at": attempts[0].started_at if attempts else T0,
        "event_type": "message.finalized",
        "event_id": "ev-1",
        "occurred_at": T0,
        "payload": {"event_type": "message.finalized", "payload": {"to": "+15551234567"}},
        "attempts": list(reversed(attempts)),
    }
    values.update(kw)
    return WebhookDelivery(**values)


def summary(
    lines: list[SummaryLine] | None = None, adjustments: list[Adjustment] | None = None
) -> ChargesSummary:
    """A charges summary for May 2024."""
    return ChargesSummary(
        start_date=date(2024, 5, 1),
        end_date=date(2024, 6, 1),
        currency="USD",
        user_email="billing@example.com",
        lines=lines
        if lines is not None
        else [
            SummaryLine(type="simple", name="sms", alias="SMS", quantity=1200, amount=Decimal("4.80")),
            SummaryLine(
                type="comparative",
                name="numbers",
                alias="Numbers",
                new_quantity=2,
                new_amount=Decimal("2.00"),
                existing_quantity=10,
                existing_amount=Decimal("10.00"),
            ),
        ],
        adjustments=adjustments or [],
        totals=ChargesTotals(
            new_mrc=Decimal("2.00"),
            new_otc=Decimal("1.50"),
            existing_mrc=Decimal("10.00"),
            other=Decimal("4.80"),
            credits=Decimal("-5.00"),
            ledger_adjustments=Decimal("0"),
            grand_total=Decimal("13.30"),
        ),
    )


def breakdown(numbers: int = 3) -> ChargesBreakdown:
    """A breakdown where number i costs i dollars of voice plus 0.50 of messaging."""
    return ChargesBreakdown(
        start_date=date(2024, 5, 1),
        end_date=date(2024, 6, 1),
        currency="USD",
        results=[
            NumberCharges(
                tn=f"+1555000{i:04d}",
                charge_type="local",
                services=[
                    ServiceCharge(name="Voice", cost_type="usage", cost=Decimal(i)),
                    ServiceCharge(name="Messaging", cost_type="usage", cost=Decimal("0.50")),
                ],
            )
            for i in range(1, numbers + 1)
        ],
    )


def records(n: int, *, page: int = 1, size: int = 20, total: int | None = None) -> DetailRecordPage:
    """A page of messaging records."""
    total = n if total is None else total
    return DetailRecordPage(
        records=[
            DetailRecord(
                id=f"rec-{i}",
                record_type="messaging",
                created_at=T0 + timedelta(minutes=i),
                status="delivered" if i % 3 else "failed",
                direction="outbound",
                cost=Decimal("0.0051"),
                currency="USD",
                raw={"to": "+15551234567", "from": "+15557654321"},
            )
            for i in range(n)
        ],
        page=Page(number=page, size=size, total_pages=max(1, -(-total // size)), total_results=total),
    )


def audit_event(i: int = 0, changes: list[AuditChange] | None = None) -> AuditEvent:
    """An update by an organization member."""
    return AuditEvent(
        id=f"ae-{i}",
        created_at=T0,
        change_made_by="organization_member",
        change_type="update",
        resource_id="res-1",
        user_id="user-1",
        changes=changes if changes is not None else [AuditChange(field="enabled", old=False, new=True)],
    )


def tags(n: int = 3, m: int = 2) -> UserTags:
    """Number and outbound profile tags."""
    return UserTags(
        number_tags=[f"team-{i}" for i in range(n)], outbound_profile_tags=[f"prof-{i}" for i in range(m)]
    )


# hypothesis: unbounded sizes and hostile text
text = st.text(max_size=400)
long_text = st.text(min_size=0, max_size=6000)
money_st = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
# small keys from a hostile alphabet: unique free-text keys make generation slow
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=80),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text("ab<>&`\u202e", max_size=4), children, max_size=4)
    ),
    max_leaves=8,
)
