"""The payment: the documented URL, exactly one request whatever happens, "outcome unknown" when it may
have gone through, and the balance cache dropped afterwards."""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal

import pytest

from bot.errors import (
    PaymentOutcomeUnknown,
    TelnyxInvalidInput,
    TelnyxNetworkError,
    TelnyxRateLimited,
    TelnyxUnavailable,
)
from bot.sandbox import Fault, Sandbox
from bot.telnyx_client import TelnyxGateway

from .conftest import KEY

PAY = "/v2/payment/stored_payment_transactions"


def payment_requests(sb: Sandbox) -> list[str]:
    return [f"{r.method} {r.path}" for r in sb.requests if "payment/stored" in r.path]


async def test_one_post_to_the_documented_url(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    await gateway.create_payment(Decimal("25.50"))
    assert payment_requests(sandbox) == [f"POST {PAY}"]  # never /v2/v2/..., the SDK method's URL
    assert sandbox.requests[-1].json == {"amount": "25.50"}
    assert gateway.telnyx_request_count == 1


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_fails_without_a_retry(
    sandbox: Sandbox, gateway: TelnyxGateway, status: int
) -> None:
    before = sandbox.state.balance
    sandbox.set_fault(PAY, Fault(status=status))
    with pytest.raises(TelnyxUnavailable) as caught:
        await gateway.create_payment(Decimal("120.00"))
    assert caught.value.status == status
    assert payment_requests(sandbox) == [f"POST {PAY}"] and sandbox.state.balance == before


async def test_a_rate_limit_is_not_retried_even_when_short(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    sandbox.set_fault(PAY, Fault(status=429, retry_after=0.1))
    with pytest.raises(TelnyxRateLimited):
        await gateway.create_payment(Decimal("120.00"))
    assert len(payment_requests(sandbox)) == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_means_the_outcome_is_unknown(
    sandbox: Sandbox, gateway: TelnyxGateway, status: int
) -> None:
    sandbox.set_fault(PAY, Fault(status=status))
    with pytest.raises(PaymentOutcomeUnknown) as caught:
        await gateway.create_payment(Decimal("120.00"))
    assert "Do not retry" in caught.value.hint
    assert len(payment_requests(sandbox)) == 1


async def test_a_hang_after_sending_is_outcome_unknown_not_a_failure(sandbox: Sandbox) -> None:
    sandbox.set_fault(PAY, Fault(hang=True))
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=0.5) as gw:
        started = time.monotonic()
        with pytest.raises(PaymentOutcomeUnknown) as caught:
            await gw.create_payment(Decimal("120.00"))
        assert time.monotonic() - started < 1.0
        assert gw.telnyx_request_count == 1
    assert not isinstance(caught.value, TelnyxNetworkError)
    assert "may or may not" in caught.value.user_message
    assert payment_requests(sandbox) == [f"POST {PAY}"]


async def test_a_refused_connection_is_a_plain_network_error_the_payment_was_not_sent(
    closed_port_url: str,
) -> None:
    async with TelnyxGateway(KEY, closed_port_url, timeout=2) as gw:
        with pytest.raises(TelnyxNetworkError) as caught:
            await gw.create_payment(Decimal("120.00"))
        assert gw.telnyx_request_count == 1  # one attempt, not retried even though it never left
    assert not isinstance(caught.value, PaymentOutcomeUnknown)
    assert "NOT sent" in caught.value.user_message


async def test_a_422_carries_the_amount_problem(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    with pytest.raises(TelnyxInvalidInput) as caught:
        await gateway.create_payment(Decimal("10000000000.00"))  # more digits than Telnyx accepts
    (problem,) = caught.value.problems
    assert (problem.field, problem.code) == ("amount", "10027")
    assert len(payment_requests(sandbox)) == 1


async def test_the_balance_cache_is_dropped_after_a_payment(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    before = (await gateway.balance()).value.balance
    assert (await gateway.balance()).from_cache
    await gateway.create_payment(Decimal("40.00"))
    after = await gateway.balance()
    assert not after.from_cache and after.value.balance == before + Decimal("40.00")


async def test_the_balance_cache_is_dropped_even_when_the_outcome_is_unknown(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    await gateway.balance()
    sandbox.set_fault(PAY, Fault(status=504, times=1))
    with pytest.raises(PaymentOutcomeUnknown):
        await gateway.create_payment(Decimal("40.00"))
    assert not (await gateway.balance()).from_cache
    assert sandbox.request_count("/v2/balance") == 2


async def test_a_cancelled_caller_does_not_cut_the_payment_off(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    finished = asyncio.Event()

    class Finished(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "went through" in record.getMessage():
                finished.set()

    handler = Finished()
    logging.getLogger("bot.telnyx_client").addHandler(handler)
    try:
        sandbox.set_fault(PAY, Fault(latency=0.3))
        before = sandbox.state.balance
        caller = asyncio.create_task(gateway.create_payment(Decimal("15.00")))
        await asyncio.sleep(0.1)
        assert sandbox.request_count(PAY) == 1  # on the wire, Telnyx still working on it
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        await asyncio.wait_for(finished.wait(), 2)
    finally:
        logging.getLogger("bot.telnyx_client").removeHandler(handler)
    assert sandbox.state.balance == before + Decimal("15.00") and len(payment_requests(sandbox)) == 1
