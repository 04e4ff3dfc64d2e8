"""One server for the benchmark, in its own process so its memory and CPU are its own.

    python -m bench.serve bot        # the bot in HTTP mode: create_app + serve_http, as `telnyx-bot run --http`
    python -m bench.serve baseline   # a bare AsyncApp whose /telnyx listener only acks and responds "ok"

Settings come from the environment (the bench passes a clean one). Both bind 127.0.0.1 on a free port,
print their URL as the first line on stdout once listening, and stop on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.app import create_app, make_slack_client
from bot.config import Settings, configure_logging, load_settings
from bot.server import make_web_app, serve_http, wait_for_signal

HOST = "127.0.0.1"


def announce(url: str) -> None:
    """Tell the bench where we listen: the first line on stdout."""
    print(url, flush=True)


def baseline_app(settings: Settings) -> AsyncApp:
    """What Bolt itself costs: the same client and signature check as the bot, and a listener that only acks."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = AsyncApp(client=make_slack_client(settings), signing_secret=secret)

    async def telnyx(ack: AsyncAck, respond: AsyncRespond) -> None:
        """Ack, then answer "ok" through the response_url, as the bot answers."""
        await ack()
        await respond(text="ok", response_type="ephemeral")

    app.command("/telnyx")(telnyx)
    return app


async def serve_baseline(settings: Settings) -> None:
    """Serve the baseline with the bot's own aiohttp front (bot.server.make_web_app) until a signal."""
    runner = web.AppRunner(make_web_app(baseline_app(settings)), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        announce(f"http://{HOST}:{port}")
        await wait_for_signal()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    """CLI: run the bot or the baseline until SIGTERM."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("kind", choices=("bot", "baseline"))
    args = parser.parse_args(argv)
    settings = load_settings(env_file=None)
    configure_logging(settings)
    if args.kind == "bot":
        asyncio.run(serve_http(create_app(settings), HOST, 0, ready=announce))
    else:
        asyncio.run(serve_baseline(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
