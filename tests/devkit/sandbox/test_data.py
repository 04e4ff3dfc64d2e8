"""The generated account: volume, variety, determinism, and charges that add up, read over HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.sandbox import Sandbox
from devkit.sandbox.charges import breakdown_body, summary_body
from devkit.sandbox.data import build_account
from devkit.sandbox.query import parse_time
from tests.devkit.sandbox.conftest import NOW, checked


async def walk(client: httpx.AsyncClient, path: str, operation: str, size: int, **params: str) -> list[dict]:
    """Every item of a list, page by page, checking `meta` on the way."""
    items: list[dict] = []
    number = 1
    while True:
        body = checked(
            await client.get(path, params={**params, "page[number]": number, "page[size]": size}), operation
        )
        meta = body["meta"]
        assert meta["page_number"] == number and meta["page_size"] == size
        items += body["data"]
        if number >= meta["total_pages"]:
            assert len(items) == meta["total_results"]
            return items
        assert len(body["data"]) == size
        number += 1


async def test_invoices_span_18_months_and_some_are_unpaid(client: httpx.AsyncClient) -> None:
    invoices = await walk(client, "/v2/invoices", "ListInvoices", 7)
    assert len(invoices) >= 18
    starts = [i["period_start"] for i in invoices]
    assert starts == sorted(starts, reverse=True) and len(set(starts)) == len(starts)
    assert all(i["period_start"].endswith("-01") for i in invoices)
    assert 1 <= sum(not i["paid"] for i in invoices) < len(invoices)


async def test_detail_records_cover_90_days_types_statuses_directions(client: httpx.AsyncClient) -> None:
    everything: list[dict] = []
    for product in ("messaging", "verify", "conference", "call-control", "sip-trunking"):
        everything += await walk(
            client, "/v2/detail_records", "SearchDetailRecords", 50, **{"filter[record_type]": product}
        )
    assert len(everything) >= 500
    assert len({r["record_type"] for r in everything}) == 5
    times = [parse_time(r.get("created_at") or r["started_at"]) for r in everything]
    assert min(times) >= NOW - timedelta(days=90) and max(times) <= NOW
    assert max(times) - min(times) > timedelta(days=80)
    messages = [r for r in everything if r["record_type"] == "message_detail_record"]
    assert {"inbound", "outbound"} <= {r["direction"] for r in messages}
    assert len(Counter(r["status"] for r in messages)) >= 4
    assert len({r["cost"] for r in everything if "cost" in r}) > 10
    assert all(isinstance(r["cost"], str) for r in everything if "cost" in r)


async def test_webhook_deliveries_fail_in_realistic_ways(client: httpx.AsyncClient) -> None:
    deliveries = await walk(client, "/v2/webhook_deliveries", "GetWebhookDeliveries", 25)
    assert len(deliveries) >= 60
    failed = [d for d in deliveries if d["status"] == "failed"]
    assert len(failed) == len(deliveries) // 4
    attempts = [a for d in failed for a in d["attempts"]]
    assert all(len(d["attempts"]) >= 2 for d in failed)
    statuses = {a["http"]["response"]["status"] for a in attempts if "response" in a["http"]}
    assert {500, 502, 503, 404, 410} <= statuses
    assert all(a["http"]["response"]["body"] for a in attempts if "response" in a["http"])
    no_answer = Counter(a["errors"][0] for a in attempts if "response" not in a["http"])
    assert {75001, 75002, 75003, 75004} <= set(no_answer)  # DNS, refused, timeout, TLS
    for delivery in deliveries:
        for attempt in delivery["attempts"]:
            assert parse_time(attempt["started_at"]) <= parse_time(attempt["finished_at"])
        # newest first, like the spec's example
        starts = [parse_time(a["started_at"]) for a in delivery["attempts"]]
        assert starts == sorted(starts, reverse=True)
        assert delivery["attempts"][0]["status"] == delivery["status"]


async def test_audit_events_and_tags_exist(client: httpx.AsyncClient) -> None:
    events = await walk(client, "/v2/audit_events", "ListAuditLogs", 10)
    assert len(events) >= 20 and all(e["changes"] for e in events)
    tags = checked(await client.get("/v2/user_tags"), "GetUserTags")["data"]
    assert tags["number_tags"] and tags["outbound_profile_tags"]


async def test_account_is_plainly_fake(client: httpx.AsyncClient) -> None:
    summary = checked(
        await client.get(
            "/v2/charges_summary", params={"start_date": "2026-02-01", "end_date": "2026-03-01"}
        ),
        "GetMonthlyChargesSummary",
    )["data"]
    assert "sandbox" in summary["user_email"] and summary["user_email"].endswith("example.com")
    breakdown = checked(
        await client.get("/v2/charges_breakdown", params={"start_date": "2026-02-01"}),
        "GetMonthlyChargesBreakdown",
    )["data"]
    assert all(r["tn"][5:10] == "55501" for r in breakdown["results"])  # 555-01XX: fictional numbers


def test_same_seed_same_account_other_seed_other_account() -> None:
    one, two, other = build_account(7, NOW), build_account(7, NOW), build_account(8, NOW)
    assert one.detail_records == two.detail_records and one.webhook_deliveries == two.webhook_deliveries
    assert one.invoices == two.invoices and one.balance == two.balance
    assert one.detail_records != other.detail_records
    assert one.failed_delivery_ids() != other.failed_delivery_ids()


async def test_summary_totals_match_the_breakdown_over_http(client: httpx.AsyncClient) -> None:
    for start, end in (
        ("2026-02-01", "2026-03-01"),
        ("2026-03-01", "2026-04-01"),
        ("2025-11-15", "2025-12-16"),
    ):
        params = {"start_date": start, "end_date": end}
        summary = checked(await client.get("/v2/charges_summary", params=params), "GetMonthlyChargesSummary")
        breakdown = checked(
            await client.get("/v2/charges_breakdown", params=params), "GetMonthlyChargesBreakdown"
        )
        assert_consistent(summary["data"], breakdown["data"])


ACCOUNT = build_account(7, NOW)


@settings(max_examples=40, deadline=None)
@given(start=st.dates(date(2025, 1, 1), date(2026, 6, 1)), days=st.integers(1, 31))
def test_summary_totals_match_the_breakdown_for_any_range(start: date, days: int) -> None:
    state = ACCOUNT
    end = start + timedelta(days=days)
    assert_consistent(summary_body(state, start, end), breakdown_body(state, start, end))


def assert_consistent(summary: dict, breakdown: dict) -> None:
    services = [s for r in breakdown["results"] for s in r["services"]]
    total = summary["total"]
    mrc = sum((Decimal(s["cost"]) for s in services if s["cost_type"] == "MRC"), Decimal(0))
    otc = sum((Decimal(s["cost"]) for s in services if s["cost_type"] == "OTC"), Decimal(0))
    assert mrc == Decimal(total["new_mrc"]) + Decimal(total["existing_mrc"])
    assert otc == Decimal(total["new_otc"])
    lines = summary["summary"]["lines"]
    numbers = sum(
        line["new_this_month"]["quantity"] + line["existing_this_month"]["quantity"]
        for line in lines
        if line["type"] == "comparative"
    )
    assert numbers == len(breakdown["results"])
    other = sum((Decimal(line["amount"]) for line in lines if line["type"] == "simple"), Decimal(0))
    adjustments = sum((Decimal(a["amount"]) for a in summary["summary"]["adjustments"]), Decimal(0))
    assert Decimal(total["other"]) == other and Decimal(total["ledger_adjustments"]) == adjustments
    parts = ("new_mrc", "new_otc", "existing_mrc", "other", "credits", "ledger_adjustments")
    assert Decimal(total["grand_total"]) == sum((Decimal(total[p]) for p in parts), Decimal(0))


async def test_handles_for_other_tests_point_at_real_records(sb: Sandbox, client: httpx.AsyncClient) -> None:
    for delivery_id in sb.state.failed_delivery_ids()[:3]:
        body = checked(await client.get(f"/v2/webhook_deliveries/{delivery_id}"), "GetWebhookDelivery")
        assert body["data"]["status"] == "failed"
    invoice = checked(await client.get(f"/v2/invoices/{sb.state.first_unpaid_invoice_id}"), "GetInvoiceById")
    assert invoice["data"]["paid"] is False and "download_url" not in invoice["data"]
    assert sb.state.record_ids("message_detail_record")
