"""The `telnyx-bot` process: `check` against Slack and Telnyx, and HTTP mode's clean shutdown on SIGTERM."""

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from devkit.sandbox import Fault, Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack, SlackRequests
from tests.app.harness import KEY, SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]


def _env(extra: dict[str, str]) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELNYX_", "DATABASE_", "ACCESS_"))
    }
    return {**clean, "PYTHONPATH": str(ROOT), **extra}


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode()


async def test_check_reports_ok_for_slack_and_telnyx(tmp_path):
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url, "TELNYX_API_KEY": KEY,
                    "TELNYX_BASE_URL": sandbox.base_url})  # fmt: skip
        code, out = await _run(["check"], env, tmp_path)
    assert code == 0, out
    assert "configuration: OK" in out and "slack auth.test: OK" in out and "telnyx GET /balance: OK" in out


async def test_check_reports_each_failure_with_its_reason_and_no_secret(tmp_path):
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        env = _env({"SLACK_BOT_TOKEN": "xoxb-not-the-right-one", "SLACK_API_URL": slack.api_url,
                    "TELNYX_API_KEY": "KEYnotright", "TELNYX_BASE_URL": sandbox.base_url})  # fmt: skip
        code, out = await _run(["check"], env, tmp_path)
    assert code == 1
    assert "slack auth.test: FAILED (invalid_auth)" in out and "telnyx GET /balance: FAILED" in out
    assert "rejected" in out and "xoxb-not-the-right-one" not in out and "KEYnotright" not in out


async def test_http_mode_finishes_in_flight_work_on_sigterm_then_exits_0(tmp_path):
    faults = {"/v2/balance": Fault(latency=1.0)}
    async with (
        Sandbox(SandboxConfig(api_key=KEY, faults=faults)) as sandbox,
        FakeSlack(bot_token=TOKEN) as slack,
    ):
        env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                    "TELNYX_API_KEY": KEY, "TELNYX_BASE_URL": sandbox.base_url,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--http", "--port", "0", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = None
            while url is None:
                line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
                assert line, "the bot exited before it was ready"
                if m := re.search(r"listening on (http://\S+/slack/events)", line):
                    url = m.group(1)
            async with SlackRequests(url, SECRET, fake=slack) as requests:
                resp = await requests.command("/telnyx", "balance")
                assert resp.status == 200
            proc.send_signal(signal.SIGTERM)  # the balance is still being fetched (1 s of latency)
            out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
            code = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert code == 0, out
        assert "Traceback" not in out
        replies = slack.calls_to("response_url")
        assert len(replies) == 1 and "Balance" in str(replies[0].args)


async def test_socket_mode_answers_a_command_then_exits_0_on_sigterm(tmp_path):
    from devkit.slackfake.payloads import PayloadBuilder

    async with (
        Sandbox(SandboxConfig(api_key=KEY)) as sandbox,
        FakeSlack(bot_token=TOKEN, app_token="xapp-1-test") as slack,
    ):
        env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1-test", "SLACK_API_URL": slack.api_url,
                    "TELNYX_API_KEY": KEY, "TELNYX_BASE_URL": sandbox.base_url,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await asyncio.wait_for(slack.socket.connected.wait(), 60)
            fields = PayloadBuilder(fake=slack, team_id="T0TEST", api_app_id="A0TEST").command(
                "/telnyx", "balance", user="U0ALICE", channel="C0GENERAL"
            )
            ack = await slack.socket.send("slash_commands", fields)
            assert ack == {} or "text" not in ack  # acked at once; the answer comes through response_url
            [reply] = await slack.wait_for("response_url", timeout=10)
            assert "Balance" in str(reply.args)
            proc.send_signal(signal.SIGTERM)
            out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
            code = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
    assert code == 0, out
    assert "Socket Mode: connected" in out and "Traceback" not in out


async def test_run_without_a_telnyx_key_stops_with_the_fix_and_no_traceback(tmp_path):
    env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET})
    code, out = await _run(["run", "--http", "--port", "0"], env, tmp_path)
    assert code == 2 and "TELNYX_API_KEY" in out and "Traceback" not in out


async def test_a_bad_access_policy_stops_the_start_naming_the_field(tmp_path):
    (tmp_path / "policy.toml").write_text('[limits]\nmax_topup = "12.345"\n')
    env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "TELNYX_API_KEY": KEY,
                "ACCESS_POLICY": str(tmp_path / "policy.toml")})  # fmt: skip
    code, out = await _run(["run", "--http", "--port", "0"], env, tmp_path)
    assert code == 2 and "limits.max_topup" in out and "Traceback" not in out
