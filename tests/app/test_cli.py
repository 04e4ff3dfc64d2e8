"""The `telnyx-bot` process: `check` against Slack and Telnyx, start-up against a Slack that refuses a token
or cannot be reached, and the clean shutdown on SIGTERM."""

import asyncio
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from devkit.sandbox import Fault, Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack, SlackRequests
from tests.app.harness import KEY, SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-test"


def _env(extra: dict[str, str]) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELNYX_", "DATABASE_", "ACCESS_"))
    }
    return {**clean, "PYTHONPATH": str(ROOT), **extra}


def _wired(slack: FakeSlack, sandbox: Sandbox, **more: str) -> dict[str, str]:
    """`_env` for a bot wired to this fake Slack and sandbox, with the bot token and Telnyx key they expect."""
    settings = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url, "TELNYX_API_KEY": KEY}
    return _env({**settings, "TELNYX_BASE_URL": sandbox.base_url, **more})


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:  # a bot that never stops (the bug these tests guard against)
            proc.kill()
            await proc.wait()
    return proc.returncode, out.decode()


async def test_check_reports_ok_for_slack_and_telnyx(tmp_path):
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        env = _wired(slack, sandbox)
        code, out = await _run(["check"], env, tmp_path)
    assert code == 0, out
    assert "configuration: OK" in out and "slack auth.test: OK" in out and "telnyx GET /balance: OK" in out


async def test_check_tries_the_app_level_token_when_it_is_set(tmp_path):
    async with FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack:
        env = _env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": slack.api_url})
        code, out = await _run(["check"], env, tmp_path)
        assert code == 0, out
        assert "slack apps.connections.open: OK (Socket Mode can connect)" in out
        assert [c.ok for c in slack.calls_to("apps.connections.open")] == [True]


async def test_check_reports_each_failure_with_its_reason_and_no_secret(tmp_path):
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        env = _env(
            {
                "SLACK_BOT_TOKEN": "xoxb-not-the-right-one",
                "SLACK_APP_TOKEN": "xapp-not-the-right-one",
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": "KEYnotright",
                "TELNYX_BASE_URL": sandbox.base_url,
            }
        )
        code, out = await _run(["check"], env, tmp_path)
    assert code == 1
    assert "slack auth.test: FAILED (invalid_auth)" in out and "telnyx GET /balance: FAILED" in out
    assert "slack apps.connections.open: FAILED (invalid_auth): the token is not valid" in out
    assert (
        "Basic Information > App-Level Tokens" in out and "OAuth & Permissions" in out
    )  # where to get good ones
    assert "rejected" in out and "KEYnotright" not in out and "-not-the-right-one" not in out


async def test_http_mode_finishes_in_flight_work_on_sigterm_then_exits_0(tmp_path):
    faults = {"/v2/balance": Fault(latency=1.0)}
    async with (
        Sandbox(SandboxConfig(api_key=KEY, faults=faults)) as sandbox,
        FakeSlack(bot_token=TOKEN) as slack,
    ):
        env = _wired(
            slack, sandbox, SLACK_SIGNING_SECRET=SECRET, DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}"
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--http",
            "--port",
            "0",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
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
        env = _wired(
            slack, sandbox, SLACK_APP_TOKEN="xapp-1-test", DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}"
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
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
    env = _env(
        {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "TELNYX_API_KEY": KEY,
            "ACCESS_POLICY": str(tmp_path / "policy.toml"),
        }
    )
    code, out = await _run(["run", "--http", "--port", "0"], env, tmp_path)
    assert code == 2 and "limits.max_topup" in out and "Traceback" not in out


async def _until_exit(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, float]:
    """Run the bot to its end; its exit code, everything it printed and how long it took."""
    start = time.monotonic()
    code, out = await _run(args, env, cwd)
    return code, out, time.monotonic() - start


@pytest.mark.parametrize(
    ("mode", "bot_token", "app_token", "says"),
    [
        (
            ["run"],
            "xoxb-wrong-bot-token",
            APP_TOKEN,
            "Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)",
        ),
        (
            ["run"],
            TOKEN,
            "xapp-1-wrong-app-token",
            "Slack refused SLACK_APP_TOKEN (apps.connections.open: invalid_auth)",
        ),
        (
            ["run", "--http", "--port", "0"],
            "xoxb-wrong-bot-token",
            None,
            "Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)",
        ),
    ],
    ids=["socket-mode-bot-token", "socket-mode-app-token", "http-mode-bot-token"],
)
async def test_a_token_slack_refuses_stops_the_start_with_one_line_and_exit_2(
    tmp_path, mode, bot_token, app_token, says
):
    async with (
        Sandbox(SandboxConfig(api_key=KEY)) as sandbox,
        FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack,
    ):
        env = _env(
            {
                "SLACK_BOT_TOKEN": bot_token,
                "SLACK_API_URL": slack.api_url,
                "TELNYX_API_KEY": KEY,
                "TELNYX_BASE_URL": sandbox.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                **({"SLACK_APP_TOKEN": app_token} if app_token else {"SLACK_SIGNING_SECRET": SECRET}),
            }
        )
        code, out, took = await _until_exit(mode, env, tmp_path)
    assert code == 2 and took < 15, out
    [line] = [line for line in out.splitlines() if "Slack refused" in line]  # said once, on one line
    assert line.startswith("telnyx-bot: ") and says in line
    where = "App-Level Tokens" if "APP_TOKEN" in says else "OAuth & Permissions > Bot User OAuth Token"
    assert "https://api.slack.com/apps" in line and where in line  # where to get a good one
    assert "Traceback" not in out and "listening on" not in out and "connected" not in out
    assert bot_token not in out and (app_token or "xapp-") not in out


