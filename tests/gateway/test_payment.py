"""The payment: the documented URL, one request carrying an Idempotency-Key whatever happens, and only
proof of "not charged" (never sent, or a 4xx) reported as such: everything else is "outcome unknown"."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from bot.errors import (
    PaymentNotCharged,
    PaymentOutcomeUnknown,
    TelnyxAuthError,
    TelnyxError,
    TelnyxInvalidInput,
    TelnyxNetworkError,
    TelnyxNotFound,
    TelnyxPermissionDenied,
    TelnyxRateLimited,
)
from bot.telnyx_client import TelnyxGateway
from devkit.sandbox import Fault, Sandbox
from formatting import telnyx_errors as words
from tests.support.payment_front import Mode, PaymentFront

from .conftest import KEY, eventually

PAY = "/v2/payment/stored_payment_transactions"
IDEM = "topup:8f14e45f-ceea-467f-a9f2-5c1d1c2b7e0a:1"


def payment_requests(sb: Sandbox) -> list[str]:
    return [f"{r.method} {r.path}" for r in sb.requests if "payment/stored" in r.path]


def assert_says_unknown(error: PaymentOutcomeUnknown) -> None:
    """What a person reads: it may have been charged, do not retry, where to look; never "not charged"."""
    said = f"{words.message(error)} {words.hint(error)}"
    assert "nothing was charged" not in said.lower() and "not sent" not in said.lower()
    assert "may or may not have been charged" in words.message(error)
    assert "Do not retry" in words.message(error) and "Telnyx portal" in words.message(error)
    assert "payment history" in words.message(error) and "balance" in words.message(error)


async def test_one_post_to_the_documented_url_with_the_key(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    await gateway.create_payment(Decimal("25.50"), idempotency_key=IDEM)
    assert payment_requests(sandbox) == [f"POST {PAY}"]  # never /v2/v2/..., the SDK method's URL
    assert sandbox.requests[-1].json == {"amount": "25.50"}
    assert sandbox.requests[-1].idempotency_key == IDEM
    assert gateway.telnyx_request_count == 1


@pytest.mark.parametrize("key", ["", "has space", "a/b", "ключ", "x" * 256, "line\nbreak"])
async def test_a_malformed_key_is_refused_before_anything_is_sent(
    sandbox: Sandbox, gateway: TelnyxGateway, key: str
) -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        await gateway.create_payment(Decimal("25.50"), idempotency_key=key)
    assert sandbox.requests == [] and gateway.telnyx_request_count == 0


async def test_the_longest_key_telnyx_accepts_is_sent(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    key = "Az09_:-" * 36 + "abc"  # 255 characters
    await gateway.create_payment(Decimal("1.00"), idempotency_key=key)
    assert sandbox.requests[-1].idempotency_key == key


# --- charged, but the answer proves nothing: outcome unknown -------------------------------------------

UNKNOWN_MODES = [
    (Mode.HTTP_500, "http_500"),
    (Mode.HTTP_502, "http_502"),
    (Mode.HTTP_503, "http_503"),
    (Mode.HTTP_504, "http_504"),
    (Mode.HTML_500, "http_500"),
    (Mode.HTML_502, "http_502"),
    (Mode.HTML_503, "http_503"),
    (Mode.HTML_504, "http_504"),
    (Mode.TIMEOUT, "timeout"),
    (Mode.DROP, "dropped"),
    (Mode.GARBAGE_200, "unreadable"),
    (Mode.NO_DATA_200, "unreadable"),
    (Mode.TRICKLE_200, "timeout"),
    (Mode.REDIRECT_307, "http_307"),
]


@pytest.mark.parametrize(("mode", "reason"), UNKNOWN_MODES, ids=[m.value for m, _ in UNKNOWN_MODES])
async def test_a_charge_whose_answer_proves_nothing_is_outcome_unknown(
    sandbox: Sandbox, front: PaymentFront, mode: Mode, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = sandbox.state.balance
    front.mode = mode
    # the modes that wait for the deadline get a short one; the others a long one, so that a loaded
    # machine (a slow connect) cannot turn their answer into a timeout
    timeout = 0.5 if reason == "timeout" else 5.0
    async with TelnyxGateway(KEY, front.base_url, timeout=timeout) as gw:
        started = time.monotonic()
        with pytest.raises(PaymentOutcomeUnknown) as caught:
            await gw.create_payment(Decimal("120.00"), idempotency_key=IDEM)
        elapsed = time.monotonic() - started
        assert gw.telnyx_request_count == 1
    assert elapsed < timeout + 0.4  # the whole send within the timeout, whatever the server trickles
    assert caught.value.reason == reason
    assert_says_unknown(caught.value)
    # it really was charged: the one request went through the front to the sandbox
    (payment,) = front.payments
    assert payment.header("Idempotency-Key") == IDEM and payment.json == {"amount": "120.00"}
    assert payment_requests(sandbox) == [f"POST {PAY}"]
    assert sandbox.state.balance == before + Decimal("120.00")
    assert KEY not in caplog.text


async def test_a_trickled_answer_is_cut_off_at_the_timeout(sandbox: Sandbox, front: PaymentFront) -> None:
    # Each piece comes within the 0.5 s read timeout, but the whole answer would take 2 s.
    front.mode, front.trickle_interval = Mode.TRICKLE_200, 0.2
    async with TelnyxGateway(KEY, front.base_url, timeout=0.5) as gw:
        started = time.monotonic()
        with pytest.raises(PaymentOutcomeUnknown) as caught:
            await gw.create_payment(Decimal("7.00"), idempotency_key=IDEM)
        assert 0.45 <= time.monotonic() - started < 1.5  # the whole answer would take 2 s
    assert caught.value.reason == "timeout" and "0.5 s" in words.message(caught.value)
    assert len(front.payments) == 1


async def test_the_front_passes_a_good_answer_through(sandbox: Sandbox, front: PaymentFront) -> None:
    async with TelnyxGateway(KEY, front.base_url, timeout=2) as gw:
        result = await gw.create_payment(Decimal("9.99"), idempotency_key=IDEM)
        assert (await gw.balance()).value.balance == sandbox.state.balance
    assert result.amount == Decimal("9.99") and result.id == sandbox.state.payments[-1]["id"]
    assert [r.path for r in front.requests] == [PAY, "/v2/balance"]


async def test_a_hang_after_sending_is_outcome_unknown_not_a_failure(sandbox: Sandbox) -> None:
    sandbox.set_fault(PAY, Fault(hang=True))
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=0.5) as gw:
        started = time.monotonic()
        with pytest.raises(PaymentOutcomeUnknown) as caught:
            await gw.create_payment(Decimal("120.00"), idempotency_key=IDEM)
        assert time.monotonic() - started < 1.5
        assert gw.telnyx_request_count == 1
    assert caught.value.reason == "timeout"
    assert_says_unknown(caught.value)
    assert payment_requests(sandbox) == [f"POST {PAY}"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_every_server_error_is_outcome_unknown_and_not_retried(
    sandbox: Sandbox, gateway: TelnyxGateway, status: int
) -> None:
    sandbox.set_fault(PAY, Fault(status=status))
    with pytest.raises(PaymentOutcomeUnknown) as caught:
        await gateway.create_payment(Decimal("120.00"), idempotency_key=IDEM)
    assert caught.value.status == status and caught.value.reason == f"http_{status}"
    assert_says_unknown(caught.value)
    assert len(payment_requests(sandbox)) == 1


async def test_an_unexpected_error_mid_send_is_outcome_unknown(
    sandbox: Sandbox, gateway: TelnyxGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(*args: object, **kwargs: object) -> httpx.Response:
        raise RuntimeError("something nobody planned for")

    monkeypatch.setattr(httpx.AsyncClient, "send", explode)
    with pytest.raises(PaymentOutcomeUnknown) as caught:
        await gateway.create_payment(Decimal("120.00"), idempotency_key=IDEM)
    assert caught.value.reason == "unexpected"
    assert_says_unknown(caught.value)


# --- proof that nothing was charged: never sent, or refused with a 4xx ---------------------------------


async def test_a_refused_connection_was_not_charged(closed_port_url: str) -> None:
    async with TelnyxGateway(KEY, closed_port_url, timeout=2) as gw:
        with pytest.raises(PaymentNotCharged) as caught:
            await gw.create_payment(Decimal("120.00"), idempotency_key=IDEM)
        assert gw.telnyx_request_count == 1  # one attempt, not retried even though it never left
    error = caught.value
    assert not error.sent and isinstance(error.cause, TelnyxNetworkError)
    assert words.message(error).startswith("The payment was not sent, so nothing was charged.")
    assert "could not connect to Telnyx" in words.message(error)


@pytest.fixture
def unanswered_port_url() -> Iterator[str]:
    """A base URL whose listener never accepts: its backlog is full, so connecting just hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            yield f"http://127.0.0.1:{port}/v2"
        finally:
            for filler in fillers:
                filler.close()


