"""The sandbox checks every request it receives against the spec, so other parts' tests check theirs."""

from __future__ import annotations

import httpx
import pytest

from devkit.sandbox import Sandbox, SandboxConfig
from tests.devkit.sandbox.conftest import KEY, NOW, TLS, checked


async def test_a_valid_request_has_no_problems(sb: Sandbox, client: httpx.AsyncClient) -> None:
    params = {"filter[record_type]": "messaging", "filter[cld][contains]": "555", "sort": "-created_at,cost"}
    checked(await client.get("/v2/detail_records", params=params), "SearchDetailRecords")
    assert sb.requests[-1].problems == []
    assert sb.requests[-1].query.getall("sort") == ["-created_at,cost"]
    sb.assert_requests_valid()


async def test_problems_are_recorded_and_assert_requests_valid_names_them(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    await client.get("/v2/invoices", params={"page_number": 2})  # a gateway bug the real API would ignore
    assert sb.requests[-1].problems == [
        "query page_number: unknown query parameter (this operation takes: page, sort)"
    ]
    with pytest.raises(AssertionError, match="GET /v2/invoices: query page_number"):
        sb.assert_requests_valid()


async def test_strict_refuses_what_lenient_only_records() -> None:
    params = {"page[size]": 7, "color": "red"}
    for strict, status in ((True, 400), (False, 200)):
        async with Sandbox(SandboxConfig(api_key=KEY, now=NOW, strict=strict)) as sb:
            async with httpx.AsyncClient(
                base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, verify=TLS
            ) as client:
                response = await client.get("/v2/invoices", params=params)
            assert response.status_code == status
            assert sb.requests[-1].problems, "the problem is recorded either way"
            if not strict:
                assert len(response.json()["data"]) == 7


async def test_lenient_still_refuses_what_the_api_cannot_serve() -> None:
    async with Sandbox(SandboxConfig(api_key=KEY, now=NOW, strict=False)) as sb:
        async with httpx.AsyncClient(
            base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, verify=TLS
        ) as c:
            assert (await c.get("/v2/detail_records")).status_code == 400
            too_long = {"start_date": "2026-01-01", "end_date": "2026-02-15"}
            assert (await c.get("/v2/charges_summary", params=too_long)).status_code == 400
            pay = await c.post("/v2/payment/stored_payment_transactions", json={"amount": "1.234"})
            assert pay.status_code == 422
            assert (await c.get("/v2/invoices", params={"page[size]": 1000})).status_code == 400


async def test_wrong_content_type_is_a_problem(sb: Sandbox, client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/v2/payment/auto_recharge_prefs",
        content=b'{"enabled": false}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 422
    assert "Content-Type must be application/json" in sb.requests[-1].problems[0]


async def test_filters_sorts_and_date_ranges(client: httpx.AsyncClient) -> None:
    base = {"filter[record_type]": "messaging", "page[size]": 50}
    inbound = checked(
        await client.get("/v2/detail_records", params={**base, "filter[direction]": "inbound"}),
        "SearchDetailRecords",
    )
    assert inbound["data"] and {r["direction"] for r in inbound["data"]} == {"inbound"}
    ends = checked(
        await client.get("/v2/detail_records", params={**base, "filter[cld][ends_with]": "0110"}),
        "SearchDetailRecords",
    )
    assert all(r["cld"].endswith("0110") for r in ends["data"])
    week = checked(
        await client.get(
            "/v2/detail_records", params={**base, "filter[date_range]": "last_7_days", "sort": "created_at"}
        ),
        "SearchDetailRecords",
    )
    stamps = [r["created_at"] for r in week["data"]]
    assert stamps == sorted(stamps) and stamps[0] >= "2026-03-08"
    since = checked(
        await client.get("/v2/detail_records", params={**base, "filter[created_at][gte]": "2026-03-14"}),
        "SearchDetailRecords",
    )
    assert since["data"] and all(r["created_at"] >= "2026-03-14" for r in since["data"])
    failed = checked(
        await client.get(
            "/v2/webhook_deliveries",
            params={"filter[status][eq]": "failed", "filter[attempts][contains]": "410"},
        ),
        "GetWebhookDeliveries",
    )
    assert failed["data"] and all(d["status"] == "failed" for d in failed["data"])
    assert all("410" in str(d["attempts"]) for d in failed["data"])


async def test_record_types_without_data_answer_an_empty_page(client: httpx.AsyncClient) -> None:
    body = checked(
        await client.get("/v2/detail_records", params={"filter[record_type]": "fax"}), "SearchDetailRecords"
    )
    assert body["data"] == [] and body["meta"]["total_results"] == 0 and body["meta"]["total_pages"] == 1


async def test_unknown_fields_are_refused_even_when_nothing_matches(client: httpx.AsyncClient) -> None:
    params = {"filter[record_type]": "messaging", "filter[date_range]": "tomorrow", "filter[colour]": "red"}
    response = await client.get("/v2/detail_records", params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"]["parameter"] == "filter[colour]"


async def test_a_client_following_the_documented_wire_format_is_served(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    # What any Telnyx client sends (the bot's gateway, or the official SDK): deepObject filters and
    # pages, a repeated `sort`, lists walked until meta.page_number reaches meta.total_pages.
    balance = checked(await client.get("/v2/balance"), "GetUserBalance")
    assert balance["data"]["balance"] == sb.state.balance_body()["balance"]
    invoices, number, pages = [], 1, 1
    while number <= pages:
        body = checked(
            await client.get("/v2/invoices", params={"page[number]": number, "page[size]": 6}), "ListInvoices"
        )
        invoices += body["data"]
        number, pages = body["meta"]["page_number"] + 1, body["meta"]["total_pages"]
    assert len(invoices) == len(sb.state.invoices) and pages > 1
    params = [
        ("filter[record_type]", "messaging"),
        ("filter[date_range]", "last_30_days"),
        ("page[size]", "50"),
        ("sort", "-created_at"),
    ]
    assert checked(await client.get("/v2/detail_records", params=params), "SearchDetailRecords")["data"]
    too_long = {"start_date": "2026-01-01", "end_date": "2026-03-01"}
    assert (await client.get("/v2/charges_summary", params=too_long)).status_code == 400
    sb.assert_requests_valid()
