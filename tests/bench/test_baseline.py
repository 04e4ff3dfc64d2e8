"""The bench's baseline: a bare Bolt app that answers like Slack expects and loads nothing of the project."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bench.baseline import baseline_app, web_app
from bench.common import SECRET, TOKEN
from devkit.slackfake import FakeSlack, SendOptions, SlackRequests

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("bot", "handlers", "formatting", "devkit")


def test_the_baseline_process_imports_nothing_of_the_project() -> None:
    # what `python -m bench.serve baseline` imports before it serves, in a fresh interpreter
    probe = (
        "import json, sys\n"
        "from bench import serve\n"
        "from bench.baseline import baseline_app, web_app\n"
        "web_app(baseline_app({'SLACK_BOT_TOKEN': 'xoxb-x', 'SLACK_SIGNING_SECRET': 's'}))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(found.stdout)
    assert "slack_bolt" in modules and "bench.baseline" in modules
    assert [m for m in modules if m.split(".")[0] in PROJECT] == []


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def url(slack: FakeSlack) -> AsyncIterator[str]:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    runner = web.AppRunner(web_app(baseline_app(env)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_a_signed_command_is_acked_and_answered_ok_through_its_response_url(
    slack: FakeSlack, url: str
) -> None:
    async with SlackRequests(f"{url}/slack/events", SECRET, fake=slack) as requests:
        response = await requests.command("/telnyx", "balance")
        assert response.ok
        [reply] = await slack.wait_for("response_url", timeout=10)
        assert reply.args["text"] == "ok" and reply.args["response_type"] == "ephemeral"
        forged = await requests.command("/telnyx", "balance", options=SendOptions(signature="v0=forged"))
        assert forged.status == 401


async def test_healthz_answers_ok(url: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
        assert response.status == 200 and await response.json() == {"ok": True}
