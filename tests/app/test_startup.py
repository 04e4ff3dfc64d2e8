"""bot/startup.py in-process: which answers stop the start, which are waited out, and what each says."""

import logging
import socket

import pytest
from aiohttp import web

import bot.startup
from bot.config import Settings
from bot.startup import (
    SlackRefused,
    SlackUnreachable,
    backoff,
    check_app_token,
    check_bot_token,
    wait_for_slack,
)
from devkit.slackfake import FakeSlack
from tests.app.harness import TOKEN

APP_TOKEN = "xapp-1-test"


def _settings(api_url: str, bot_token: str = TOKEN, app_token: str = APP_TOKEN) -> Settings:
    return Settings.from_mapping(
        {"SLACK_BOT_TOKEN": bot_token, "SLACK_APP_TOKEN": app_token, "SLACK_API_URL": api_url}
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("invalid_auth", "the token is not valid"),
        ("account_inactive", "the token's user or workspace has been deactivated"),
        ("token_revoked", "the token was revoked"),
        ("not_authed", "no token reached Slack"),
        ("team_access_not_granted", "Slack's error code team_access_not_granted"),
    ],
)
async def test_each_refusal_of_the_bot_token_is_explained(error, reason):
    async with FakeSlack(bot_token=TOKEN) as slack:
        slack.fail_next("auth.test", error)
        with pytest.raises(SlackRefused) as refused:
            await check_bot_token(_settings(slack.api_url))
    line = str(refused.value)
    assert line.startswith(f"Slack refused SLACK_BOT_TOKEN (auth.test: {error}): {reason}")
    assert "OAuth & Permissions > Bot User OAuth Token" in line and TOKEN not in line


async def test_a_wrong_app_token_is_refused_and_a_good_one_opens_a_connection():
    async with FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack:
        await check_app_token(_settings(slack.api_url))
        with pytest.raises(SlackRefused) as refused:
            await check_app_token(_settings(slack.api_url, app_token="xapp-1-other"))
    assert refused.value.refusal.setting == "SLACK_APP_TOKEN"
    assert "Basic Information > App-Level Tokens" in str(refused.value) and "xapp-1-" not in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("error", "status"), [("internal_error", 200), ("ratelimited", 429), ("fatal_error", 503)]
)
async def test_slack_in_trouble_is_an_outage_not_a_refusal(error, status):
    async with FakeSlack(bot_token=TOKEN) as slack:
        slack.fail_next("auth.test", error, status=status, retry_after=0)
        with pytest.raises(SlackUnreachable, match=error):
            await check_bot_token(_settings(slack.api_url))


async def test_an_address_that_is_not_slack_names_slack_api_url():
    runner = web.AppRunner(web.Application())  # answers 404 to everything, in plain text
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        with pytest.raises(SlackRefused) as refused:
            await check_bot_token(_settings(f"http://127.0.0.1:{port}/api/"))
    finally:
        await runner.cleanup()
    assert str(refused.value).startswith(
        "SLACK_API_URL does not answer like Slack's Web API (auth.test: HTTP 404)"
    )


async def test_refused_connections_and_silence_are_outages(monkeypatch):
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        monkeypatch.setattr(bot.startup, "TIMEOUT_SECONDS", 0.3)
        with pytest.raises(SlackUnreachable, match="no answer within"):
            await check_bot_token(_settings(f"http://127.0.0.1:{port}/api/"))
    with pytest.raises(SlackUnreachable, match="connection refused"):
        await check_bot_token(_settings(f"http://127.0.0.1:{port}/api/"))


def test_backoff_doubles_up_to_30_seconds():
    assert [backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


async def test_wait_for_slack_says_one_line_per_failed_attempt_then_returns(monkeypatch, caplog):
    monkeypatch.setattr(bot.startup, "backoff", lambda attempt: 0.01)
    async with FakeSlack(bot_token=TOKEN, app_token=APP_TOKEN) as slack:
        slack.fail_next("auth.test", "internal_error", times=2)
        with caplog.at_level(logging.WARNING, logger="bot.startup"):
            auth = await wait_for_slack(_settings(slack.api_url), socket_mode=True)
        assert auth["user_id"] == "U0BOT"
        assert [c.ok for c in slack.calls_to("apps.connections.open")] == [True]
    waits = [r.getMessage() for r in caplog.records]
    assert len(waits) == 2 and all("Slack answered internal_error" in w for w in waits)
    assert all(r.exc_info is None for r in caplog.records)  # no traceback
