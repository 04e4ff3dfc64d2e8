"""Socket Mode under faults: the bot's supervisor (bot/socket_mode.py) against slack_sdk's aiohttp client.

`python -m bench.socket_faults` runs each fault against the fake Slack's Socket Mode server and prints, per
client, the seconds from the fault to `/telnyx balance` being answered (a fault that lasts 3 s included), the
tracebacks logged meanwhile, and how many times an envelope delivered twice was handled. Both clients get the same ping interval (1 s); the SDK client runs as Bolt's
AsyncSocketModeHandler does (auto-reconnect on).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.app import create_app, services_of
from bot.config import Settings
from bot.services import SocketModeState
from bot.socket_mode import SocketModeRunner, Timing
from devkit.sandbox import Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack
from devkit.slackfake.payloads import PayloadBuilder

KEY, TOKEN, APP_TOKEN = "KEYbench", "xoxb-bench", "xapp-1-bench"
LIMIT = 30.0
Fault = Callable[[FakeSlack], Awaitable[None]]


async def _drop(slack: FakeSlack) -> None:
    slack.socket.drop()


async def _refresh(slack: FakeSlack) -> None:
    await slack.socket.disconnect("refresh_requested")


async def _deaf(slack: FakeSlack) -> None:
    slack.socket.go_deaf()


async def _refused(slack: FakeSlack) -> None:
    slack.socket.refusing = True
    slack.socket.drop()
    await asyncio.sleep(3.0)
    slack.socket.refusing = False


async def _open_fails(slack: FakeSlack) -> None:
    slack.socket.open_error = "internal_error"
    slack.socket.drop()
    await asyncio.sleep(3.0)
    slack.socket.open_error = None


FAULTS: dict[str, Fault] = {
    "abrupt close": _drop,
    "refresh_requested": _refresh,
    "deaf socket": _deaf,
    "refused for 3 s": _refused,
    "connections.open fails 3 s": _open_fails,
}


class Tracebacks(logging.Handler):
    """Counts log records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.exc_info is not None


async def _answered(slack: FakeSlack, payload: dict[str, Any], envelope_id: str | None = None) -> float:
    started, before = time.monotonic(), len(slack.calls_to("response_url"))
    async with asyncio.timeout(LIMIT):
        while True:
            try:
                await slack.socket.send("slash_commands", payload, timeout=LIMIT, envelope_id=envelope_id)
                break
            except (TimeoutError, ConnectionError, RuntimeError):
                await asyncio.sleep(0.05)
        while len(slack.calls_to("response_url")) == before:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _one(client: str, fault: str | None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            Sandbox(SandboxConfig(api_key=KEY)) as sandbox,
            FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack,
        ):
            slack.add_user("U0ALICE", name="alice", real_name="Alice")
            slack.add_channel("C0GENERAL", name="general")
            settings = Settings.from_mapping(
                {
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_APP_TOKEN": APP_TOKEN,
                    "SLACK_API_URL": slack.api_url,
                    "TELNYX_API_KEY": KEY,
                    "TELNYX_BASE_URL": sandbox.base_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'bot.db'}",
                }
            )
            app = create_app(settings)
            svc = services_of(app)
            await svc.start()
            stop = asyncio.Event()
            if client == "supervisor":
                runner = SocketModeRunner(
                    app, APP_TOKEN, SocketModeState(), api_url=slack.api_url, timing=Timing(ping_interval=1.0)
                )
                task = asyncio.create_task(runner.run(stop))
                closer: Callable[[], Awaitable[Any]] = lambda: asyncio.wait_for(task, 10)  # noqa: E731
            else:
                from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
                from slack_sdk.socket_mode.aiohttp import SocketModeClient

                sdk = SocketModeClient(APP_TOKEN, web_client=app.client, ping_interval=1.0)
                handler = AsyncSocketModeHandler(app, APP_TOKEN)
                handler.client = sdk
                sdk.socket_mode_request_listeners.append(handler.handle)  # type: ignore[arg-type]
                await sdk.connect()
                closer = sdk.close
            payload = PayloadBuilder(fake=slack, team_id="T0", api_app_id="A0").command(
                "/telnyx", "balance", user="U0ALICE", channel="C0GENERAL"
            )
            try:
                await _answered(slack, payload)
                if fault is None:  # an envelope delivered again after a reconnect
                    before = len(slack.calls_to("response_url"))
                    await _answered(slack, payload, envelope_id="twice")
                    slack.socket.drop()
                    await asyncio.wait_for(slack.socket.connected.wait(), LIMIT)
                    await slack.socket.send(
                        "slash_commands", payload, envelope_id="twice", retry_attempt=1, timeout=LIMIT
                    )
                    await asyncio.sleep(1.0)
                    return f"handled {len(slack.calls_to('response_url')) - before} time(s)"
                counter = Tracebacks()
                logging.getLogger().addHandler(counter)
                try:
                    started = time.monotonic()
                    await FAULTS[fault](slack)
                    await _answered(slack, payload)
                    took = time.monotonic() - started
                finally:
                    logging.getLogger().removeHandler(counter)
                return f"answered after {took:.1f} s, {counter.count} traceback(s)"
            except TimeoutError:
                return f"not answered within {LIMIT:.0f} s"
            finally:
                stop.set()
                await closer()
                await svc.aclose()


async def main() -> None:
    logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])  # counted, not printed
    print(f"{'fault':<28} {'supervisor (bot/socket_mode.py)':<40} slack_sdk aiohttp client")
    for fault in [*FAULTS, None]:
        ours = await _one("supervisor", fault)
        theirs = await _one("sdk", fault)
        print(f"{fault or 'envelope delivered twice':<28} {ours:<40} {theirs}")


if __name__ == "__main__":
    asyncio.run(main())
