"""The fake world a benchmarked server lives in: the Telnyx sandbox and the fake Slack, in this process.

Both run on 127.0.0.1 in the bench's event loop, next to the load generator; the servers under test run
in their own processes (bench.servers), so the figures for the bot are the bot's alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import CHANNEL, KEY, POLICY, SECRET, TOKEN
from devkit.sandbox import Fault, Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack


@dataclass
class World:
    """The sandbox, the fake Slack, and where the servers' files go."""

    sandbox: Sandbox
    slack: FakeSlack
    workdir: Path
    latency: float
    jitter: float

    def settings(self, **extra: str) -> dict[str, str]:
        """The environment a server under test gets: everything pointing at this world."""
        policy = self.workdir / "access.toml"
        policy.write_text(POLICY)
        return {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "TELNYX_API_KEY": KEY,
            "TELNYX_BASE_URL": self.sandbox.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'bot.db'}",
            "ACCESS_POLICY": str(policy),
            "LOG_LEVEL": "INFO",
            **extra,
        }

    def telnyx_requests(self) -> int:
        """Requests the sandbox has received so far."""
        return self.sandbox.request_count()

    def telnyx_requests_by_path(self, since: int) -> dict[str, int]:
        """Requests after the first `since`, counted by path."""
        counts: dict[str, int] = {}
        for request in self.sandbox.requests[since:]:
            counts[request.path] = counts.get(request.path, 0) + 1
        return dict(sorted(counts.items()))


def sandbox_config(
    latency: float, jitter: float, *, extra_records: dict[str, int] | None = None, port: int = 0
) -> SandboxConfig:
    """The sandbox every part uses: added latency on the whole API, queries memoized (see SandboxConfig)."""
    faults = {"/v2/": Fault(latency=latency, jitter=jitter)} if latency or jitter else {}
    return SandboxConfig(
        api_key=KEY,
        seed=7,
        faults=faults,
        extra_records=dict(extra_records or {}),
        memo_queries=True,
        port=port,
    )


@asynccontextmanager
async def fake_world(
    workdir: Path, latency: float, jitter: float, *, extra_records: dict[str, int] | None = None
) -> AsyncIterator[World]:
    """Start the sandbox (with `latency` + up to `jitter` s on every API call) and the fake Slack."""
    config = sandbox_config(latency, jitter, extra_records=extra_records)
    async with Sandbox(config) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        slack.add_channel(CHANNEL, name="general")
        yield World(sandbox, slack, workdir, latency, jitter)
