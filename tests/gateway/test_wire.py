"""Telnyx's JSON validated straight into the bot's models: field names, money, times, loose corners."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from bot.models import (
    Balance,
    ChargesSummary,
    DetailRecord,
    DetailRecordPage,
    InvoicePage,
    Page,
    PaymentResult,
    WebhookDelivery,
)
from bot.telnyx_client.wire import load_json, problems
from formatting import telnyx_errors as words


def test_money_never_passes_through_a_float() -> None:
    body = load_json(b'{"data": {"balance": "300.10", "available_credit": 0.1, "credit_limit": 7}}')
    balance = Balance.model_validate(body["data"])
    assert (balance.balance, balance.available_credit, balance.credit_limit) == (
        Decimal("300.10"),
        Decimal("0.1"),
        Decimal("7"),
    )
    assert (balance.pending, balance.currency) == (Decimal("0"), "USD")
    with pytest.raises(ValidationError):
        Balance.model_validate({"balance": "a lot", "available_credit": "1", "credit_limit": "1"})
    with pytest.raises(ValidationError):
        Balance.model_validate({"balance": 1.5, "available_credit": "1", "credit_limit": "1"})  # a float


def test_a_list_answer_fills_what_meta_leaves_out_with_what_was_asked() -> None:
    invoice = {"invoice_id": "i-1", "period_start": "2026-02-01", "period_end": "2026-02-28", "paid": True}
    body = {"data": [invoice, "not an object", invoice], "meta": {"total_pages": 3, "page_number": None}}
    page = InvoicePage.model_validate(body, context={"page_number": 2, "page_size": 2})
    assert len(page.invoices) == 2 and page.invoices[0].paid is True
    assert page.page == Page(number=2, size=2, total_pages=3, total_results=3)  # as many as arrived
    with pytest.raises(ValidationError):
        InvoicePage.model_validate({"data": None})


def test_detail_records_lift_the_fields_each_record_type_names_its_own_way() -> None:
    message = {
        "uuid": "m-1",
        "id": None,
        "record_type": "message_detail_record",
        "created_at": "2026-03-01T10:00:00",
        "cost": "",
        "data_cost": "0.0040",
        "cld": "+15550001111",
    }
    call = {"id": 42, "started_at": "2026-03-01T12:00:00+02:00", "verification_status": "ok", "status": ""}
    page = DetailRecordPage.model_validate({"data": [message, call], "meta": {}})
    lifted, voice = page.records
    assert (lifted.id, lifted.cost, lifted.created_at) == (
        "m-1",
        Decimal("0.0040"),
        datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    assert lifted.raw == message  # everything kept as sent, blanks included
    assert (voice.id, voice.status, voice.created_at) == ("42", "ok", datetime(2026, 3, 1, 10, tzinfo=UTC))
    assert DetailRecord(id="r", record_type="fax", raw={"a": 1}).raw == {"a": 1}  # built by name


def test_a_comparative_line_adds_recurring_and_one_time_charges() -> None:
    body = {
        "start_date": "2026-03-01",
        "end_date": "2026-03-29",
        "currency": None,
        "summary": {
            "lines": [
                {"type": "simple", "name": "sms", "alias": "SMS", "quantity": 3, "amount": "1.20"},
                {
                    "type": "comparative",
                    "name": "numbers",
                    "alias": "Numbers",
                    "new_this_month": {"quantity": 2, "mrc": "2.00", "otc": None},
                    "existing_this_month": {"quantity": 5, "mrc": "5.00", "otc": "1.50"},
                },
            ],
            "adjustments": None,
        },
        "total": dict.fromkeys(
            ("new_mrc", "new_otc", "existing_mrc", "other", "credits", "ledger_adjustments", "grand_total"),
            "1",
        ),
    }
    summary = ChargesSummary.model_validate(body)
    simple, comparative = summary.lines
    assert (simple.type, simple.total) == ("simple", Decimal("1.20"))
    assert (comparative.new_quantity, comparative.new_amount) == (2, Decimal("2.00"))
    assert (comparative.existing_amount, comparative.total) == (Decimal("6.50"), Decimal("8.50"))
    assert (summary.currency, summary.adjustments, summary.totals.grand_total) == ("USD", [], Decimal("1"))


def test_a_webhook_delivery_reads_its_nested_webhook_and_attempts() -> None:
    body = {
        "id": "d-1",
        "status": "failed",
        "webhook": {"event_type": "message.sent", "id": "e-1", "payload": None},
        "attempts": [
            {
                "status": "failed",
                "started_at": "2026-03-01T10:00:00Z",
                "errors": [75001, "75002", {"code": "75003"}, {"code": "x"}, True],
                "http": {"request": {"url": "https://example.com/hook"}, "response": {"status": 410}},
            },
            None,
        ],
    }
    delivery = WebhookDelivery.model_validate(body)
    (attempt,) = delivery.attempts
    assert (delivery.event_type, delivery.event_id, delivery.payload) == ("message.sent", "e-1", {})
    assert attempt.errors == [75001, 75002, 75003]
    assert (attempt.request_url, attempt.response_status, attempt.response_headers) == (
        "https://example.com/hook",
        410,
        [],
    )


def test_a_payment_amount_is_exactly_its_cents() -> None:
    answer = {"id": "txn-1", "amount_cents": 12005, "amount_currency": "USD", "processor_status": "settled"}
    result = PaymentResult.model_validate(answer)
    assert (result.amount, result.currency, result.id) == (Decimal("120.05"), "USD", "txn-1")
    for cents in (120.05, "12005", True, None):
        with pytest.raises(ValidationError):
            PaymentResult.model_validate(answer | {"amount_cents": cents})
    assert PaymentResult(id="t", amount=Decimal("9.99"), currency="USD").amount == Decimal("9.99")


def test_an_error_body_becomes_problems_a_user_may_read() -> None:
    body = (
        b'{"errors": [{"code": 10027, "title": "Invalid amount format", "detail": "Two decimals.",'
        b' "source": {"pointer": "/amount"}}, {"source": {"parameter": "filter[x]"}}, {"source": {"pointer": "/"}},'
        b' "junk"]}'
    )
    amount, parameter, whole = problems(body)
    assert (amount.code, amount.title, amount.field, amount.detail) == (
        "10027",
        "Invalid amount format",
        "amount",
        "Two decimals.",
    )
    assert (parameter.title, parameter.field, parameter.code) == ("", "filter[x]", None)
    assert words.problem_title(parameter) == "Invalid value"  # a problem Telnyx gave no title
    assert whole.field is None
    assert problems(b"<html>502 Bad Gateway</html>") == [] and problems(b'{"errors": "no"}') == []
