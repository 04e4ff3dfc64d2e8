"""The account's knobs over HTTP: clock, balance, spend, webhook failures; each refusal a 400 that says why.

A refused body changes nothing; the state summary shows the account's time, its pace and its recharges.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.diagnosis import endpoint_key, summarize_failures
from bot.models import WebhookDeliveryPage
from devkit.sandbox import Sandbox
from devkit.sandbox.query import parse_time
from tests.devkit.sandbox.account import advance, balance, knob, state, usage_charges
from tests.devkit.sandbox.conftest import NOW, checked

ENDPOINT = "https://alerts.example.org/telnyx/hook"


async def test_the_clock_moves_the_account_time_and_the_summary_shows_pace_and_recharges(
    client: httpx.AsyncClient,
) -> None:
    first = await state(client)
    assert (first["account_time"], first["clock"], first["per_day"]) == (
        "2026-03-15T12:30:00Z",
        "frozen",
        "300.00",
    )
    assert (first["spent"], first["recharges_last_24h"]) == ("0.00", 0)
    moved = await advance(client, 90)
    assert moved["account_time"] == "2026-03-15T12:31:30Z"
    moved = await advance(client, 3 * 86400)
    assert parse_time(moved["account_time"]) == NOW + timedelta(days=3, seconds=90)
    assert Decimal(moved["spent"]) > 0 and moved["recharges_last_24h"] >= 1
    assert moved == await state(client)  # a frozen clock: reading it again changes nothing


async def test_the_balance_knob_sets_what_get_balance_answers_and_charges_nothing(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    events = len(sb.state.audit_events)
    summary = await knob(client, "balance", {"balance": "42.00"})
    assert summary["balance"] == "42.00" and summary["available_credit"] == "542.00"
    shown = await balance(client)
    assert (shown["balance"], shown["available_credit"]) == (Decimal("42.00"), Decimal("542.00"))
    assert len(sb.state.audit_events) == events and sb.state.payments == []  # no payment, no audit event
    assert (await knob(client, "balance", {"balance": "-120.50"}))["available_credit"] == "379.50"


async def test_the_spend_knob_sets_the_pace_from_now_on(client: httpx.AsyncClient) -> None:
    assert (await knob(client, "spend", {"per_day": "0.00"}))["per_day"] == "0.00"
    idle = await advance(client, 86400)
    assert idle["spent"] == "0.00"
    # from Monday midnight, at twice the pace: a weekday is worth per_day x 35/29
    assert parse_time(idle["account_time"]) == datetime(2026, 3, 16, 12, 30, tzinfo=UTC)
    await advance(client, 11 * 3600 + 1800)
    await knob(client, "spend", {"per_day": "600.00"})
    summary = await advance(client, 86400)
    assert summary["per_day"] == "600.00"
    monday = datetime(2026, 3, 17).date()
    tuesday = sum((await usage_charges(client, monday, monday + timedelta(days=1))).values())
    assert abs(tuesday - Decimal("600.00") * 35 / 29) < Decimal("0.01")


async def test_webhook_failures_are_added_now_and_read_by_the_bots_diagnosis(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    await advance(client, 3600)
    added = await knob(client, "webhook_failures", {"endpoint": ENDPOINT, "count": 20})
    ids = added["added_delivery_ids"]
    assert len(ids) == 20 == len(set(ids)) and added["failed_delivery_ids"][:20] == ids
    now = parse_time(added["account_time"])
    params = {"filter[status][eq]": "failed", "page[size]": 250}
    body = checked(await client.get("/v2/webhook_deliveries", params=params), "GetWebhookDeliveries")
    newest = body["data"][:20]
    assert [d["id"] for d in newest] == ids  # newest first, before every generated delivery
    for delivery in newest:
        assert (
            now - timedelta(hours=1)
            < parse_time(delivery["started_at"])
            <= parse_time(delivery["finished_at"])
            <= now
        )
        assert {a["http"]["request"]["url"] for a in delivery["attempts"]} == {ENDPOINT}
        assert len(delivery["attempts"]) >= 2 and delivery["attempts"][0]["status"] == "failed"
    one = checked(await client.get(f"/v2/webhook_deliveries/{ids[0]}"), "GetWebhookDelivery")["data"]
    assert one == newest[0]
    # what the bot makes of them: one group, this endpoint, a server error (the default cause, HTTP 500)
    page = WebhookDeliveryPage.model_validate(body)
    summary = summarize_failures(page.deliveries)
    top = summary.groups[0]
    assert (top.endpoint, top.kind, top.count) == (endpoint_key(ENDPOINT), "server_error", 20)

    timeouts = await knob(client, "webhook_failures", {"endpoint": ENDPOINT, "count": 3, "cause": "timeout"})
    fresh = checked(
        await client.get(f"/v2/webhook_deliveries/{timeouts['added_delivery_ids'][0]}"), "GetWebhookDelivery"
    )
    [delivery] = WebhookDeliveryPage.model_validate(
        {"data": [fresh["data"]], "meta": body["meta"]}
    ).deliveries
    assert summarize_failures([delivery]).groups[0].kind == "timeout"
    sb.assert_requests_valid()


async def test_reset_brings_back_the_seeded_account_its_time_and_its_pace(client: httpx.AsyncClient) -> None:
    first = await state(client)
    await knob(client, "spend", {"per_day": "1000.00"})
    await advance(client, 2 * 86400)
    response = await client.post("/_sandbox/reset")
    assert response.status_code == 200
    again = response.json()["data"]
    keys = ("account_time", "per_day", "spent", "balance", "recharges_last_24h", "detail_records")
    assert {k: again[k] for k in keys} == {k: first[k] for k in keys}


# (knob, body, what the answer must say): each refused with 400, nothing changed
BAD: list[tuple[str, Any, str]] = [
    ("clock", None, "The body must be a JSON object"),
    ("clock", [3600], "The body must be a JSON object"),
    ("clock", {}, "advance_seconds is required"),
    ("clock", {"advance_seconds": 60, "speed": 2}, "Unknown field(s) speed"),
    ("clock", {"advance_seconds": 0}, "from 1 to 7776000"),
    ("clock", {"advance_seconds": -60}, "from 1 to 7776000"),
    ("clock", {"advance_seconds": 1.5}, "whole number"),
    ("clock", {"advance_seconds": "60"}, "whole number"),
    ("clock", {"advance_seconds": True}, "whole number"),
    ("clock", {"advance_seconds": 7776001}, "from 1 to 7776000"),
    ("balance", {"balance": 42}, 'e.g. {"balance": "42.00"}'),
    ("balance", {"balance": "42.001"}, "at most two decimals"),
    ("balance", {"balance": "forty"}, "decimal string"),
    ("balance", {"balance": "-500.01"}, "from -500.00 (the credit limit used up)"),
    ("balance", {"amount": "42.00"}, "Unknown field(s) amount"),
    ("spend", {"per_day": 300}, 'e.g. {"per_day": "300.00"}'),
    ("spend", {"per_day": "-1.00"}, "decimal string"),
    ("spend", {"per_day": "3e2"}, "decimal string"),
    ("spend", {"per_day": "300.005"}, "at most two decimals"),
    ("spend", {"per_day": "2000000.00"}, "0 to 1000000.00"),
    ("spend", {}, "per_day is required"),
    ("webhook_failures", {"count": 5}, "endpoint is required"),
    ("webhook_failures", {"endpoint": "ftp://example.com/x", "count": 5}, "http:// or https:// URL"),
    ("webhook_failures", {"endpoint": "hooks.example.com", "count": 5}, "http:// or https:// URL"),
    ("webhook_failures", {"endpoint": "https:///nohost", "count": 5}, "with a host"),
    ("webhook_failures", {"endpoint": 42, "count": 5}, "http:// or https:// URL"),
    ("webhook_failures", {"endpoint": ENDPOINT}, "count is required"),
    ("webhook_failures", {"endpoint": ENDPOINT, "count": 0}, "from 1 to 1000"),
    ("webhook_failures", {"endpoint": ENDPOINT, "count": 1001}, "from 1 to 1000"),
    ("webhook_failures", {"endpoint": ENDPOINT, "count": "20"}, "whole number"),
    (
        "webhook_failures",
        {"endpoint": ENDPOINT, "count": 2, "cause": "flaky"},
        "cause must be one of http_500",
    ),
    ("webhook_failures", {"endpoint": ENDPOINT, "count": 2, "when": "now"}, "Unknown field(s) when"),
]


@pytest.mark.parametrize(("name", "body", "says"), BAD)
async def test_a_bad_knob_body_is_a_400_that_says_what_is_accepted_and_changes_nothing(
    sb: Sandbox, client: httpx.AsyncClient, name: str, body: Any, says: str
) -> None:
    before = await state(client)
    deliveries = len(sb.state.webhook_deliveries)
    if body is None:
        response = await client.post(
            f"/_sandbox/{name}", content=b"not json", headers={"Content-Type": "application/json"}
        )
    else:
        response = await client.post(f"/_sandbox/{name}", json=body)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["title"].startswith("Invalid") and says in error["detail"], error["detail"]
    assert "e.g." in error["detail"] or "one of" in error["detail"] or "from" in error["detail"]
    after = await state(client)
    assert {k: v for k, v in after.items() if k != "requests"} == {
        k: v for k, v in before.items() if k != "requests"
    }
    assert len(sb.state.webhook_deliveries) == deliveries
