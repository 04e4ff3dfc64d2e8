"""Socket Mode under every fault Slack's side produces, over real WebSockets to the fake Slack.

For each fault, `/telnyx balance` sent once Slack is reachable again is answered within 10 s, and no
envelope is handled twice. The supervisor runs with short clocks (heartbeat 1 s, idle 3 s, backoff
0.1-0.5 s); production uses the defaults of bot.socket_mode.Timing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp

from bot.app import create_app, services_of
from bot.config import Settings
from bot.probes import HealthServer
from bot.services import SocketModeState
from bot.socket_mode import AppTokenRefused, EnvelopeMemory, SocketModeRunner, Timing
from devkit.sandbox import Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack
from devkit.slackfake.payloads import PayloadBuilder
from tests.app.harness import KEY, NOW, PEOPLE, TOKEN

APP_TOKEN = "xapp-1-A0TEST-socket"
FAST = Timing(ping_interval=1.0, idle_timeout=3.0, hello_timeout=2.0, backoff_first=0.1, backoff_max=0.5)


@dataclass
class SocketBot:
    app: AsyncApp
    slack: FakeSlack
    state: SocketModeState
    runner: SocketModeRunner
    task: asyncio.Task[None]

    def command(self, text: str = "balance") -> dict[str, object]:
        builder = PayloadBuilder(fake=self.slack, team_id="T0TEST", api_app_id="A0TEST")
        return builder.command("/telnyx", text, user="U0ALICE", channel="C0GENERAL")

    def answers(self) -> int:
        return len(self.slack.calls_to("response_url"))

    async def balance_answered(self, within: float = 10.0) -> float:
        """Send /telnyx balance (waiting for a connection) and return how long until it was answered."""
        started, before = time.monotonic(), self.answers()
        async with asyncio.timeout(within):
            while True:
                try:
                    await self.slack.socket.send("slash_commands", self.command(), timeout=within)
                    break
                except (TimeoutError, ConnectionError, RuntimeError):
                    await asyncio.sleep(0.1)  # the socket went away between the wait and the send
            while self.answers() == before:  # noqa: ASYNC110 - polls the fake Slack, with a deadline
                await asyncio.sleep(0.02)
        [reply] = self.slack.calls_to("response_url")[before:]
        assert "Balance" in str(reply.args)
        return time.monotonic() - started

    async def connected(self, sessions: int, within: float = 10.0) -> None:
        """Wait until the fake has accepted `sessions` sessions and the bot says it is connected."""
        async with asyncio.timeout(within):
            while self.slack.socket.sessions < sessions or not self.state.connected:  # noqa: ASYNC110
                await asyncio.sleep(0.02)


@pytest.fixture
async def socket_bot(tmp_path: Path) -> AsyncIterator[SocketBot]:
    async with (
        Sandbox(SandboxConfig(api_key=KEY, seed=7, now=NOW)) as sandbox,
        FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack,
    ):
        for uid, name in PEOPLE.items():
            slack.add_user(uid, name=name, real_name=name.title())
        slack.add_channel("C0GENERAL", name="general")
        settings = Settings.from_mapping(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": KEY,
                "TELNYX_BASE_URL": sandbox.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            }
        )
        app = create_app(settings, clock=lambda: NOW)
        svc = services_of(app)
        await svc.start()
        state = svc.socket_mode = SocketModeState()
        runner = SocketModeRunner(app, APP_TOKEN, state, api_url=slack.api_url, timing=FAST)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        bot = SocketBot(app, slack, state, runner, task)
        try:
            await bot.connected(1)
            yield bot
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await svc.aclose()
        handled_twice = [a for a in slack.socket.acks if a.get("payload", {}).get("text")]
        assert not handled_twice  # acks carry no answers: answers go through the response_url


async def test_a_command_is_answered_over_the_socket(socket_bot: SocketBot) -> None:
    assert await socket_bot.balance_answered() < 10
    assert socket_bot.state.reconnects == 0


@pytest.mark.parametrize("reason", ["refresh_requested", "link_disabled", "warning"])
async def test_a_disconnect_message_opens_the_next_session_before_the_old_one_closes(
    socket_bot: SocketBot, reason: str
) -> None:
    await socket_bot.slack.socket.disconnect(reason)
    await socket_bot.connected(2)
    assert await socket_bot.balance_answered() < 10
    # at least the one asked for (a loaded machine may add a heartbeat's own reconnect)
    assert socket_bot.state.reconnects >= 1 and socket_bot.state.connected


async def test_a_socket_closed_abruptly_is_replaced(socket_bot: SocketBot) -> None:
    socket_bot.slack.socket.drop()
    await socket_bot.connected(2)
    assert await socket_bot.balance_answered() < 10


async def test_a_server_that_refuses_connections_for_a_while_is_retried_with_backoff(
    socket_bot: SocketBot,
) -> None:
    hub = socket_bot.slack.socket
    hub.refusing = True
    hub.drop()
    await asyncio.sleep(2.0)  # several refused attempts
    assert not socket_bot.state.connected and hub.sessions == 1
    refused = len(socket_bot.slack.calls_to("apps.connections.open"))
    assert 3 <= refused <= 25  # retried, with backoff: not a tight loop
    hub.refusing = False
    assert await socket_bot.balance_answered() < 10


async def test_readyz_is_503_while_the_socket_is_down_and_200_within_10_s_after(
    socket_bot: SocketBot,
) -> None:
    server = HealthServer(socket_bot.app, "127.0.0.1", 0)  # what HEALTH_PORT serves in Socket Mode
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> tuple[int, list[str]]:
                async with http.get(f"{server.url}/readyz") as resp:
                    body = await resp.json()
                    return resp.status, [c["name"] for c in body.get("failing", [])]

            assert (await ready())[0] == 200
            hub = socket_bot.slack.socket
            hub.refusing = True
            hub.drop()
            async with asyncio.timeout(5):
                while await ready() != (503, ["slack"]):  # noqa: ASYNC110 - polls the probe, with a deadline
                    await asyncio.sleep(0.05)
            hub.refusing = False
            started = asyncio.get_running_loop().time()
            async with asyncio.timeout(10):
                while (await ready())[0] != 200:  # noqa: ASYNC110 - polls the probe, with a deadline
                    await asyncio.sleep(0.05)
            assert asyncio.get_running_loop().time() - started < 10
    finally:
        await server.stop()


async def test_a_failing_apps_connections_open_is_retried(socket_bot: SocketBot) -> None:
    hub = socket_bot.slack.socket
    hub.open_error = "internal_error"
    await hub.disconnect("refresh_requested")
    await asyncio.sleep(1.5)
    assert not socket_bot.state.connected
    hub.open_error = None
    assert await socket_bot.balance_answered() < 10


async def test_a_socket_that_stops_answering_pings_is_replaced(socket_bot: SocketBot) -> None:
    socket_bot.slack.socket.go_deaf()
    await socket_bot.connected(2)  # the heartbeat (1 s) noticed the missing pong
    assert await socket_bot.balance_answered() < 10


async def test_a_session_that_brings_nothing_for_the_idle_timeout_is_renewed(socket_bot: SocketBot) -> None:
    await socket_bot.connected(2, within=FAST.idle_timeout + 5.0)  # renewed by the idle watchdog
    assert socket_bot.slack.socket.sessions >= 2 and socket_bot.state.connected
    assert await socket_bot.balance_answered() < 10


async def test_twenty_drops_and_refreshes_in_a_row(socket_bot: SocketBot) -> None:
    hub = socket_bot.slack.socket
    for cycle in range(20):
        if cycle % 2:
            hub.drop()
        else:
            await hub.disconnect("refresh_requested")
        await socket_bot.connected(cycle + 2)
    assert await socket_bot.balance_answered() < 10
    assert socket_bot.state.reconnects >= 20


async def test_an_envelope_delivered_again_after_a_reconnect_is_handled_once(socket_bot: SocketBot) -> None:
    hub = socket_bot.slack.socket
    before = socket_bot.answers()
    await hub.send("slash_commands", socket_bot.command(), envelope_id="env-redelivered")
    hub.drop()  # as if the ack was lost with the socket: Slack sends the envelope again on the next one
    await socket_bot.connected(2)
    await hub.send("slash_commands", socket_bot.command(), envelope_id="env-redelivered", retry_attempt=1)
    await asyncio.sleep(0.5)  # room for a second answer, if there were one
    assert socket_bot.answers() == before + 1
    assert [a["envelope_id"] for a in hub.acks].count("env-redelivered") == 2  # acknowledged both times


async def test_an_app_token_slack_refuses_stops_the_runner(tmp_path: Path) -> None:
    async with FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack:
        settings = Settings.from_mapping(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": KEY,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            }
        )
        app = create_app(settings)
        runner = SocketModeRunner(app, "xapp-wrong", SocketModeState(), api_url=slack.api_url, timing=FAST)
        with pytest.raises(AppTokenRefused) as refused:
            await asyncio.wait_for(runner.run(asyncio.Event()), 5)
        assert refused.value.error == "invalid_auth"
        await services_of(app).aclose()


def test_envelope_memory_forgets_after_its_window_and_beyond_its_size() -> None:
    memory = EnvelopeMemory(keep=10.0, size=3)
    assert memory.first_time("a", 0.0) and not memory.first_time("a", 5.0)
    assert memory.first_time("a", 11.0)  # forgotten after 10 s
    for key in ("b", "c", "d"):
        assert memory.first_time(key, 12.0)
    assert memory.first_time("a", 12.0)  # pushed out by size
