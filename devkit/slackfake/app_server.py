"""SlackClientApp: serve a Bolt AsyncApp over HTTP on 127.0.0.1, where signed requests can reach it."""

from __future__ import annotations

from typing import Self

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp


class SlackClientApp:
    """The app under test, listening like it would behind Slack: `async with SlackClientApp(app) as served:`.

    `served.url` is the request URL (slash commands, interactivity) to give `SlackRequests(app_url=...)`.
    Bolt's own `app.start()` blocks and binds 0.0.0.0; this binds 127.0.0.1 port 0 inside the running loop.
    """

    def __init__(self, app: AsyncApp, *, path: str = "/slack/events", host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.path = path
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _dispatch(self, request: web.Request) -> web.Response:
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start(self) -> Self:
        """Listen and set `url`."""
        web_app = web.Application()
        web_app.router.add_post(self.path, self._dispatch)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{self.path}"
        return self

    async def aclose(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
