"""The whole bot over HTTP for tests: the Telnyx sandbox, the fake Slack, the app on 127.0.0.1:0."""

from __future__ import annotations

import atexit
import html
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app, services_of
from bot.config import Settings
from bot.server import HttpServer
from bot.services import Services
from bot.store import Store
from devkit.sandbox import Fault, Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack, SlackRequests
from devkit.slackfake.records import Message

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
KEY = "KEYSANDBOX"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

POLICY = """
[roles]
viewer = ["*"]
requester = ["U0REQUEST"]
finance = ["U0FIN1", "S0FINANCE"]
admin = ["U0ADMIN"]
[channels]
approvals = "C0APPROVALS"
audit = "C0AUDIT"
[limits]
max_topup = "500.00"
daily_topup = "1000.00"
approval_ttl_hours = 24
"""

PEOPLE = {
    "U0ALICE": "alice",
    "U0VIEWER": "vera",
    "U0REQUEST": "rita",
    "U0FIN1": "fred",
    "U0FIN2": "fiona",
    "U0ADMIN": "ada",
}


@dataclass
class Bot:
    sandbox: Sandbox
    slack: FakeSlack
    requests: SlackRequests
    server: HttpServer
    clock: list[datetime]

    @property
    def svc(self) -> Services:
        return services_of(self.server.app)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every listener has finished its work after the ack, and the outbox is delivered."""
        assert await self.svc.inflight.wait_idle(timeout), "the app is still working"
        await self.svc.outbox.drain(timeout)

    def snapshot(self) -> dict[int, Any]:
        """What every message looks like now, to tell new and changed ones afterwards."""
        return {id(m): m.to_dict() for m in self.slack.workspace.all_messages}

    def changed_since(self, snap: dict[int, Any], user: str | None = None) -> list[Message]:
        """Messages posted or changed since `snap`, as `user` sees them."""
        return [
            m
            for m in self.slack.workspace.all_messages
            if snap.get(id(m)) != m.to_dict() and (user is None or m.ephemeral_to in (None, user))
        ]

    async def command(self, text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL") -> list[Message]:
        """Type `/telnyx <text>`; return the messages it produced or changed, as `user` sees them."""
        snap = self.snapshot()
        resp = await self.requests.command("/telnyx", text, user=user, channel=channel)
        assert resp.status == 200, resp.text
        await self.idle()
        return self.changed_since(snap, user)

    async def click(
        self, message: Any, action_id: str, *, user: str = "U0ALICE", channel: str | None = None
    ) -> list[Message]:
        """Click a button of a message (or view) as `user`; return what it produced or changed."""
        snap = self.snapshot()
        resp = await self.requests.click(message, action_id, user=user, channel=channel)
        assert resp.status == 200, resp.text
        await self.idle()
        return self.changed_since(snap, user)

    def payment_requests(self) -> int:
        return self.sandbox.request_count("/v2/payment/stored_payment_transactions", "POST")


def elements(message: Message) -> list[dict[str, Any]]:
    """The interactive elements (buttons...) of a message."""
    return [element for _, element in message.elements()]


def text_of(messages: list[Message]) -> str:
    """Everything visible in the messages (entities decoded as Slack shows them), for assertions."""
    return html.unescape("\n".join(m.visible_text() for m in messages))


def marked_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings a test's marks ask of the `bot` fixture: `@pytest.mark.telnyx_timeout(1)` for a test
    that waits out a Telnyx that never answers (1 s, the least TELNYX_TIMEOUT takes, not the 2 s here)."""
    mark = request.node.get_closest_marker("telnyx_timeout")
    return {} if mark is None else {"TELNYX_TIMEOUT": str(mark.args[0])}


_SCHEMA: list[Path] = []  # the database the store created, for this process's bots to start from


async def database_file(path: Path) -> str:
    """A SQLite database at `path` with the bot's tables in place, as a URL.

    It is a copy of one database the store created once for the whole process: a bot started on it finds
    its schema at the current version, as on any restart, instead of creating it (30 statements and 15 ms
    a bot, for hundreds of bots). Creating the schema is tested in its own right (tests/money/test_store.py),
    and every bot process the CLI tests start creates it.
    """
    if not _SCHEMA:
        folder = Path(tempfile.mkdtemp(prefix="telnyx-bot-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        store = Store(f"sqlite+aiosqlite:///{folder / 'bot.db'}")
        try:
            await store.start()
        finally:
            await store.aclose()  # the last connection closed: the WAL is checkpointed into bot.db
        _SCHEMA.append(folder / "bot.db")
    shutil.copyfile(_SCHEMA[0], path)
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    policy: str | None = POLICY,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    faults: dict[str, Fault] | None = None,
    front: Callable[[str], AbstractAsyncContextManager[str]] | None = None,
) -> AsyncIterator[Bot]:
    """Start the sandbox, the fake Slack and the app; stop them all afterwards.

    `front(sandbox_base_url)` puts something between the bot and the sandbox (a context manager that
    yields the base URL the bot should use instead).
    """
    clock = [NOW]
    async with (
        Sandbox(SandboxConfig(api_key=KEY, seed=7, now=NOW, faults=dict(faults or {}))) as sandbox,
        FakeSlack(bot_token=TOKEN) as slack,
        front(sandbox.base_url) if front is not None else nullcontext(sandbox.base_url) as telnyx_url,
    ):
        for uid, name in PEOPLE.items():
            slack.add_user(uid, name=name, real_name=name.title())
        slack.set_usergroup("S0FINANCE", ["U0FIN2"])
        for cid, name in (("C0GENERAL", "general"), ("C0APPROVALS", "approvals"), ("C0AUDIT", "audit")):
            slack.add_channel(cid, name=name)
        mapping = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "TELNYX_API_KEY": KEY,
            "TELNYX_BASE_URL": telnyx_url,
            "TELNYX_TIMEOUT": "2",
            "DATABASE_URL": database_url or await database_file(tmp_path / "bot.db"),
            **(env or {}),
        }
        if policy is not None:
            (tmp_path / "access.toml").write_text(policy)
            mapping["ACCESS_POLICY"] = str(tmp_path / "access.toml")
        settings = Settings.from_mapping(mapping)
        app = create_app(settings, clock=lambda: clock[0])
        await services_of(app).start()
        try:
            async with HttpServer(app, "127.0.0.1", 0) as server:
                async with SlackRequests(f"{server.url}/slack/events", SECRET, fake=slack) as requests:
                    yield Bot(sandbox, slack, requests, server, clock)
        finally:
            await services_of(app).aclose()