async def test_a_connection_never_made_was_not_charged_even_near_the_deadline(
    unanswered_port_url: str,
) -> None:
    # Connecting gives up before the payment's deadline: "not sent" is still known, not lost in doubt.
    # 2 s: connecting gives up at 1.6 s, leaving the event loop 0.4 s of slack on a loaded machine
    # (with 0.5 s it failed once in a full run: the connect timeout fired after the payment's deadline).
    async with TelnyxGateway(KEY, unanswered_port_url, timeout=2.0) as gw:
        started = time.monotonic()
        with pytest.raises(PaymentNotCharged) as caught:
            await gw.create_payment(Decimal("120.00"), idempotency_key=IDEM)
        assert time.monotonic() - started < 2.0
    assert not caught.value.sent and isinstance(caught.value.cause, TelnyxNetworkError)


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        (400, TelnyxInvalidInput),
        (403, TelnyxPermissionDenied),
        (404, TelnyxNotFound),
        (409, TelnyxError),
        (422, TelnyxInvalidInput),
        (429, TelnyxRateLimited),
    ],
)
async def test_a_4xx_was_not_charged_and_is_not_retried(
    sandbox: Sandbox, gateway: TelnyxGateway, status: int, cause: type[TelnyxError]
) -> None:
    before = sandbox.state.balance
    sandbox.set_fault(PAY, Fault(status=status, retry_after=0.1))
    with pytest.raises(PaymentNotCharged) as caught:
        await gateway.create_payment(Decimal("120.00"), idempotency_key=IDEM)
    error = caught.value
    assert error.sent and type(error.cause) is cause and error.status == status
    assert words.message(error).startswith("Telnyx refused the payment, so nothing was charged.")
    assert words.hint(error) == words.hint(error.cause)
    assert payment_requests(sandbox) == [f"POST {PAY}"] and gateway.telnyx_request_count == 1
    assert sandbox.state.balance == before and sandbox.state.payments == []