async def test_a_revoked_bot_token_is_named_with_its_reason(tmp_path):
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox, FakeSlack(bot_token=TOKEN) as slack:
        slack.fail_next("auth.test", "token_revoked")
        env = _wired(
            slack, sandbox, SLACK_SIGNING_SECRET=SECRET, DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}"
        )
        code, out, took = await _until_exit(["run", "--http", "--port", "0"], env, tmp_path)
    assert code == 2 and took < 15, out
    assert "Slack refused SLACK_BOT_TOKEN (auth.test: token_revoked): the token was revoked" in out
    assert "Reinstall to Workspace" in out and "Traceback" not in out and TOKEN not in out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_slack_out_of_reach_is_retried_with_one_line_per_attempt_until_it_answers(tmp_path):
    port = _free_port()  # nothing listens there yet: every connection is refused
    async with Sandbox(SandboxConfig(api_key=KEY)) as sandbox:
        env = _env(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
                "TELNYX_API_KEY": KEY,
                "TELNYX_BASE_URL": sandbox.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            }
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        lines: list[str] = []
        try:
            async with asyncio.timeout(30):  # two attempts: start-up, then 1 s of backoff
                while sum("Slack cannot be reached" in line for line in lines) < 2:
                    lines.append((await proc.stdout.readline()).decode())
                    assert lines[-1], "the bot gave up on Slack:\n" + "".join(lines)
            async with FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN, port=port):  # Slack is back
                async with asyncio.timeout(15):  # the next attempt comes 2 s later
                    while "Socket Mode: connected" not in lines[-1]:
                        lines.append((await proc.stdout.readline()).decode())
                        assert lines[-1], "the bot exited:\n" + "".join(lines)
                proc.send_signal(signal.SIGTERM)
                lines.append((await asyncio.wait_for(proc.stdout.read(), 30)).decode())
                code = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
    out = "".join(lines)
    assert code == 0, out
    waits = [line for line in out.splitlines() if "Slack cannot be reached" in line]
    assert waits[0].endswith("(connection refused); trying again in 1 s (attempt 1)"), waits
    assert waits[1].endswith("(connection refused); trying again in 2 s (attempt 2)"), waits
    assert "Socket Mode: connected" in out and "Traceback" not in out
    assert TOKEN not in out and APP_TOKEN not in out


def _readme_sandbox_blocks() -> tuple[str, str]:
    """The README's sandbox section: the command that starts it and the settings that point the bot at it."""
    section = (
        (ROOT / "README.md").read_text().split("\n## The sandbox Telnyx account\n", 1)[1].split("\n## ", 1)[0]
    )
    command, settings = re.findall(r"```\n(.*?)```", section, flags=re.S)[:2]
    return command.strip(), settings


async def test_the_readme_sandbox_instructions_work_copy_pasted(tmp_path):
    command, settings = _readme_sandbox_blocks()
    port = str(_free_port())  # 4010 may be taken on a shared machine: the one change made to the text
    assert command.startswith(".venv/bin/telnyx-bot sandbox ") and "4010" in command
    argv = [sys.executable, "-m", "bot", *command.split()[1:]]
    sandbox = await asyncio.create_subprocess_exec(
        *[arg.replace("4010", port) for arg in argv],
        env=_env({}),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        printed = [(await asyncio.wait_for(sandbox.stdout.readline(), 30)).decode() for _ in range(3)]
        assert printed[0].startswith("Telnyx sandbox on"), printed
        # the README's settings, then the lines the sandbox prints, each pasted into .env as they are
        for pasted in (settings.replace("4010", port), "".join(printed[1:])):
            (tmp_path / ".env").write_text(pasted)
            code, out = await _run(["check"], _env({}), tmp_path)
            assert code == 0 and "telnyx GET /balance: OK" in out, (pasted, out)
    finally:
        sandbox.send_signal(signal.SIGINT)
        await asyncio.wait_for(sandbox.wait(), 10)
