"""Account-wide reads are shared: single flight, a short TTL, freshness on every answer, invalidation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.cache import TTLCache
from bot.errors import TelnyxUnavailable
from bot.models import AutoRechargeChange
from bot.telnyx_client import TelnyxGateway
from devkit.sandbox import Fault, Sandbox

from .conftest import KEY


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("users", [100, 500])
async def test_concurrent_balance_requests_make_one_telnyx_request(
    sandbox: Sandbox, gateway: TelnyxGateway, users: int
) -> None:
    sandbox.set_fault("/v2/balance", Fault(latency=0.05))
    answers = await asyncio.gather(*(gateway.balance() for _ in range(users)))
    assert sandbox.request_count("/v2/balance") == 1 == gateway.telnyx_request_count
    assert {a.value.balance for a in answers} == {sandbox.state.balance}


async def test_the_next_seconds_are_served_from_the_cache_with_their_age(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    clock = Clock()
    gateway.cache = TTLCache(10, clock=clock)
    before = datetime.now(UTC)
    first = await gateway.balance()
    assert not first.from_cache and before <= first.fetched_at <= datetime.now(UTC)
    clock.now = 9.5
    second = await gateway.balance()
    assert second.from_cache and second.fetched_at == first.fetched_at and second.age_seconds >= 0
    clock.now = 10.5
    third = await gateway.balance()
    assert not third.from_cache and third.fetched_at > first.fetched_at
    assert sandbox.request_count("/v2/balance") == 2


async def test_cache_ttl_zero_still_shares_concurrent_reads(sandbox: Sandbox) -> None:
    sandbox.set_fault("/v2/balance", Fault(latency=0.05))
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=2, cache_ttl=0) as gw:
        await asyncio.gather(*(gw.balance() for _ in range(20)))
        assert sandbox.request_count("/v2/balance") == 1
        assert not (await gw.balance()).from_cache
        assert sandbox.request_count("/v2/balance") == 2


async def test_changing_auto_recharge_drops_its_cached_answer(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    await gateway.auto_recharge_prefs()
    assert (await gateway.auto_recharge_prefs()).from_cache
    await gateway.update_auto_recharge_prefs(AutoRechargeChange(recharge_amount=Decimal("300.00")))
    after = await gateway.auto_recharge_prefs()
    assert not after.from_cache and after.value.recharge_amount == Decimal("300.00")
    assert sandbox.request_count("/v2/payment/auto_recharge_prefs", method="GET") == 2


async def test_a_failed_change_also_drops_the_cached_answer(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    await gateway.auto_recharge_prefs()
    sandbox.set_fault("/v2/payment/auto_recharge_prefs", Fault(status=500, times=1))
    with pytest.raises(TelnyxUnavailable):
        await gateway.update_auto_recharge_prefs(AutoRechargeChange(enabled=False))
    assert sandbox.request_count("/v2/payment/auto_recharge_prefs", method="PATCH") == 1  # writes: no retry
    assert not (await gateway.auto_recharge_prefs()).from_cache


async def test_invoices_and_tags_are_cached_per_question(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    await gateway.invoices(page=1, size=5)
    assert (await gateway.invoices(page=1, size=5)).from_cache
    assert not (await gateway.invoices(page=2, size=5)).from_cache
    assert not (await gateway.user_tags("sales")).from_cache
    assert (await gateway.user_tags("sales")).from_cache
    assert not (await gateway.user_tags("2fa")).from_cache
    await gateway.invalidate("invoices")
    assert not (await gateway.invoices(page=1, size=5)).from_cache
    assert (await gateway.user_tags("sales")).from_cache
    assert sandbox.request_count("/v2/invoices") == 3 and sandbox.request_count("/v2/user_tags") == 2


async def test_an_error_is_not_cached(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    sandbox.set_fault("/v2/balance", Fault(status=503, times=2))  # the read and its one retry
    with pytest.raises(TelnyxUnavailable):
        await gateway.balance()
    assert (await gateway.balance()).value.balance == sandbox.state.balance
    assert sandbox.request_count("/v2/balance") == 3
