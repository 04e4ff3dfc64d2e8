"""The real `telnyx-bot` process: JSON logs over HTTP mode, and the probes on HEALTH_PORT in Socket Mode."""

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot import ids
from devkit.sandbox import Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack, SlackRequests
from devkit.slackfake.payloads import PayloadBuilder
from tests.app.harness import KEY, PEOPLE, POLICY, SECRET, TOKEN
from tests.app.test_cli import _env

APP_TOKEN = "xapp-1-test-app-token"
PAYMENTS = "/v2/payment/stored_payment_transactions"


@dataclass
class Output:
    """Everything a bot process writes, read as it comes: `lines` so far, `ended` once it closed its output."""

    lines: list[str] = field(default_factory=list)
    grew: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False


async def _drain(proc: Any, out: Output) -> None:
    # Read for as long as the process writes: a pipe nobody reads fills up (DEBUG logs do, fast), and then
    # the bot blocks on its next log line and asyncio's wait() for it never returns.
    while line := (await proc.stdout.readline()).decode():
        out.lines.append(line)
        out.grew.set()
    out.ended = True
    out.grew.set()


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path, *args: str) -> AsyncIterator[tuple[Any, Output]]:
    """`python -m bot run ...` with stdout and stderr as one stream, read into an Output as it comes."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = Output()
    reader = asyncio.create_task(_drain(proc, out))
    try:
        yield proc, out
    finally:
        if proc.returncode is None:
            proc.kill()
        await asyncio.wait_for(asyncio.gather(reader, proc.wait()), 30)


async def line_matching(proc: Any, out: Output, pattern: str, timeout: float = 30) -> re.Match[str]:
    """Wait until a line the process wrote matches `pattern`."""
    async with asyncio.timeout(timeout):
        seen = 0
        while True:
            for line in out.lines[seen:]:
                if found := re.search(pattern, line):
                    return found
            seen = len(out.lines)
            assert not out.ended, "the bot exited early:\n" + "".join(out.lines)
            out.grew.clear()
            await out.grew.wait()


async def stop(proc: Any, out: Output) -> int:
    """SIGTERM, then wait for the exit and the last line written; the exit code."""
    proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(proc.wait(), 30)
    async with asyncio.timeout(30):
        while not out.ended:
            out.grew.clear()
            await out.grew.wait()
    return code


async def until(condition: Any, timeout: float = 15) -> None:
    """Poll `condition()` (sync or async) until true, or fail at the deadline."""
    async with asyncio.timeout(timeout):
        while not (await condition() if asyncio.iscoroutinefunction(condition) else condition()):  # noqa: ASYNC110 - with a deadline
            await asyncio.sleep(0.05)


def populate(slack: FakeSlack) -> None:
    for uid, name in PEOPLE.items():
        slack.add_user(uid, name=name, real_name=name.title())
    for cid, name in (("C0GENERAL", "general"), ("C0APPROVALS", "approvals"), ("C0AUDIT", "audit")):
        slack.add_channel(cid, name=name)


async def test_json_logs_are_one_object_a_line_with_request_context_and_never_a_secret(tmp_path):
    (tmp_path / "access.toml").write_text(POLICY)
    async with (
        Sandbox(SandboxConfig(api_key=KEY)) as sandbox,
        FakeSlack(bot_token=TOKEN) as slack,
    ):
        populate(slack)
        env = _env(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": KEY,
                "TELNYX_BASE_URL": sandbox.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                "ACCESS_POLICY": "access.toml",
                # DEBUG: slack_sdk then logs each response_url it posts to, and the redaction must hold
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "DEBUG",
            }
        )
        async with bot_process(env, tmp_path, "--http", "--port", "0") as (proc, out):
            url = (await line_matching(proc, out, r"listening on (http://[^\s\"]+/slack/events)")).group(1)
            async with SlackRequests(url, SECRET, fake=slack) as requests:
                answers = [
                    await requests.command("/telnyx", "balance", user="U0ALICE", channel="C0GENERAL"),
                    await requests.command(
                        "/telnyx", 'topup 40 "sms"', user="U0REQUEST", channel="C0GENERAL"
                    ),
                ]
                await until(lambda: [m for m in slack.messages("C0APPROVALS") if not m.is_ephemeral])
                [card] = [m for m in slack.messages("C0APPROVALS") if not m.is_ephemeral]
                answers.append(await requests.click(card, ids.ACTION_TOPUP_APPROVE, user="U0FIN1"))
                await until(lambda: sandbox.request_count(PAYMENTS, "POST") == 1)
                await until(lambda: len(slack.calls_to("response_url")) >= 2)
            code = await stop(proc, out)
    output = "".join(out.lines)
    assert code == 0, output
    records = []
    for line in out.lines:
        if not line.strip():
            continue
        record = json.loads(line)  # every line is one JSON object, tracebacks included
        assert isinstance(record, dict) and {"time", "level", "logger", "message"} <= set(record), line
        assert datetime.fromisoformat(record["time"]).utcoffset() == UTC.utcoffset(None)
        records.append(record)
    assert any(r["message"].startswith("HTTP mode: listening on") for r in records)
    triggers = {r["trigger_id"] for r in records if "trigger_id" in r}
    assert {a.trigger_id for a in answers} <= triggers  # each request's lines name it
    [topup_id] = {r["topup_id"] for r in records if "topup_id" in r}
    assert any(r.get("topup_id") == topup_id and "payment" in r["message"] for r in records)
    for secret in (TOKEN, SECRET, KEY, *(a.response_url for a in answers)):
        assert secret and secret not in output, secret
    assert "[response_url]" in output  # slack_sdk did log the posts, and the URLs were taken out


async def test_socket_mode_serves_healthz_readyz_and_metrics_on_health_port(tmp_path):
    async with (
        Sandbox(SandboxConfig(api_key=KEY)) as sandbox,
        FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack,
    ):
        env = _env(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": KEY,
                "TELNYX_BASE_URL": sandbox.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                "HEALTH_PORT": "0",
                "LOG_FORMAT": "json",
            }
        )
        async with bot_process(env, tmp_path) as (proc, out), aiohttp.ClientSession() as http:
            found = await line_matching(proc, out, r"health and metrics: listening on (http://[^\s\"]+) ")
            health = found.group(1)
            await asyncio.wait_for(slack.socket.connected.wait(), 60)

            async def get(path: str) -> tuple[int, str]:
                async with http.get(f"{health}{path}") as resp:
                    return resp.status, await resp.text()

            assert await get("/healthz") == (200, '{"ok": true}')

            async def ready() -> bool:
                return (await get("/readyz"))[0] == 200

            await until(ready)  # once the socket is up (the supervisor marks it connected)
            fields = PayloadBuilder(fake=slack, team_id="T0TEST", api_app_id="A0TEST").command(
                "/telnyx", "balance", user="U0ALICE", channel="C0GENERAL"
            )
            await slack.socket.send("slash_commands", fields)
            await slack.wait_for("response_url", timeout=10)
            status, text = await get("/metrics")
            assert status == 200
            samples = {
                (s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }
            answered = frozenset({("subcommand", "balance"), ("outcome", "answered")})
            assert samples[("telnyx_bot_commands_total", answered)] == 1
            assert samples[("telnyx_bot_ack_seconds_count", frozenset({("kind", "command")}))] == 1
            assert ("telnyx_bot_socket_mode_connected", frozenset()) in samples
            code = await stop(proc, out)
    output = "".join(out.lines)
    assert code == 0, output
    records = [json.loads(line) for line in out.lines if line.strip()]
    assert any(r.get("envelope_id") for r in records)  # the command's lines name its envelope
    assert APP_TOKEN not in output and TOKEN not in output