async def test_a_rejected_key_was_not_charged(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "KEYWRONG0123456789secret"
    before = sandbox.state.balance
    async with TelnyxGateway(secret, sandbox.base_url, timeout=2) as gw:
        with pytest.raises(PaymentNotCharged) as caught:
            await gw.create_payment(Decimal("120.00"), idempotency_key=IDEM)
    assert isinstance(caught.value.cause, TelnyxAuthError) and caught.value.status == 401
    assert "Telnyx rejected the bot's API key" in words.message(caught.value)
    assert sandbox.state.balance == before
    assert secret not in caplog.text and secret not in str(caught.value)


async def test_a_422_says_why_nothing_was_charged(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    with pytest.raises(PaymentNotCharged) as caught:
        await gateway.create_payment(Decimal("10000000000.00"), idempotency_key=IDEM)  # too many digits
    error = caught.value
    assert isinstance(error.cause, TelnyxInvalidInput) and error.status == 422
    (problem,) = error.problems
    assert (problem.field, problem.code, problem.title) == ("amount", "10027", "Invalid amount format")
    assert "Telnyx said: Invalid amount format: Amount must be a decimal string" in words.message(error)
    assert len(payment_requests(sandbox)) == 1 and sandbox.state.payments == []


# --- around the send ---------------------------------------------------------------------------------


async def test_the_same_key_again_replays_the_first_charge(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    before = sandbox.state.balance
    first = await gateway.create_payment(Decimal("30.00"), idempotency_key=IDEM)
    again = await gateway.create_payment(Decimal("30.00"), idempotency_key=IDEM)
    assert again.id == first.id and sandbox.state.balance == before + Decimal("30.00")
    assert [r.replayed for r in sandbox.requests] == [False, True]


async def test_the_balance_cache_is_dropped_after_a_payment(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    before = (await gateway.balance()).value.balance
    assert (await gateway.balance()).from_cache
    await gateway.create_payment(Decimal("40.00"), idempotency_key=IDEM)
    after = await gateway.balance()
    assert not after.from_cache and after.value.balance == before + Decimal("40.00")


async def test_the_balance_cache_is_dropped_even_when_the_outcome_is_unknown(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    await gateway.balance()
    sandbox.set_fault(PAY, Fault(status=504, times=1))
    with pytest.raises(PaymentOutcomeUnknown):
        await gateway.create_payment(Decimal("40.00"), idempotency_key=IDEM)
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
        caller = asyncio.create_task(gateway.create_payment(Decimal("15.00"), idempotency_key=IDEM))
        await eventually(lambda: sandbox.request_count(PAY) == 1)  # on the wire, Telnyx still working on it
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        await asyncio.wait_for(finished.wait(), 2)
    finally:
        logging.getLogger("bot.telnyx_client").removeHandler(handler)
    assert sandbox.state.balance == before + Decimal("15.00") and len(payment_requests(sandbox)) == 1
