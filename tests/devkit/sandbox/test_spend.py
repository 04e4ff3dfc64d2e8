"""The account spends as its time passes, over HTTP: the balance, the charges and the detail records agree.

The sandbox's data is anchored on Sunday 2026-03-15 12:30 UTC (conftest.NOW); MONDAY is the next midnight.
A weekday is worth per_day x 35/29, a weekend day per_day x 14/29, a business hour 16/3 of a night hour
(devkit.sandbox.spend); a week from any whole hour is worth exactly 7 x per_day.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.sandbox import Sandbox, SandboxConfig
from devkit.sandbox.data import build_account
from devkit.sandbox.query import parse_time
from tests.devkit.sandbox.account import (
    USAGE_TYPES,
    advance,
    advance_to,
    balance,
    cost_of,
    knob,
    recharge_events,
    state,
    usage_charges,
    usage_records,
)
from tests.devkit.sandbox.conftest import KEY, NOW, TLS, checked

DAY = timedelta(days=1)
MONDAY = datetime(2026, 3, 16, tzinfo=UTC)
PER_DAY = Decimal("300.00")
WEEKDAY = PER_DAY * 35 / 29  # 362.0689...
WEEKEND_DAY = PER_DAY * 14 / 29  # 144.8275...
CENT = Decimal("0.01")


def client_for(sb: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10, verify=TLS
    )


async def test_a_week_spends_seven_days_of_pace_and_balance_charges_records_agree_to_the_cent(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    await advance_to(client, MONDAY)
    await knob(client, "balance", {"balance": "100000.00"})  # no recharge in the way
    before, spent_before = await balance(client), Decimal((await state(client))["spent"])
    records_before = len(await usage_records(client, NOW, MONDAY))

    summary = await advance(client, 7 * 86400)

    assert parse_time(summary["account_time"]) == MONDAY + 7 * DAY
    week = 7 * PER_DAY
    after = await balance(client)
    assert before["balance"] - after["balance"] == week
    assert before["available_credit"] - after["available_credit"] == week
    assert Decimal(summary["spent"]) - spent_before == week
    charged = await usage_charges(client, MONDAY.date(), (MONDAY + 7 * DAY).date())
    assert sum(charged.values()) == week and charged["call_control"] > 0 and charged["sip_trunking"] > 0
    records = await usage_records(client, MONDAY, MONDAY + 7 * DAY)
    assert cost_of(records) == week
    # the records appeared as the time passed: none before the data's now, none after the account's time
    assert len(records) > 7 * 24 and records_before > 0
    times = [parse_time(r[USAGE_TYPES[_product(r)]]) for r in records]
    assert MONDAY <= min(times) and max(times) < MONDAY + 7 * DAY
    assert len({r["id"] for r in records}) == len(records)
    sb.assert_requests_valid()


PRODUCTS = {
    "message_detail_record": "messaging",
    "call_control_detail_record": "call-control",
    "sip_trunking_detail_record": "sip-trunking",
}


def _product(record: dict) -> str:
    return PRODUCTS[record["record_type"]]


async def test_weekdays_spend_more_than_weekend_days_and_business_hours_more_than_nights(
    client: httpx.AsyncClient,
) -> None:
    await advance_to(client, MONDAY)
    await knob(client, "balance", {"balance": "100000.00"})
    await advance(client, 7 * 86400)
    days = [MONDAY.date() + timedelta(days=n) for n in range(7)]
    spent = [sum((await usage_charges(client, day, day + DAY)).values()) for day in days]
    # each day bills its worth to the cent (the fraction of a cent is carried from one day to the next)
    for day, amount in zip(days, spent, strict=True):
        worth = WEEKDAY if day.weekday() < 5 else WEEKEND_DAY
        assert abs(amount - worth) < CENT, (day, amount, worth)
    assert min(spent[:5]) > 2 * max(spent[5:])

    wednesday = MONDAY + 2 * DAY
    busy = cost_of(
        await usage_records(client, wednesday + timedelta(hours=10), wednesday + timedelta(hours=11))
    )
    quiet = cost_of(
        await usage_records(client, wednesday + timedelta(hours=3), wednesday + timedelta(hours=4))
    )
    hour = WEEKDAY / 24
    assert abs(busy - hour * 24 * 16 / 227) < CENT and abs(quiet - hour * 24 * 3 / 227) < CENT
    assert busy > 5 * quiet


async def test_records_are_billed_when_their_moment_is_passed_not_before(client: httpx.AsyncClient) -> None:
    await knob(client, "balance", {"balance": "100000.00"})
    start = NOW
    for _ in range(6):  # ten minutes at a time: the records so far, and the balance, move together
        summary = await advance(client, 600)
        now = parse_time(summary["account_time"])
        records = await usage_records(client, start, now + DAY)  # nothing after the account's time exists
        assert all(parse_time(r[USAGE_TYPES[_product(r)]]) < now for r in records)
        assert Decimal("100000.00") - (await balance(client))["balance"] == cost_of(records)


async def test_the_same_seed_bills_the_same_records_and_another_seed_other_ones() -> None:
    answers = []
    for seed in (7, 7, 8):
        async with Sandbox(SandboxConfig(api_key=KEY, seed=seed, now=NOW)) as sb, client_for(sb) as client:
            await advance_to(client, MONDAY)
            await knob(client, "balance", {"balance": "100000.00"})
            await advance(client, 2 * 86400)
            records = await usage_records(client, MONDAY, MONDAY + 2 * DAY)
            answers.append(([r["id"] for r in records], cost_of(records), (await state(client))["balance"]))
    same, again, other = answers
    assert same == again and same[0]
    assert not set(same[0]) & set(other[0])
    # the pattern is the same for every seed: whole days cost the same, give or take the carried cent
    assert abs(same[1] - other[1]) <= CENT and abs(same[1] - 2 * WEEKDAY) < CENT


async def test_a_frozen_clock_stays_put_whatever_real_time_does(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    before = await state(client)
    real = sb.state.account_clock.timer
    sb.state.account_clock.timer = lambda: real() + 30 * 86400  # a month of real time passes
    after = await state(client)
    assert after["account_time"] == before["account_time"] == "2026-03-15T12:30:00Z"
    assert after["balance"] == before["balance"] and after["spent"] == "0.00"
    assert after["clock"] == "frozen"


async def test_a_live_clock_follows_real_time_and_the_account_spends_as_it_goes() -> None:
    opening = build_account(7, NOW).balance
    async with (
        Sandbox(SandboxConfig(api_key=KEY, now=NOW, live=True)) as sb,
        client_for(sb) as client,
    ):
        first = await state(client)
        assert first["clock"] == "live"
        deadline = time.monotonic() + 10
        while (await state(client))["account_time"] == first["account_time"]:  # real time moves it
            assert time.monotonic() < deadline, "the live clock did not move in 10 s"
            await asyncio.sleep(0.05)
        # a day of real time is not waited for: the clock's monotonic timer is moved on a day, and held there
        clock = sb.state.account_clock
        held = clock.timer() + 86400
        clock.timer = lambda: held
        later = await state(client)
        now = parse_time(later["account_time"])
        assert NOW + DAY < now < NOW + DAY + timedelta(seconds=30)
        spent = Decimal(later["spent"])
        assert WEEKEND_DAY - 20 < spent < WEEKDAY + 20  # Sunday noon to Monday noon
        records = await usage_records(client, NOW, now)
        events = await recharge_events(client, NOW)
        recharged = sum(
            (Decimal(e["changes"][0]["to"]) - Decimal(e["changes"][0]["from"]) for e in events), Decimal(0)
        )
        assert cost_of(records) == spent
        assert (await balance(client))["balance"] == opening - spent + recharged


async def test_spend_answers_validate_against_the_spec(sb: Sandbox, client: httpx.AsyncClient) -> None:
    await advance(client, 3 * 86400)  # records, recharges, charges lines
    for product, field in USAGE_TYPES.items():
        params = {"filter[record_type]": product, "page[size]": 50, "sort": f"-{field}"}
        page = checked(await client.get("/v2/detail_records", params=params), "SearchDetailRecords")["data"]
        assert parse_time(page[0][field]) > NOW  # the newest are the billed ones
        for record in page:
            # each record's cost is what its rate and units make
            if product == "messaging":
                made = Decimal(record["rate"]) * record["parts"] + Decimal(record["carrier_fee"])
            else:
                made = Decimal(record["rate"]) * record["billed_sec"] / 60
            assert made == Decimal(record["cost"]), record
    checked(await client.get("/v2/audit_events", params={"page[size]": 50}), "ListAuditLogs")
    params = {"start_date": "2026-03-15", "end_date": "2026-03-19"}
    checked(await client.get("/v2/charges_summary", params=params), "GetMonthlyChargesSummary")
    checked(await client.get("/v2/charges_breakdown", params=params), "GetMonthlyChargesBreakdown")
    checked(await client.get("/v2/balance"), "GetUserBalance")
    checked(
        await client.get(
            "/v2/detail_records", params={"filter[record_type]": "messaging", "filter[date_range]": "today"}
        ),
        "SearchDetailRecords",
    )
    sb.assert_requests_valid()


async def test_date_ranges_follow_the_account_time(client: httpx.AsyncClient) -> None:
    await advance_to(client, MONDAY + timedelta(hours=12))
    params = {"filter[record_type]": "call-control", "filter[date_range]": "today", "page[size]": 50}
    today = checked(await client.get("/v2/detail_records", params=params), "SearchDetailRecords")["data"]
    assert today and {r["started_at"][:10] for r in today} == {"2026-03-16"}


# Any advances, any paces, payments between: the views of the account never disagree.
STEPS = st.lists(
    st.tuples(
        st.integers(1, 36 * 3600),  # seconds to advance
        st.sampled_from([None, "0.00", "45.50", "300.00", "2500.00"]),  # a new pace first, or not
        st.sampled_from([None, "25.00", "400.00"]),  # a payment first, or not
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_balance_charges_and_records_stay_consistent_over_any_advances(
    steps: list[tuple[int, str | None, str | None]],
) -> None:
    asyncio.run(_consistent(steps))


async def _consistent(steps: list[tuple[int, str | None, str | None]]) -> None:
    async with Sandbox(SandboxConfig(api_key=KEY, now=NOW)) as sb, client_for(sb) as client:
        opening = (await balance(client))["balance"]
        paid = Decimal(0)
        for seconds, pace, payment in steps:
            if pace is not None:
                await knob(client, "spend", {"per_day": pace})
            if payment is not None:
                checked(
                    await client.post("/v2/payment/stored_payment_transactions", json={"amount": payment}),
                    "createStoredPaymentTransaction",
                )
                paid += Decimal(payment)
            summary = await advance(client, seconds)
            assert Decimal(summary["available_credit"]) >= 0  # spend stops where the credit does
            assert summary["recharges_last_24h"] <= 10
        now = parse_time(summary["account_time"])
        spent = Decimal(summary["spent"])
        assert now - NOW <= timedelta(days=30)  # the charges summary below may span 31 days at most
        records = await usage_records(client, NOW, now)
        charged = await usage_charges(client, NOW.date(), now.date() + DAY)
        events = await recharge_events(client, NOW - DAY)
        recharged = sum(
            (Decimal(e["changes"][0]["to"]) - Decimal(e["changes"][0]["from"]) for e in events), Decimal(0)
        )
        assert cost_of(records) == sum(charged.values(), Decimal(0)) == spent
        assert (await balance(client))["balance"] == opening + paid + recharged - spent
        moments = [parse_time(e["created_at"]) for e in events]
        assert all(sum(1 for m in moments if t - DAY < m <= t) <= 10 for t in moments)
        sb.assert_requests_valid()
