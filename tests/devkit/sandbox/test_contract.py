"""Every operation, its success and its documented refusals, each answer validated against the spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devkit.sandbox import Sandbox
from devkit.sandbox.routes import HANDLERS
from devkit.sandbox.spec import contract
from tests.devkit.sandbox.conftest import KEY, checked, error_of

UNKNOWN = "9f1c2b7e-0000-4000-8000-000000000000"
PAY = "/v2/payment/stored_payment_transactions"

# (operation, method, path, params, json body, expected status)
OK_CASES: list[tuple[str, str, str, dict[str, Any], Any]] = [
    ("GetUserBalance", "GET", "/v2/balance", {}, None),
    ("GetAutoRechargePrefs", "GET", "/v2/payment/auto_recharge_prefs", {}, None),
    ("UpdateAutoRechargePrefs", "PATCH", "/v2/payment/auto_recharge_prefs", {}, {"enabled": False}),
    ("GetUserTags", "GET", "/v2/user_tags", {"filter[starts_with]": "sales"}, None),
    ("ListInvoices", "GET", "/v2/invoices", {"page[size]": 5, "sort": "period_start"}, None),
    ("GetInvoiceById", "GET", "/v2/invoices/{invoice}", {"action": "link"}, None),
    (
        "GetMonthlyChargesSummary",
        "GET",
        "/v2/charges_summary",
        {"start_date": "2026-02-01", "end_date": "2026-03-01"},
        None,
    ),
    ("GetMonthlyChargesBreakdown", "GET", "/v2/charges_breakdown", {"start_date": "2026-02-01"}, None),
    (
        "ListAuditLogs",
        "GET",
        "/v2/audit_events",
        {"sort": "asc", "filter[created_after]": "2026-01-01T00:00:00Z"},
        None,
    ),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "messaging", "page[size]": 50},
        None,
    ),
    ("SearchDetailRecords", "GET", "/v2/detail_records", {"filter[record_type]": "verify"}, None),
    ("SearchDetailRecords", "GET", "/v2/detail_records", {"filter[record_type]": "conference"}, None),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "call-control", "page[size]": 50},
        None,
    ),
    ("SearchDetailRecords", "GET", "/v2/detail_records", {"filter[record_type]": "sip-trunking"}, None),
    ("GetWebhookDeliveries", "GET", "/v2/webhook_deliveries", {"page[size]": 250}, None),
    ("GetWebhookDelivery", "GET", "/v2/webhook_deliveries/{failed}", {}, None),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {"amount": "120.00"}),
]

# (operation, method, path, params, json body, status, the parameter or pointer the error names)
ERROR_CASES: list[tuple[str, str, str, dict[str, Any], Any, int, str]] = [
    ("SearchDetailRecords", "GET", "/v2/detail_records", {}, None, 400, "filter[record_type]"),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "wirelessxx"},
        None,
        400,
        "filter[record_type]",
    ),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "messaging", "page[size]": 51},
        None,
        400,
        "page[size]",
    ),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "messaging", "filter[date_range]": "fortnight"},
        None,
        400,
        "filter[date_range]",
    ),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "sip-trunking", "sort": "-created_at"},
        None,
        400,
        "sort",
    ),
    (
        "SearchDetailRecords",
        "GET",
        "/v2/detail_records",
        {"filter[record_type]": "messaging", "page[number]": 0},
        None,
        400,
        "page[number]",
    ),
    (
        "GetMonthlyChargesSummary",
        "GET",
        "/v2/charges_summary",
        {"start_date": "2026-01-01", "end_date": "2026-02-02"},
        None,
        400,
        "end_date",
    ),
    (
        "GetMonthlyChargesSummary",
        "GET",
        "/v2/charges_summary",
        {"start_date": "2026-01-01"},
        None,
        400,
        "end_date",
    ),
    (
        "GetMonthlyChargesSummary",
        "GET",
        "/v2/charges_summary",
        {"start_date": "2026-02-30", "end_date": "2026-03-10"},
        None,
        400,
        "start_date",
    ),
    (
        "GetMonthlyChargesBreakdown",
        "GET",
        "/v2/charges_breakdown",
        {"start_date": "2026-01-01", "end_date": "2026-03-01"},
        None,
        400,
        "end_date",
    ),
    (
        "GetMonthlyChargesBreakdown",
        "GET",
        "/v2/charges_breakdown",
        {"start_date": "2026-01-01", "format": "xml"},
        None,
        400,
        "format",
    ),
    ("ListInvoices", "GET", "/v2/invoices", {"sort": "period_end"}, None, 400, "sort"),
    ("ListInvoices", "GET", "/v2/invoices", {"page[size]": 251}, None, 400, "page[size]"),
    ("GetInvoiceById", "GET", f"/v2/invoices/{UNKNOWN}", {}, None, 404, "id"),
    ("GetInvoiceById", "GET", "/v2/invoices/INV-2026-01", {}, None, 400, "id"),
    ("GetInvoiceById", "GET", "/v2/invoices/{invoice}", {"action": "pdf"}, None, 400, "action"),
    ("ListAuditLogs", "GET", "/v2/audit_events", {"sort": "newest"}, None, 400, "sort"),
    (
        "ListAuditLogs",
        "GET",
        "/v2/audit_events",
        {"filter[created_after]": "last tuesday"},
        None,
        400,
        "filter[created_after]",
    ),
    ("GetUserTags", "GET", "/v2/user_tags", {"filter[prefix]": "x", "color": "red"}, None, 400, "color"),
    (
        "GetWebhookDeliveries",
        "GET",
        "/v2/webhook_deliveries",
        {"filter[status][eq]": "bounced"},
        None,
        422,
        "filter[status][eq]",
    ),
    (
        "GetWebhookDeliveries",
        "GET",
        "/v2/webhook_deliveries",
        {"filter[status]": "failed"},
        None,
        422,
        "filter[status]",
    ),
    ("GetWebhookDelivery", "GET", f"/v2/webhook_deliveries/{UNKNOWN}", {}, None, 404, "id"),
    ("GetWebhookDelivery", "GET", "/v2/webhook_deliveries/12345", {}, None, 404, "id"),
    (
        "UpdateAutoRechargePrefs",
        "PATCH",
        "/v2/payment/auto_recharge_prefs",
        {},
        {"preference": "cash"},
        422,
        "/preference",
    ),
    (
        "UpdateAutoRechargePrefs",
        "PATCH",
        "/v2/payment/auto_recharge_prefs",
        {},
        {"threshold_amount": "1.005"},
        422,
        "/threshold_amount",
    ),
    (
        "UpdateAutoRechargePrefs",
        "PATCH",
        "/v2/payment/auto_recharge_prefs",
        {},
        {"recharge_amount": 100},
        422,
        "/recharge_amount",
    ),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {"amount": "12.345"}, 422, "/amount"),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {"amount": "-5"}, 422, "/amount"),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {"amount": "0.00"}, 422, "/amount"),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {"amount": 120}, 422, "/amount"),
    ("createStoredPaymentTransaction", "POST", PAY, {}, {}, 422, "/amount"),
]


def fill(path: str, sb: Sandbox) -> str:
    return path.format(invoice=sb.state.first_unpaid_invoice_id, failed=sb.state.failed_delivery_ids()[0])


def test_every_operation_is_served_and_tested() -> None:
    operations = set(contract().operations)
    assert len(operations) == 13
    assert set(HANDLERS) == operations
    assert {case[0] for case in OK_CASES} == operations
    assert {case[0] for case in ERROR_CASES} >= operations - {"GetUserBalance", "GetAutoRechargePrefs"}


@pytest.mark.parametrize(("operation", "method", "path", "params", "body"), OK_CASES)
async def test_operation_answers_valid_body(
    sb: Sandbox, client: httpx.AsyncClient, operation: str, method: str, path: str, params: dict, body: Any
) -> None:
    response = await client.request(method, fill(path, sb), params=params, json=body)
    data = checked(response, operation)["data"]
    assert data, "an empty answer proves nothing"
    assert sb.requests[-1].operation == operation
    sb.assert_requests_valid()


@pytest.mark.parametrize(("operation", "method", "path", "params", "body", "status", "names"), ERROR_CASES)
async def test_refusal_is_a_telnyx_error(
    sb: Sandbox,
    client: httpx.AsyncClient,
    operation: str,
    method: str,
    path: str,
    params: dict,
    body: Any,
    status: int,
    names: str,
) -> None:
    balance, prefs = sb.state.balance, dict(sb.state.auto_recharge)
    response = await client.request(method, fill(path, sb), params=params, json=body)
    error = error_of(response, operation, status)
    assert names in (error["source"].get("parameter"), error["source"].get("pointer")), error
    assert KEY not in response.text
    # a refused request changes nothing
    assert sb.state.balance == balance and sb.state.auto_recharge == prefs and sb.state.payments == []


async def test_invalid_json_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(PAY, content=b"{amount: 12", headers={"Content-Type": "application/json"})
    error = error_of(response, "createStoredPaymentTransaction", 400)
    assert error["code"] == "10023"


async def test_unknown_path_and_method_answer_telnyx_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v2/numbers")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "10005"
    wrong = await client.delete("/v2/balance")
    assert wrong.status_code == 405 and wrong.json()["errors"][0]["title"]


async def test_breakdown_as_csv(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/charges_breakdown", params={"start_date": "2026-02-01", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "tn,charge_type,service,cost_type,cost"
    assert len(lines) > 10 and all(line.startswith("+1") for line in lines[1:])


async def test_the_payment_is_not_served_under_the_doubled_sdk_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/v2/payment/stored_payment_transactions", json={"amount": "1.00"})
    assert response.status_code == 404
