"""Invoices, the numbers behind the charges reports, ledger events, balance and auto-recharge."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devkit.sandbox.rand import Gen
from devkit.sandbox.state import LedgerEvent, PhoneNumber

INVOICE_MONTHS = 20
UNPAID_RECENT = 2  # the last closed months are not paid yet...
UNPAID_OVERDUE_AGE = 7  # ...and one older invoice is overdue
AREA_CODES = ("312", "415", "646", "512", "206")
# the newest invoice has the id `/telnyx help` shows as its example, so copying it works here
EXAMPLE_INVOICE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

LOCAL_SERVICES = (("Local DIDs", "MRC", Decimal("1.00")),)
LOCAL_EXTRAS = (("CNAM Listing", "MRC", Decimal("0.50")), ("E911", "MRC", Decimal("1.50")))
TOLL_FREE_SERVICES = (("Toll-free DIDs", "MRC", Decimal("2.00")),)
ACTIVATION = ("Number activation", "OTC", Decimal("1.00"))
SIMPLE_LINES = {
    "port_out": ("Port Out", Decimal("5.00")),
    "10dlc_campaign": ("10DLC Campaign", Decimal("10.00")),
}


def example_number(area: str, line: int) -> str:
    """A fictional North American number: 555-0100 to 555-0199 are reserved for examples."""
    return f"+1{area}55501{line % 100:02d}"


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def build_invoices(gen: Gen, now: datetime) -> list[dict[str, Any]]:
    """Monthly invoices for the closed months, newest first; recent and one old one unpaid."""
    invoices = []
    for back in range(1, INVOICE_MONTHS + 1):
        start = month_start(now.date(), back)
        end = month_start(now.date(), back - 1) - timedelta(days=1)
        invoices.append(
            {
                "invoice_id": gen.uuid(),
                "file_id": gen.uuid(),
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "paid": back > UNPAID_RECENT and back != UNPAID_OVERDUE_AGE,
            }
        )
    invoices[0]["invoice_id"] = EXAMPLE_INVOICE_ID  # its drawn id is discarded: the rest stay the same
    return invoices


def build_numbers(gen: Gen, now: datetime) -> list[PhoneNumber]:
    """28 numbers activated over the last ~16 months, a few released since."""
    today = now.date()
    numbers = []
    for index in range(28):
        toll_free = index % 7 == 6
        area = "800" if toll_free else AREA_CODES[index % len(AREA_CODES)]
        activated = today - timedelta(days=gen.int(0, 480))
        released = None
        if gen.chance(0.12):
            released = activated + timedelta(days=gen.int(20, 200))
            released = released if released < today else None
        services = list(TOLL_FREE_SERVICES if toll_free else LOCAL_SERVICES)
        if not toll_free:
            services += [extra for extra in LOCAL_EXTRAS if gen.chance(0.6)]
        services.append(ACTIVATION)
        numbers.append(
            PhoneNumber(
                tn=example_number(area, 10 + index * 3),
                charge_type="toll_free" if toll_free else "local",
                activated_on=activated,
                released_on=released,
                services=services,
            )
        )
    return numbers


def build_ledger(gen: Gen, now: datetime) -> list[LedgerEvent]:
    """Port outs, 10DLC campaign fees and ledger adjustments over the last ~16 months."""
    today = now.date()
    events = []
    for alias, (name, price) in SIMPLE_LINES.items():
        for _ in range(gen.int(6, 14)):
            events.append(LedgerEvent(today - timedelta(days=gen.int(0, 480)), alias, name, price))
    adjustments = (("Service credit: messaging outage", "-10.00"), ("Late payment fee", "2.50"))
    for _ in range(8):
        description, amount = gen.pick(adjustments)
        events.append(
            LedgerEvent(today - timedelta(days=gen.int(0, 480)), "adjustment", description, Decimal(amount))
        )
    return sorted(events, key=lambda e: e.day)


def build_prefs(gen: Gen) -> dict[str, Any]:
    """Auto-recharge preferences as Telnyx holds them (amounts as Decimal here)."""
    return {
        "id": gen.digits(19),
        "record_type": "auto_recharge_pref",
        "enabled": True,
        "invoice_enabled": False,
        "preference": "credit_paypal",
        "threshold_amount": Decimal("100.00"),
        "recharge_amount": Decimal("250.00"),
    }


def build_tags() -> tuple[list[str], list[str]]:
    """Number tags and outbound-profile tags."""
    # `prod...` tags answer `/telnyx help`'s example `tags prod` in both lists
    number_tags = [
        "sandbox",
        "support-line",
        "sales",
        "sales-east",
        "sales-west",
        "marketing",
        "2fa",
        "prod",
        "prod-eu",
    ]
    return number_tags, ["sandbox-outbound", "sales-outbound", "alerts", "prod-outbound"]
