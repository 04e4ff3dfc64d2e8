"""The baseline: a bare Bolt `AsyncApp` that imports nothing of the project, served by Bolt's own aiohttp app.

What any Bolt app on aiohttp costs, to hold the bot against: one `/telnyx` listener that acks and answers
"ok" through the response_url, the signature check, `POST /slack/events` through Bolt's `app.web_app()`, and
`GET /healthz` for the bench to see it ready. Only the standard library, aiohttp and slack_bolt/slack_sdk
are imported here (a test checks it): no `bot`, no settings model, no telnyx client, no database.

The environment gives SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL (the fake Slack) and LOG_LEVEL,
as it does to the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Mapping

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

SLACK_API_URL = "https://slack.com/api/"


async def telnyx(ack: AsyncAck, respond: AsyncRespond) -> None:
    """Ack, then answer "ok" through the response_url, as the bot answers."""
    await ack()
    await respond(text="ok", response_type="ephemeral")


def baseline_app(env: Mapping[str, str]) -> AsyncApp:
    """The bare app: the token, the signing secret and the Web API URL from `env`, one command listener."""
    client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env.get("SLACK_API_URL", SLACK_API_URL))
    app = AsyncApp(client=client, signing_secret=env["SLACK_SIGNING_SECRET"])
    app.command("/telnyx")(telnyx)
    return app


def web_app(app: AsyncApp) -> web.Application:
    """Bolt's aiohttp front (POST /slack/events) plus GET /healthz."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    front = app.web_app(path="/slack/events")
    front.router.add_get("/healthz", healthz)
    return front


async def serve(host: str, ready: Callable[[str], None]) -> None:
    """Serve on `host`, a free port, until SIGTERM or SIGINT; `ready(url)` once listening."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    runner = web.AppRunner(web_app(baseline_app(os.environ)), access_log=None, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, host, 0)
        await site.start()
        ready(f"http://{host}:{runner.addresses[0][1]}")
        await stop.wait()
    finally:
        await runner.cleanup()
