"""State changes over HTTP: auto-recharge PATCH persists and is audited; payments raise the balance exactly."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx

from devkit.sandbox import Sandbox
from tests.devkit.sandbox.conftest import checked

PREFS = "/v2/payment/auto_recharge_prefs"
PAY = "/v2/payment/stored_payment_transactions"


async def balance(client: httpx.AsyncClient) -> dict:
    return checked(await client.get("/v2/balance"), "GetUserBalance")["data"]


async def newest_audit_event(client: httpx.AsyncClient) -> dict:
    body = checked(await client.get("/v2/audit_events", params={"page[size]": 1}), "ListAuditLogs")
    return body["data"][0]


async def test_patch_persists_and_adds_an_audit_event(client: httpx.AsyncClient) -> None:
    before_events = checked(await client.get("/v2/audit_events"), "ListAuditLogs")["meta"]["total_results"]
    change = {
        "threshold_amount": "75.50",
        "recharge_amount": "300",
        "preference": "ach",
        "invoice_enabled": True,
    }
    patched = checked(await client.patch(PREFS, json=change), "UpdateAutoRechargePrefs")["data"]
    assert patched["threshold_amount"] == "75.50" and patched["recharge_amount"] == "300.00"
    again = checked(await client.get(PREFS), "GetAutoRechargePrefs")["data"]
    assert again == patched and again["preference"] == "ach" and again["invoice_enabled"] is True
    assert again["enabled"] is True  # fields not sent are left alone

    after = checked(await client.get("/v2/audit_events"), "ListAuditLogs")["meta"]["total_results"]
    assert after == before_events + 1
    event = await newest_audit_event(client)
    assert event["resource_id"] == patched["id"] and event["change_type"] == "update"
    changes = {c["field"]: (c["from"], c["to"]) for c in event["changes"]}
    assert changes == {
        "threshold_amount": ("100.00", "75.50"),
        "recharge_amount": ("250.00", "300.00"),
        "preference": ("credit_paypal", "ach"),
        "invoice_enabled": (False, True),
    }


async def test_patch_that_changes_nothing_adds_no_event(sb: Sandbox, client: httpx.AsyncClient) -> None:
    events = len(sb.state.audit_events)
    checked(await client.patch(PREFS, json={"enabled": True}), "UpdateAutoRechargePrefs")
    assert len(sb.state.audit_events) == events


async def test_refused_patch_changes_nothing(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = checked(await client.get(PREFS), "GetAutoRechargePrefs")["data"]
    response = await client.patch(PREFS, json={"enabled": False, "recharge_amount": "50.001"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/recharge_amount"
    assert checked(await client.get(PREFS), "GetAutoRechargePrefs")["data"] == before


async def test_payment_raises_the_balance_by_exactly_its_amount(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    before = await balance(client)
    paid = checked(await client.post(PAY, json={"amount": "120.07"}), "createStoredPaymentTransaction")[
        "data"
    ]
    assert paid["amount_cents"] == 12007 and paid["amount_currency"] == "USD"
    assert paid["processor_status"] == "submitted_for_settlement"
    after = await balance(client)
    assert Decimal(after["balance"]) - Decimal(before["balance"]) == Decimal("120.07")
    assert Decimal(after["available_credit"]) - Decimal(before["available_credit"]) == Decimal("120.07")
    assert sb.state.payments == [paid]
    event = await newest_audit_event(client)
    assert event["resource_id"] == paid["id"]
    assert event["changes"] == [{"field": "balance", "from": before["balance"], "to": after["balance"]}]


async def test_concurrent_payments_all_count(sb: Sandbox, client: httpx.AsyncClient) -> None:
    start = sb.state.balance
    amounts = [f"{n}.{n:02d}" for n in range(1, 21)]
    answers = await asyncio.gather(*(client.post(PAY, json={"amount": a}) for a in amounts))
    assert [r.status_code for r in answers] == [200] * 20
    assert sb.state.balance - start == sum(Decimal(a) for a in amounts)
    assert len({p["id"] for p in sb.state.payments}) == 20


async def test_refused_payment_charges_nothing(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = sb.state.balance
    for amount in ("12.345", "-5", "0", "1e3", "", "12.", " 12.00"):
        response = await client.post(PAY, json={"amount": amount})
        assert response.status_code == 422, amount
        assert response.json()["errors"][0]["source"]["pointer"] == "/amount"
    assert sb.state.balance == before and sb.state.payments == []


async def test_reset_restores_the_seeded_account(sb: Sandbox, client: httpx.AsyncClient) -> None:
    original = sb.state.balance
    checked(await client.post(PAY, json={"amount": "10.00"}), "createStoredPaymentTransaction")
    response = await client.post("/_sandbox/reset")
    assert response.status_code == 200
    assert Decimal((await balance(client))["balance"]) == original
    assert sb.state.payments == []
