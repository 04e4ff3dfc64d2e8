"""Auto-recharge as Telnyx does it, over HTTP: below the threshold, up to threshold + recharge_amount, at most
10 times in any 24 hours; each one seen in the balance, Telnyx's audit log and the sandbox's payments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx

from devkit.sandbox import Sandbox
from devkit.sandbox.query import parse_time
from tests.devkit.sandbox.account import advance, balance, knob, recharge_events, state, usage_records
from tests.devkit.sandbox.conftest import NOW, checked

PREFS = "/v2/payment/auto_recharge_prefs"
PAY = "/v2/payment/stored_payment_transactions"
DAY = timedelta(days=1)


def rise(event: dict) -> Decimal:
    change = event["changes"][0]
    return Decimal(change["to"]) - Decimal(change["from"])


async def test_falling_below_the_threshold_recharges_to_threshold_plus_the_recharge_amount(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    prefs = checked(await client.get(PREFS), "GetAutoRechargePrefs")["data"]
    assert prefs["enabled"] and (prefs["threshold_amount"], prefs["recharge_amount"]) == ("100.00", "250.00")
    await knob(client, "balance", {"balance": "101.00"})  # a knob is no debit: nothing recharges yet
    assert (await state(client))["recharges_last_24h"] == 0

    summary = await advance(client, 6 * 3600)

    [event] = await recharge_events(client, NOW)
    change = event["changes"][0]
    assert Decimal(change["from"]) < Decimal("100.00") and change["to"] == "350.00"
    assert event["change_type"] == "create" and event["change_made_by"] == "telnyx"
    # the transaction Telnyx made (no API lists payments: the sandbox keeps them)
    [payment] = sb.state.payments
    assert payment["id"] == event["resource_id"] and payment["auto_recharge"] is True
    assert Decimal(payment["amount_cents"]) / 100 == rise(event)
    assert payment["created_at"] == event["created_at"]
    assert summary["recharges_last_24h"] == 1 and summary["payments"] == 1
    # the balance: what was set, less what the records billed, plus the recharge
    spent = Decimal(summary["spent"])
    records = await usage_records(client, NOW, parse_time(summary["account_time"]))
    assert sum(Decimal(r["cost"]) for r in records) == spent
    assert (await balance(client))["balance"] == Decimal("101.00") - spent + rise(event)
    # the record after which it recharged is the one that took the balance below the threshold
    recharged_at = parse_time(event["created_at"])
    before = [r for r in records if parse_time(r.get("created_at") or r["started_at"]) <= recharged_at]
    assert Decimal("101.00") - sum(Decimal(r["cost"]) for r in before) == Decimal(change["from"])


async def test_no_more_than_ten_recharges_in_any_24_hours(sb: Sandbox, client: httpx.AsyncClient) -> None:
    # small recharges at a fast pace: the account needs far more than 10 a day
    checked(await client.patch(PREFS, json={"recharge_amount": "5.00"}), "UpdateAutoRechargePrefs")
    await knob(client, "spend", {"per_day": "3000.00"})
    await knob(client, "balance", {"balance": "100.00"})

    summary = await advance(client, 36 * 3600)

    events = await recharge_events(client, NOW)
    moments = [parse_time(e["created_at"]) for e in events]
    windows = [sum(1 for m in moments if t - DAY < m <= t) for t in moments]
    assert max(windows) == 10 and len(events) > 10  # the cap was reached, and it let more through a day later
    eleventh = events[10]
    assert moments[10] - moments[0] >= DAY
    # while capped the balance fell far below the threshold, down to what the credit limit allows
    assert Decimal(eleventh["changes"][0]["from"]) < Decimal("0.00")
    assert all(e["changes"][0]["to"] == "105.00" for e in events)
    assert summary["recharges_last_24h"] == sum(
        1 for m in moments if m > parse_time(summary["account_time"]) - DAY
    )
    assert summary["recharges_last_24h"] <= 10
    assert Decimal(summary["available_credit"]) >= 0


async def test_without_auto_recharge_the_balance_runs_down_and_spending_stops_at_the_credit_limit(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    checked(await client.patch(PREFS, json={"enabled": False}), "UpdateAutoRechargePrefs")
    opening = await balance(client)

    summary = await advance(client, 4 * 86400)  # 300 a day against 884.60 of available credit

    assert await recharge_events(client, NOW) == [] and summary["payments"] == 0
    left = await balance(client)
    assert left["balance"] < 0 and Decimal("0") <= left["available_credit"] < Decimal("30.00")
    assert Decimal(summary["spent"]) == opening["balance"] - left["balance"]
    # calls and messages stop: another day bills at most what credit is left
    later = await advance(client, 86400)
    assert Decimal(later["spent"]) - Decimal(summary["spent"]) <= left["available_credit"]
    # a top-up brings the service back
    checked(await client.post(PAY, json={"amount": "200.00"}), "createStoredPaymentTransaction")
    resumed = await advance(client, 86400)
    assert Decimal(resumed["spent"]) - Decimal(later["spent"]) > Decimal("100.00")


async def test_turning_auto_recharge_on_below_the_threshold_recharges_at_the_next_charge(
    client: httpx.AsyncClient,
) -> None:
    checked(await client.patch(PREFS, json={"enabled": False}), "UpdateAutoRechargePrefs")
    await knob(client, "balance", {"balance": "20.00"})
    await advance(client, 600)
    assert await recharge_events(client, NOW) == []
    checked(
        await client.patch(PREFS, json={"enabled": True, "threshold_amount": "50.00"}),
        "UpdateAutoRechargePrefs",
    )
    await advance(client, 3 * 3600)
    [event] = await recharge_events(client, NOW)
    assert event["changes"][0]["to"] == "300.00"  # threshold 50 + recharge 250
