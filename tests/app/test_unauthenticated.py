"""Requests that did not come from Slack (issue 12): refused before Bolt reads them, with the right status,
in one log line that quotes nothing of the body; bodies capped at what Slack sends."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.verification import MAX_BODY_BYTES
from tests.app.harness import Bot

FORGED = "2026-11-28 12:00:00 CRITICAL bot.approvals: top-up approved by U0ADMIN"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def post(bot: Bot, body: bytes | AsyncIterator[bytes], headers: dict[str, str]) -> int:
    """POST `body` to the bot's /slack/events as is; the HTTP status."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.requests.app_url, data=body, headers=headers) as resp,
    ):
        await resp.read()
        return resp.status


def signed(bot: Bot, body: bytes) -> dict[str, str]:
    """The headers Slack would send with `body`, signed now."""
    timestamp = int(time.time())
    signature = bot.requests.sign(body.decode(), timestamp)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def unsigned() -> dict[str, str]:
    """A fresh timestamp and a well-formed signature made without the secret."""
    return {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}


def command_body(bot: Bot, text: str = "help") -> bytes:
    return urlencode(
        bot.requests.build.command("/telnyx", text, user="U0ALICE", channel="C0GENERAL")
    ).encode()


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every log line as the log handler wrote it."""
    return caplog.text.splitlines()


def logged_besides_the_database(caplog: pytest.LogCaptureFixture) -> int:
    """Characters logged by everything but the database driver (the sweepers query it at DEBUG)."""
    return sum(len(r.getMessage()) for r in caplog.records if not r.name.startswith("aiosqlite"))


async def assert_nothing_ran(bot: Bot, calls_before: int) -> None:
    await bot.idle()
    assert len(bot.slack.calls) == calls_before
    assert bot.sandbox.request_count() == 0


async def test_a_non_numeric_timestamp_gets_400_not_a_traceback(bot, logs):
    before = len(bot.slack.calls)
    body = command_body(bot)
    for timestamp in ("soon", "１７６４３２００００", "1e9", "12.5"):  # the second: fullwidth digits
        status = await post(bot, body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=1"})
        assert status == 400, timestamp
    await assert_nothing_ran(bot, before)
    assert not [r for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]
    refused = [line for line in lines(logs) if "refused POST /slack/events" in line]
    assert len(refused) == 4 and all("HTTP 400" in line for line in refused)
    # what the request said is escaped: plain ASCII in the log
    assert "\\uff11\\uff17" in refused[1] and "１" not in logs.text


async def test_an_unsigned_malformed_payload_gets_401_and_is_never_parsed(bot, logs):
    before = len(bot.slack.calls)
    body = b"payload=%7Bnot+json"
    assert await post(bot, body, unsigned()) == 401
    assert await post(bot, body, {}) == 401
    await assert_nothing_ran(bot, before)
    assert not [r for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_signed_but_unreadable_payload_gets_400(bot, logs):
    body = b"payload=%7Bnot+json"
    assert await post(bot, body, signed(bot, body)) == 400
    assert not [r for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_bad_signature_is_logged_in_one_line_without_the_body(bot, logs):
    """A body with a raw newline would forge a log line if it were logged; 200 KB of it fills no log."""
    before = len(bot.slack.calls)
    body = command_body(bot, "help " + "A" * 200_000).replace(b"help", b"help\n" + FORGED.encode() + b"\n")
    assert await post(bot, body, unsigned()) == 401
    await assert_nothing_ran(bot, before)
    assert "AAAA" not in logs.text and FORGED not in logs.text and "top-up approved" not in logs.text
    refused = [line for line in lines(logs) if "refused POST /slack/events" in line]
    assert len(refused) == 1 and "HTTP 401, bad signature" in refused[0]
    assert logged_besides_the_database(logs) < 2_000


async def test_bodies_over_the_cap_get_413_signed_or_not_declared_or_not(bot, logs):
    before = len(bot.slack.calls)
    big = command_body(bot, "help " + "A" * MAX_BODY_BYTES)
    assert await post(bot, big, signed(bot, big)) == 413  # even signed: Slack never sends that much

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the cap holds on what arrives
        for _ in range(8):
            yield b"A" * (MAX_BODY_BYTES // 4)

    assert await post(bot, chunked(), unsigned()) == 413
    for _ in range(5):  # five 1 MB bodies: five short lines, not 5 MB of log
        assert await post(bot, b"payload=" + b"A" * 1024 * 1024, unsigned()) == 413
    await assert_nothing_ran(bot, before)
    refused = [line for line in lines(logs) if "refused POST /slack/events" in line]
    assert len(refused) == 7 and all("HTTP 413" in line for line in refused)
    assert logged_besides_the_database(logs) < 5_000 and "AAAA" not in logs.text


async def test_a_body_just_under_the_cap_is_still_served(bot):
    fields = bot.requests.build.command("/telnyx", "help", user="U0ALICE", channel="C0GENERAL")
    padding = MAX_BODY_BYTES - len(urlencode(fields)) - 100
    body = urlencode({**fields, "padding": "x" * padding}).encode()
    assert len(body) < MAX_BODY_BYTES
    assert await post(bot, body, signed(bot, body)) == 200


async def test_slack_ssl_check_is_answered_and_runs_nothing(bot):
    before = len(bot.slack.calls)
    assert await post(bot, b"ssl_check=1&token=whatever", {}) == 200
    await assert_nothing_ran(bot, before)
