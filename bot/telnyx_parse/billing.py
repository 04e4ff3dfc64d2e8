"""Billing answers: balance, auto-recharge, invoices, charges, the payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.models import (
    Adjustment,
    AutoRechargePrefs,
    Balance,
    ChargesBreakdown,
    ChargesSummary,
    ChargesTotals,
    Invoice,
    InvoicePage,
    NumberCharges,
    PaymentResult,
    ServiceCharge,
    SummaryLine,
)
from bot.telnyx_parse.wire import Json, data, day, items, money, money_or_none, page_meta, timestamp


def balance(body: Any) -> Balance:
    """GET /balance."""
    d = data(body)
    return Balance(
        balance=money(d.get("balance")),
        available_credit=money(d.get("available_credit")),
        credit_limit=money(d.get("credit_limit")),
        pending=money(d.get("pending", "0")),
        currency=d.get("currency") or "USD",
    )


def auto_recharge_prefs(body: Any) -> AutoRechargePrefs:
    """GET or PATCH /payment/auto_recharge_prefs."""
    d = data(body)
    return AutoRechargePrefs(
        id=d.get("id"),
        enabled=bool(d.get("enabled", False)),
        invoice_enabled=bool(d.get("invoice_enabled", False)),
        preference=d.get("preference"),
        threshold_amount=money_or_none(d.get("threshold_amount")),
        recharge_amount=money_or_none(d.get("recharge_amount")),
    )


def invoice(d: Json) -> Invoice:
    """One invoice object (list item or GET /invoices/{id} data)."""
    return Invoice(
        invoice_id=d["invoice_id"],
        file_id=d.get("file_id"),
        period_start=day(d["period_start"]),
        period_end=day(d["period_end"]),
        paid=bool(d["paid"]),
        url=d.get("url"),
        download_url=d.get("download_url"),
    )


def invoice_detail(body: Any) -> Invoice:
    """GET /invoices/{id}."""
    return invoice(data(body))


def invoice_page(body: Any, *, number: int, size: int) -> InvoicePage:
    """GET /invoices."""
    return InvoicePage(
        invoices=[invoice(d) for d in items(body)], page=page_meta(body, number=number, size=size)
    )


def _summary_line(d: Json) -> SummaryLine:
    if d.get("type") == "comparative":
        new, old = d.get("new_this_month") or {}, d.get("existing_this_month") or {}
        return SummaryLine(
            type="comparative",
            name=d["name"],
            alias=d.get("alias", ""),
            # a month's amount is its recurring plus its one-time charges
            new_quantity=new.get("quantity"),
            new_amount=money(new.get("mrc", "0")) + money(new.get("otc") or "0"),
            existing_quantity=old.get("quantity"),
            existing_amount=money(old.get("mrc", "0")) + money(old.get("otc") or "0"),
        )
    return SummaryLine(
        type="simple",
        name=d["name"],
        alias=d.get("alias", ""),
        quantity=d.get("quantity"),
        amount=money(d.get("amount", "0")),
    )


def charges_summary(body: Any) -> ChargesSummary:
    """GET /charges_summary."""
    d = data(body)
    summary, total = d.get("summary") or {}, d["total"]
    return ChargesSummary(
        start_date=day(d["start_date"]),
        end_date=day(d["end_date"]),
        currency=d.get("currency") or "USD",
        user_email=d.get("user_email") or "",
        lines=[_summary_line(line) for line in summary.get("lines") or []],
        adjustments=[
            Adjustment(
                amount=money(a["amount"]),
                description=a.get("description") or "",
                event_date=day(a["event_date"]),
            )
            for a in summary.get("adjustments") or []
        ],
        totals=ChargesTotals(**{name: money(total[name]) for name in ChargesTotals.model_fields}),
    )


def charges_breakdown(body: Any) -> ChargesBreakdown:
    """GET /charges_breakdown."""
    d = data(body)
    return ChargesBreakdown(
        start_date=day(d["start_date"]),
        end_date=day(d["end_date"]),
        currency=d.get("currency") or "USD",
        results=[
            NumberCharges(
                tn=r["tn"],
                charge_type=r.get("charge_type", ""),
                services=[
                    ServiceCharge(name=s["name"], cost_type=s.get("cost_type", ""), cost=money(s["cost"]))
                    for s in r.get("services") or []
                ],
            )
            for r in d.get("results") or []
        ],
    )


def payment(body: Any) -> PaymentResult:
    """POST /payment/stored_payment_transactions: `amount_cents` becomes an exact Decimal amount."""
    d = data(body)
    cents = d["amount_cents"]
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValueError("amount_cents is not an integer")
    return PaymentResult(
        id=str(d["id"]),
        amount=Decimal(cents).scaleb(-2),
        currency=d.get("amount_currency") or "USD",
        processor_status=d.get("processor_status"),
        created_at=timestamp(d.get("created_at")),
    )
