"""Fault knobs over HTTP: latency measured, 429 with Retry-After, 5xx a set number of times, hangs."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from devkit.sandbox import Fault, Sandbox, SandboxConfig
from tests.devkit.sandbox.conftest import KEY, NOW, TLS, checked, error_of


async def timed(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    start = time.perf_counter()
    response = await client.get(path)
    return response, time.perf_counter() - start


async def test_latency_is_added_to_matching_paths_only(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.set_fault("/v2/balance", Fault(latency=0.25, jitter=0.05))
    response, slow = await timed(client, "/v2/balance")
    checked(response, "GetUserBalance")
    assert 0.25 <= slow < 1.0  # the latency was added (a loaded machine adds its own on top)
    _, fast = await timed(client, "/v2/user_tags")
    assert fast < 0.25  # and only there: another path answers before the fault's latency could pass


async def test_429_carries_retry_after_then_recovers(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.set_fault("/v2/", Fault(status=429, retry_after=2, times=2))
    for _ in range(2):
        response = await client.get("/v2/invoices")
        error = error_of(response, "ListInvoices", 429)
        assert response.headers["Retry-After"] == "2" and error["code"] == "10011"
    checked(await client.get("/v2/invoices"), "ListInvoices")


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_telnyx_bodies(sb: Sandbox, client: httpx.AsyncClient, status: int) -> None:
    sb.set_fault("/v2/balance", Fault(status=status, times=1))
    error_of(await client.get("/v2/balance"), "GetUserBalance", status)
    checked(await client.get("/v2/balance"), "GetUserBalance")


async def test_an_erroring_payment_changes_no_balance(sb: Sandbox, client: httpx.AsyncClient) -> None:
    before = sb.state.balance
    sb.set_fault("/v2/payment/stored_payment_transactions", Fault(status=503))
    response = await client.post("/v2/payment/stored_payment_transactions", json={"amount": "5.00"})
    assert response.status_code == 503 and sb.state.balance == before
    assert sb.request_count("/v2/payment", method="POST") == 1


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
async def test_a_refusing_fault_answers_a_telnyx_body_and_charges_nothing(
    sb: Sandbox, client: httpx.AsyncClient, status: int
) -> None:
    before = sb.state.balance
    sb.set_fault("/v2/payment/stored_payment_transactions", Fault(status=status, times=1))
    response = await client.post("/v2/payment/stored_payment_transactions", json={"amount": "5.00"})
    assert response.status_code == status and response.json()["errors"][0]["title"]
    assert sb.state.balance == before and sb.state.payments == []


async def test_longest_prefix_wins_and_clear_removes(sb: Sandbox, client: httpx.AsyncClient) -> None:
    sb.set_fault("/v2/", Fault(status=500))
    sb.set_fault("/v2/balance", Fault(latency=0.0))
    checked(await client.get("/v2/balance"), "GetUserBalance")
    assert (await client.get("/v2/user_tags")).status_code == 500
    sb.clear_faults()
    checked(await client.get("/v2/user_tags"), "GetUserTags")


async def test_hang_holds_until_the_client_times_out_without_blocking_others(
    sb: Sandbox, client: httpx.AsyncClient
) -> None:
    sb.set_fault("/v2/invoices", Fault(hang=True))
    hung = asyncio.create_task(client.get("/v2/invoices", timeout=0.4))
    async with asyncio.timeout(5):
        while sb.request_count("/v2/invoices") == 0:  # noqa: ASYNC110 - polls the sandbox, with a deadline
            await asyncio.sleep(0.005)
    checked(await client.get("/v2/balance"), "GetUserBalance")  # the server still answers others
    start = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        await hung
    assert time.perf_counter() - start < 1.0


async def test_shutdown_is_not_held_up_by_a_hung_request() -> None:
    sandbox = Sandbox(SandboxConfig(api_key=KEY, now=NOW, faults={"/v2/": Fault(hang=True)}))
    await sandbox.start()
    async with httpx.AsyncClient(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {KEY}"}, verify=TLS
    ) as c:
        hung = asyncio.create_task(c.get("/v2/balance", timeout=10))
        async with asyncio.timeout(5):
            while sandbox.request_count("/v2/balance") == 0:  # noqa: ASYNC110 - polls the sandbox, with a deadline
                await asyncio.sleep(0.005)
        start = time.perf_counter()
        await sandbox.stop()
        assert time.perf_counter() - start < 2.0
        with pytest.raises(httpx.HTTPError):
            response = await hung
            response.raise_for_status()


async def test_faults_over_the_admin_endpoints(sb: Sandbox, client: httpx.AsyncClient) -> None:
    set_ = await client.post(
        "/_sandbox/faults", json={"path": "/v2/balance", "status": 429, "retry_after": 1.5}
    )
    assert set_.status_code == 200 and set_.json()["data"][0]["status"] == 429
    response = await client.get("/v2/balance")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1.5"
    listed = (await client.get("/_sandbox/faults")).json()["data"]
    assert [f["path"] for f in listed] == ["/v2/balance"]
    bad = await client.post("/_sandbox/faults", json={"path": "/v2/", "status": 418})
    assert bad.status_code == 400
    never = await client.post("/_sandbox/faults", json={"path": "/balance", "status": 503})
    assert never.status_code == 400 and "did you mean `/v2/balance`?" in never.json()["errors"][0]["detail"]
    cleared = await client.delete("/_sandbox/faults")
    assert cleared.json()["data"] == []
    checked(await client.get("/v2/balance"), "GetUserBalance")


async def test_requests_are_listed_over_the_admin_endpoint(client: httpx.AsyncClient) -> None:
    await client.get("/v2/invoices", params={"page[size]": 2, "bogus": 1})
    listed = (await client.get("/_sandbox/requests")).json()["data"]
    assert listed[-1]["path"] == "/v2/invoices"
    assert ["page[size]", "2"] in listed[-1]["query"]
    assert listed[-1]["problems"] and listed[-1]["status"] == 400
    assert "Authorization" not in str(listed) and KEY not in str(listed)
    await client.delete("/_sandbox/requests")
    assert (await client.get("/_sandbox/requests")).json()["data"] == []


def test_fault_rejects_nonsense() -> None:
    for bad in ({"status": 200}, {"latency": -1}, {"times": 0}, {"retry_after": -2}):
        with pytest.raises(ValueError):
            Fault(**bad)
