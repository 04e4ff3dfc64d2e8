"""A Telnyx sandbox on 127.0.0.1 and a gateway pointed at it, fresh for every test; a lying front."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from bot.telnyx_client import TelnyxGateway
from devkit.sandbox import Sandbox, SandboxConfig
from tests.support.payment_front import PaymentFront

KEY = "KEYSANDBOX"
TIMEOUT = 2.0


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Wait until `condition()` holds, checking between event-loop turns; fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"still not true after {within} s"
        await asyncio.sleep(0.001)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A running sandbox; every request the bot sent must have matched the contract."""
    async with Sandbox(SandboxConfig(api_key=KEY, seed=7)) as sb:
        yield sb
        sb.assert_requests_valid()


@pytest.fixture
async def gateway(sandbox: Sandbox) -> AsyncIterator[TelnyxGateway]:
    """A gateway with a short timeout and a 10 s cache."""
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=TIMEOUT, cache_ttl=10) as gw:
        yield gw


@pytest.fixture
def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v2"


@pytest.fixture
async def front(sandbox: Sandbox) -> AsyncIterator[PaymentFront]:
    """A front before the sandbox that lets the payment through, then answers as its `mode` says."""
    async with PaymentFront(sandbox.base_url) as proxy:
        yield proxy
