"""The Idempotency-Key header: accepted and recorded, a success replayed for 24 h, another body refused."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from devkit.sandbox import Fault, Sandbox
from devkit.sandbox.idempotency import LIFETIME
from tests.devkit.sandbox.conftest import checked, error_of

PAY = "/v2/payment/stored_payment_transactions"
OP = "createStoredPaymentTransaction"


async def pay(client: httpx.AsyncClient, amount: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await client.post(PAY, json={"amount": amount}, headers=headers)


async def test_the_header_is_accepted_and_recorded(sb: Sandbox, client: httpx.AsyncClient) -> None:
    checked(await pay(client, "5.00", "topup:1"), OP)
    assert sb.requests[-1].idempotency_key == "topup:1" and sb.requests[-1].problems == []
    listed = (await client.get("/_sandbox/requests")).json()["data"]
    assert listed[-1]["idempotency_key"] == "topup:1" and listed[-1]["replayed"] is False
    sb.assert_requests_valid()


async def test_the_same_key_and_body_replays_the_first_answer(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = sb.state.balance
    first = checked(await pay(client, "5.00", "topup:1"), OP)
    reordered = b'{ "amount" : "5.00" }'  # the same JSON, written differently
    again = await client.post(
        PAY, content=reordered, headers={"Idempotency-Key": "topup:1", "Content-Type": "application/json"}
    )
    assert checked(again, OP) == first
    assert sb.state.balance == before + 5 and len(sb.state.payments) == 1
    assert [r.replayed for r in sb.requests] == [False, True]


async def test_the_same_key_with_another_body_is_refused(sb: Sandbox, client: httpx.AsyncClient) -> None:
    checked(await pay(client, "5.00", "topup:1"), OP)
    error = error_of(await pay(client, "6.00", "topup:1"), OP, 422)
    assert "different body" in error["detail"]
    assert len(sb.state.payments) == 1


async def test_other_keys_and_no_key_charge_every_time(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = sb.state.balance
    for key in ("topup:1", "topup:2", None, None):
        checked(await pay(client, "5.00", key), OP)
    assert sb.state.balance == before + 20 and len(sb.state.payments) == 4


async def test_a_key_is_kept_for_24_hours(sb: Sandbox, client: httpx.AsyncClient) -> None:
    started = time.monotonic()
    sb.replays.clock = lambda: started
    first = checked(await pay(client, "5.00", "topup:1"), OP)
    sb.replays.clock = lambda: started + LIFETIME - 1
    assert checked(await pay(client, "5.00", "topup:1"), OP) == first
    sb.replays.clock = lambda: started + LIFETIME
    assert checked(await pay(client, "5.00", "topup:1"), OP)["data"]["id"] != first["data"]["id"]
    assert len(sb.state.payments) == 2


async def test_a_failed_request_is_not_kept(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.set_fault(PAY, Fault(status=503, times=1))
    error_of(await pay(client, "5.00", "topup:1"), OP, 503)
    error_of(await pay(client, "1.234", "topup:1"), OP, 422)  # a refusal is not kept either
    checked(await pay(client, "5.00", "topup:1"), OP)
    assert len(sb.state.payments) == 1 and not sb.requests[-1].replayed


@pytest.mark.parametrize("key", ["", "has space", "a/b", "x" * 256])
async def test_a_malformed_key_is_refused(sb: Sandbox, client: httpx.AsyncClient, key: str) -> None:
    error = error_of(await pay(client, "5.00", key), OP, 422)
    assert error["source"] == {"parameter": "Idempotency-Key"}
    assert sb.requests[-1].problems and sb.state.payments == []


async def test_concurrent_requests_with_one_key_charge_once(sb: Sandbox, client: httpx.AsyncClient) -> None:
    answers = await asyncio.gather(*(pay(client, "5.00", "topup:1") for _ in range(5)))
    assert len({checked(a, OP)["data"]["id"] for a in answers}) == 1
    assert len(sb.state.payments) == 1


async def test_reset_forgets_the_keys(sb: Sandbox, client: httpx.AsyncClient) -> None:
    checked(await pay(client, "5.00", "topup:1"), OP)
    sb.reset()
    checked(await pay(client, "5.00", "topup:1"), OP)
    assert len(sb.state.payments) == 1 and not sb.requests[-1].replayed
