"""What a platform and Prometheus ask of a running bot: `GET /healthz`, `GET /readyz`, `GET /metrics`.

HTTP mode serves them beside `/slack/events` (bot/server.py adds `probe_routes`). Socket Mode has no HTTP
server of its own, so `HealthServer` serves them on HEALTH_PORT when that is set.

- /healthz: 200 `{"ok": true}` while the process serves requests at all (liveness).
- /readyz: 200 with every check when all pass; 503 with the failing ones (name and reason) first, while
  this instance cannot serve Slack (see bot/health.py).
- /metrics: Prometheus' text format, this instance's registry (see bot/metrics.py).
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.async_app import AsyncApp

from bot.app import services_of
from bot.errors import ConfigError

logger = logging.getLogger(__name__)


def probe_routes(app: AsyncApp) -> list[web.RouteDef]:
    """The three GET routes, answering for `app`'s Services."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        svc = services_of(app)
        checks = await svc.health.readiness(svc)
        failing = [{"name": c.name, "reason": c.detail} for c in checks if not c.ok]
        answer = {
            "ready": not failing,
            **({"failing": failing} if failing else {}),
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        }
        return web.json_response(answer, status=503 if failing else 200)

    async def metrics(_: web.Request) -> web.Response:
        svc = services_of(app)
        body = await svc.metrics.exposition(svc)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


class HealthServer:
    """The probes and metrics alone on host:port; port 0 picks a free one (`url` tells which)."""

    def __init__(self, app: AsyncApp, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        web_app = web.Application()
        web_app.add_routes(probe_routes(self.app))
        self._runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as err:
            await self.stop()
            raise ConfigError(
                [f"HEALTH_PORT={self.port}: cannot listen on {self.host}:{self.port} ({err.strerror})."]
            ) from None
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        logger.info("health and metrics: listening on %s (/healthz, /readyz, /metrics)", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def start_health_server(app: AsyncApp) -> HealthServer | None:
    """Socket Mode: serve the probes on HEALTH_PORT when it is set; None when it is not."""
    settings = services_of(app).settings
    if settings.health_port is None:
        return None
    server = HealthServer(app, settings.health_host, settings.health_port)
    await server.start()
    return server
