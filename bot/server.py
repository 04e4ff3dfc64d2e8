"""Running the app: HTTP mode (`POST /slack/events`, the probes and /metrics) or Socket Mode, with a clean
shutdown. Socket Mode serves the probes and /metrics on HEALTH_PORT when it is set (bot/probes.py).

On SIGTERM/SIGINT the server stops taking requests, waits for the listeners still working after their
ack (exports, payments) up to a grace period, then closes the pools and returns (exit code 0).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.app import services_of
from bot.errors import ConfigError
from bot.probes import HealthServer, probe_routes, start_health_server
from bot.redaction import printable
from bot.services import SocketModeState
from bot.socket_mode import SocketModeRunner, Timing
from bot.verification import MAX_BODY_BYTES, Refusal, RequestVerifier, is_ssl_check, too_large

logger = logging.getLogger(__name__)
GRACE_SECONDS = 25.0
# Connections the kernel queues until the event loop accepts them. aiohttp's default (128) drops a
# burst beyond it (the client retries after 1, 3, 7 s: a late ack); gunicorn and uvicorn use 2048.
# Linux caps it at net.core.somaxconn (4096 since 5.4).
BACKLOG = 2048


def make_web_app(app: AsyncApp) -> web.Application:
    """The aiohttp app serving Slack: only requests Slack signed reach Bolt (bot/verification.py)."""
    secret = services_of(app).settings.slack_signing_secret
    if secret is None:
        raise ConfigError(["HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > Signing Secret)."])
    verifier = RequestVerifier(secret.get_secret_value())

    async def events(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return refuse(request, too_large(request.content_length))
        try:
            body = await request.read()  # at most client_max_size bytes, whatever Content-Length said
        except web.HTTPRequestEntityTooLarge:
            return refuse(request, too_large(None))
        if is_ssl_check(body):
            return web.Response()
        refusal = verifier.refusal(request.headers, body)
        if refusal is not None:
            return refuse(request, refusal, len(body))
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, AttributeError):  # signed, yet not a form or JSON Bolt can read
            return refuse(request, Refusal(400, "malformed request", "signed, but the body is unreadable"))
        bolt_response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post("/slack/events", events)
    web_app.add_routes(probe_routes(app))  # GET /healthz, /readyz, /metrics
    return web_app


def refuse(request: web.Request, refusal: Refusal, size: int | None = None) -> web.Response:
    """Answer a refused request, and log it in one line that quotes nothing of its body."""
    logger.warning(
        "refused %s %s from %s: HTTP %d, %s%s",
        request.method,
        printable(request.path),
        printable(request.remote or "?"),
        refusal.status,
        refusal.reason,
        "" if size is None else f" ({size} bytes)",
    )
    response = web.json_response({"error": refusal.error}, status=refusal.status)
    if refusal.status == 413:
        response.force_close()  # do not read the rest of an oversized body to keep the connection
    return response


class HttpServer:
    """The app on host:port; `async with` starts it, exit drains and stops it. Port 0 picks a free one."""

    def __init__(self, app: AsyncApp, host: str = "127.0.0.1", port: int = 3000) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(make_web_app(self.app), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=BACKLOG)
        await site.start()
        addresses = self._runner.addresses  # (host, port) of each listening socket
        if addresses:
            self.port = int(addresses[0][1])

    async def stop(self, grace: float = GRACE_SECONDS) -> None:
        """Stop accepting, let in-flight work finish (up to `grace` s), then close."""
        if self._runner is None:
            return
        svc = services_of(self.app)
        for site in list(self._runner.sites):
            await site.stop()
        if not await svc.inflight.wait_idle(grace):
            logger.warning("shutdown: %d listener(s) still running after %.0f s", svc.inflight.count, grace)
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> HttpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def wait_for_signal() -> None:
    """Return on the first SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, models, the app) out of the garbage collector's reach.

    The bot starts with hundreds of thousands of long-lived objects (Bolt, slack_sdk, SQLAlchemy, pydantic,
    httpx). Without this, a full collection during a burst walks all of them and stalls the event
    loop for long enough that the kernel drops incoming connections (measured with `make bench`: 300-400
    listen-queue overflows and ack p99 1.7 s in the first burst of 500; with it, none and 0.6 s).
    """
    gc.collect()
    gc.freeze()


async def serve_http(
    app: AsyncApp, host: str, port: int, ready: Callable[[str], Awaitable[None] | None] | None = None
) -> None:
    """Serve until a signal, then drain."""
    svc = services_of(app)
    await svc.start()
    freeze_startup_heap()
    try:
        async with HttpServer(app, host, port) as server:
            logger.info("HTTP mode: listening on %s/slack/events", server.url)
            if ready:
                result = ready(server.url)
                if asyncio.iscoroutine(result):
                    await result
            await wait_for_signal()
            logger.info("shutting down: draining in-flight requests")
    finally:
        await svc.aclose()


async def serve_socket_mode(app: AsyncApp, app_token: str, *, timing: Timing | None = None) -> None:
    """Connect to Slack over Socket Mode until a signal, then drain (see bot/socket_mode.py).

    Raises AppTokenRefused when Slack refuses the app-level token.
    """
    svc = services_of(app)
    await svc.start()
    state = svc.socket_mode = SocketModeState()
    runner = SocketModeRunner(app, app_token, state, api_url=svc.settings.slack_api_url, timing=timing)
    stop = asyncio.Event()
    health: HealthServer | None = None
    freeze_startup_heap()
    running = asyncio.create_task(runner.run(stop), name="socket-mode")
    signalled = asyncio.create_task(wait_for_signal(), name="signals")
    try:
        health = await start_health_server(app)  # /healthz, /readyz, /metrics on HEALTH_PORT, if set
        await asyncio.wait({running, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()  # AppTokenRefused (or a bug) ends the bot
            return
        logger.info("shutting down: closing the socket, draining in-flight requests")
        stop.set()
        await running
        if not await svc.inflight.wait_idle(GRACE_SECONDS):
            logger.warning("shutdown: %d listener(s) still running", svc.inflight.count)
    finally:
        stop.set()
        for task in (running, signalled):
            task.cancel()
        await asyncio.gather(running, signalled, return_exceptions=True)
        if health is not None:
            await health.stop()
        await svc.aclose()
