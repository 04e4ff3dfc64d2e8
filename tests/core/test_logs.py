"""Log lines as a collector reads them: JSON fields, the request context, tracebacks in one field, and no
secret or response_url in either format."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import RESPONSE_URLS, TOPUP_ID, TRIGGER_ID, handler

TOKEN, APP_TOKEN, SECRET, KEY = "xoxb-1-bot-token", "xapp-1-app-token", "8f742231b10e8888", "KEYsecret0123"
SETTINGS = {
    "SLACK_BOT_TOKEN": TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SECRET,
    "TELNYX_API_KEY": KEY,
    "DATABASE_URL": "postgresql://bot:pg-password-1@db.internal:5432/bot",
}


@contextmanager
def logged(log_format: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the bot's handler for LOG_FORMAT into a string."""
    out = io.StringIO()
    logger = logging.getLogger(f"test.logs.{log_format}")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(handler(Settings.from_mapping({**SETTINGS, "LOG_FORMAT": log_format}), out))
    try:
        yield logger, out
    finally:
        logger.handlers.clear()


def test_json_lines_have_time_level_logger_message_and_the_context_when_known():
    with logged("json") as (logger, out):
        logger.info("started")
        trigger, topup = (
            TRIGGER_ID.set("13345224609.738474920.8088930838d88f008e0"),
            TOPUP_ID.set("c-t5ByWozjA9"),
        )
        try:
            logger.warning("paid %s", "40.00")
        finally:
            TRIGGER_ID.reset(trigger)
            TOPUP_ID.reset(topup)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["time"].endswith("+00:00") and first["level"] == "INFO" and first["message"] == "started"
    assert first["logger"] == "test.logs.json"
    assert second["message"] == "paid 40.00" and second["topup_id"] == "c-t5ByWozjA9"
    assert second["trigger_id"].startswith("13345224609.")


def test_an_exception_is_one_exc_field_not_raw_lines_and_its_secrets_are_gone():
    with logged("json") as (logger, out):
        try:
            raise RuntimeError(f"refused with Authorization: Bearer {KEY} for {TOKEN}")
        except RuntimeError:
            logger.exception("the call failed")
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "the call failed"
    assert record["exc"].startswith("Traceback (most recent call last):") and "RuntimeError" in record["exc"]
    assert KEY not in line and TOKEN not in line and "Bearer [redacted]" in record["exc"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_or_response_url_survives_in_either_format(log_format):
    own_url = "http://127.0.0.1:4711/response/r-42"  # the request's own response_url, any host
    with logged(log_format) as (logger, out):
        urls = RESPONSE_URLS.set((own_url,))
        try:
            logger.debug("configured: %s %s %s %s", TOKEN, APP_TOKEN, SECRET, KEY)
            logger.debug("posting to %s", own_url)
            logger.debug(
                "body %s", {"response_url": "https://example.test/r/1", "token": "xoxp-9-user-token"}
            )
            logger.debug("Sending a request - url: https://hooks.slack.com/actions/T0/1/abc")
            logger.debug("engine postgresql://bot:pg-password-1@db.internal:5432/bot")
            logger.debug("other keys: KEY0186D3F0CA2B4A3C9C1E_abcdefgh, xoxe-1-refresh")
        finally:
            RESPONSE_URLS.reset(urls)
    text = out.getvalue()
    for leaked in (
        TOKEN,
        APP_TOKEN,
        SECRET,
        KEY,
        own_url,
        "example.test/r/1",
        "xoxp-9",
        "hooks.slack.com",
        "pg-password-1",
        "KEY0186D3F0",
        "xoxe-1",
    ):
        assert leaked not in text, leaked
    assert text.count("[response_url]") == 3 and "postgresql://bot:[redacted]@db.internal" in text
    if log_format == "text":
        assert all(" DEBUG test.logs.text: " in line for line in text.splitlines())


def test_log_format_and_health_port_are_checked_with_a_sentence_each():
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping({"LOG_FORMAT": "yaml", "HEALTH_PORT": "70000"})
    problems = "\n".join(caught.value.problems)
    assert "LOG_FORMAT='yaml' is not a format. Expected text" in problems
    assert "HEALTH_PORT=70000 is out of range" in problems
    defaults = Settings.from_mapping({})
    assert (defaults.log_format, defaults.health_port, defaults.health_host) == ("text", None, "127.0.0.1")
    assert Settings.from_mapping({"LOG_FORMAT": "JSON", "HEALTH_PORT": "8080"}).log_format == "json"
