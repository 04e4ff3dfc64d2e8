"""Reading the sandbox account's spend over HTTP, every answer checked against the spec."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from devkit.sandbox.query import parse_time
from devkit.sandbox.state import iso
from tests.devkit.sandbox.conftest import checked

# the detail record types that bill the spend, and the field their time is in
USAGE_TYPES = {"messaging": "created_at", "call-control": "started_at", "sip-trunking": "started_at"}
USAGE_ALIASES = ("messaging", "call_control", "sip_trunking")


async def knob(client: httpx.AsyncClient, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /_sandbox/<name>: it must answer 200; its summary."""
    response = await client.post(f"/_sandbox/{name}", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def advance(client: httpx.AsyncClient, seconds: int) -> dict[str, Any]:
    """Move the account's time forward by `seconds`."""
    return await knob(client, "clock", {"advance_seconds": seconds})


async def advance_to(client: httpx.AsyncClient, moment: datetime) -> dict[str, Any]:
    """Move the account's time forward to `moment`."""
    now = parse_time((await state(client))["account_time"])
    return await advance(client, int((moment - now).total_seconds()))


async def state(client: httpx.AsyncClient) -> dict[str, Any]:
    """GET /_sandbox/state."""
    response = await client.get("/_sandbox/state")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def balance(client: httpx.AsyncClient) -> dict[str, Decimal]:
    """GET /v2/balance, its amounts as Decimal."""
    data = checked(await client.get("/v2/balance"), "GetUserBalance")["data"]
    return {key: Decimal(data[key]) for key in ("balance", "available_credit", "credit_limit", "pending")}


async def usage_charges(client: httpx.AsyncClient, start: date, end: date) -> dict[str, Decimal]:
    """The usage lines of GET /v2/charges_summary for [start, end), by alias (absent: none)."""
    params = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    body = checked(await client.get("/v2/charges_summary", params=params), "GetMonthlyChargesSummary")["data"]
    lines = body["summary"]["lines"]
    simple = sum((Decimal(line["amount"]) for line in lines if line["type"] == "simple"), Decimal(0))
    assert Decimal(body["total"]["other"]) == simple  # usage is counted in `other`, with the per-item lines
    return {line["alias"]: Decimal(line["amount"]) for line in lines if line["alias"] in USAGE_ALIASES}


async def usage_records(client: httpx.AsyncClient, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Every detail record that bills usage with its time in [since, until), page by page."""
    found: list[dict[str, Any]] = []
    for product, field in USAGE_TYPES.items():
        number = 1
        while True:
            params = {
                "filter[record_type]": product,
                f"filter[{field}][gte]": iso(since),
                f"filter[{field}][lt]": iso(until),
                "page[size]": 50,
                "page[number]": number,
            }
            body = checked(await client.get("/v2/detail_records", params=params), "SearchDetailRecords")
            found += body["data"]
            if number >= body["meta"]["total_pages"]:
                break
            number += 1
    return found


def cost_of(records: list[dict[str, Any]]) -> Decimal:
    """What the records bill together."""
    return sum((Decimal(r["cost"]) for r in records), Decimal(0))


async def recharge_events(client: httpx.AsyncClient, since: datetime) -> list[dict[str, Any]]:
    """Telnyx's auto-recharge audit events after `since`, oldest first."""
    params = {"filter[created_after]": iso(since), "sort": "asc", "page[size]": 250}
    events = checked(await client.get("/v2/audit_events", params=params), "ListAuditLogs")["data"]
    return [e for e in events if e["change_made_by"] == "telnyx" and e["changes"][0]["field"] == "balance"]
