"""Everything the console runs in one event loop: the Telnyx sandbox (or the real account), a FakeSlack
with the preset people, the real app (`create_app`, the same handlers) over HTTP on 127.0.0.1, and
signed requests into it.

The database is a fresh SQLite file in a temporary folder, removed at exit: the sandbox account is
regenerated on every start, so top-up requests kept from an earlier run would not match its balance.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol, Self

from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.services import Services
from bot.telnyx_client import TelnyxGateway
from devkit.console.cli import SANDBOX_SEED
from devkit.console.payments import Confirm, ConfirmingGateway
from devkit.console.people import policy_path, seed
from devkit.slackfake import FakeSlack, SlackRequests


def console_mapping(
    user: Settings,
    *,
    slack_api_url: str,
    bot_token: str,
    signing_secret: str,
    database_url: str,
    telnyx_base_url: str,
    telnyx_api_key: str,
) -> dict[str, str]:
    """The settings the console's app runs with: the user's tuning, the fake Slack, the bundled policy."""
    return {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "ACCESS_POLICY": str(policy_path()),
        "TELNYX_TIMEOUT": str(user.telnyx_timeout),
        "LOG_LEVEL": user.log_level,
        "CACHE_TTL_SECONDS": str(user.cache_ttl_seconds),
        "LOW_BALANCE_THRESHOLD": str(user.low_balance_threshold),
        "EXPORT_CONCURRENCY": str(user.export_concurrency),
        "TELNYX_BASE_URL": telnyx_base_url,
        "TELNYX_API_KEY": telnyx_api_key,
    }


class AppFactory(Protocol):
    """Builds the app and its services; the console uses `create_app` (tests may pass another)."""

    def __call__(
        self, settings: Settings, *, telnyx: TelnyxGateway | None, sandbox: bool
    ) -> tuple[AsyncApp, Services]: ...


def real_app(settings: Settings, *, telnyx: TelnyxGateway | None, sandbox: bool) -> tuple[AsyncApp, Services]:
    """The product's app: `create_app` with every handler."""
    from bot.app import create_app, services_of

    app = create_app(settings, telnyx=telnyx, sandbox=sandbox)
    return app, services_of(app)


class ConsoleStack:
    """`async with ConsoleStack(settings) as stack:` starts every part; exit stops them and removes the db."""

    def __init__(
        self,
        settings: Settings,
        *,
        seed: int = SANDBOX_SEED,
        confirm: Confirm | None = None,
        make_app: AppFactory = real_app,
        live: bool = False,
    ) -> None:
        self.user_settings = settings
        self.live = live  # the sandbox account's time follows real time (it spends as you watch)
        self.make_app = make_app
        self.real = settings.telnyx_api_key is not None
        self.seed = seed
        self.confirm = confirm
        self._bot_token = "xoxb-console-" + secrets.token_hex(8)
        self.fake = FakeSlack(bot_token=self._bot_token)
        self.sandbox: Any = None
        self.app: AsyncApp | None = None
        self.services: Services | None = None
        self.requests: SlackRequests | None = None
        self.settings: Settings | None = None
        self.folder: Path | None = None
        self._stack = contextlib.AsyncExitStack()

    def __repr__(self) -> str:
        return f"ConsoleStack(real={self.real}, slack={self.fake.base_url!r})"

    @property
    def telnyx_base_url(self) -> str:
        """Where the app's Telnyx calls go."""
        return self.sandbox.base_url if self.sandbox is not None else self.user_settings.telnyx_base_url

    async def __aenter__(self) -> Self:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def _start(self) -> None:
        from bot.server import HttpServer

        self.folder = Path(tempfile.mkdtemp(prefix="telnyx-console-"))
        self._stack.callback(shutil.rmtree, self.folder, True)
        if self.real:
            api_key = self.user_settings.telnyx_api_key.get_secret_value()  # type: ignore[union-attr]
            base_url = self.user_settings.telnyx_base_url
        else:
            from devkit.sandbox import DEFAULT_API_KEY, Sandbox, SandboxConfig

            self.sandbox = await self._stack.enter_async_context(
                Sandbox(SandboxConfig(seed=self.seed, live=self.live))
            )
            api_key, base_url = DEFAULT_API_KEY, self.sandbox.base_url
        await self._stack.enter_async_context(self.fake)
        seed(self.fake)
        secret = secrets.token_hex(16)
        self.settings = Settings.from_mapping(
            console_mapping(
                self.user_settings,
                slack_api_url=self.fake.api_url,
                bot_token=self._bot_token,
                signing_secret=secret,
                database_url=f"sqlite+aiosqlite:///{self.folder / 'console.db'}",
                telnyx_base_url=base_url,
                telnyx_api_key=api_key,
            )
        )
        gateway = None
        if self.real:
            gateway = ConfirmingGateway.from_settings(self.settings)
            gateway.confirm = self.confirm
        self.app, self.services = self.make_app(self.settings, telnyx=gateway, sandbox=not self.real)
        if self.services.home is not None:
            # one person types at a time and each input waits for the app: a Home tab is published again
            # at once (no pause between publishes), so what a click on it changed shows right after it
            self.services.home.min_gap = timedelta(0)
        await self.services.start()
        self._stack.push_async_callback(self.services.aclose)
        server = HttpServer(self.app, "127.0.0.1", 0)
        await self._stack.enter_async_context(server)
        self.requests = SlackRequests(f"{server.url}/slack/events", secret, fake=self.fake)
        self._stack.push_async_callback(self.requests.aclose)
