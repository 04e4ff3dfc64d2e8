"""Which hosts a response_url may be on, and what the log filter cuts out (bot/slack_urls.py, bot/logs.py)."""

import logging

import pytest

from bot.redaction import RedactingFilter, printable
from bot.slack_urls import is_response_url, response_url_origins

FAKE = "http://127.0.0.1:4567/api/"


@pytest.mark.parametrize(
    ("api_url", "url", "allowed"),
    [
        ("https://slack.com/api/", "https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://slack.com/api/", "https://HOOKS.slack.com:443/actions/T1/2/abc", True),
        ("https://slack.com/api/", "http://hooks.slack.com/commands/T1/2/abc", False),  # not https
        ("https://slack.com/api/", "https://hooks.slack.com.example.org/x", False),
        ("https://slack.com/api/", "https://user@hooks.slack.com/x", False),
        ("https://slack.com/api/", "https://example.org/commands/x", False),
        ("https://slack-gov.com/api/", "https://hooks.slack-gov.com/commands/T1/2/abc", True),
        (FAKE, "http://127.0.0.1:4567/response/R1", True),  # the fake Slack's own
        (FAKE, "http://127.0.0.1:4568/response/R1", False),  # another port
        (FAKE, "https://hooks.slack.com/commands/T1/2/abc", True),
        (FAKE, None, False),
        (FAKE, {"url": "http://127.0.0.1:4567/"}, False),
        (FAKE, "http://[::1/x", False),
    ],
)
def test_response_urls_only_on_slack_hosts(api_url, url, allowed):
    assert is_response_url(url, api_url) is allowed


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        (
            "url: http://127.0.0.1:4567/response/R1abc, body",
            "url: http://127.0.0.1:4567/response/[redacted], body",
        ),
        (
            "url: http://127.0.0.1:4567/api/chat.postMessage",
            "url: http://127.0.0.1:4567/api/chat.postMessage",
        ),
        (
            '"https:\\/\\/hooks.slack.com\\/commands\\/T1\\/2\\/abc"',
            '"https:\\/\\/hooks.slack.com/commands/[redacted]"',
        ),
        ("response_url=http%3A%2F%2Fx%2Fy&a=1", "response_url=[redacted]&a=1"),
        (
            '{\'private_metadata\': \'{"url": "u", "ch": "C1"}\', \'x\': 1}',
            "{'private_metadata': '[redacted]', 'x': 1}",
        ),
        ('"private_metadata": "{\\"url\\": \\"u\\"}"', '"private_metadata": "[redacted]"'),
        ("token xoxb-1-2-abc", "token xoxb-[redacted]"),
        (
            "Invalid request signature detected (signature: v0=1, body: a\nb)",
            "Invalid request signature detected (request not logged)",
        ),
    ],
)
def test_the_filter_redacts_response_urls_metadata_and_tokens_once_for_all(logged, shown):
    redacting = RedactingFilter(response_url_origins(FAKE), FAKE)
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "%s", (logged,), None)
    assert redacting.filter(record) and record.getMessage() == shown
    assert redacting.filter(record) and record.getMessage() == shown  # the next handler's filter: no change


def test_printable_escapes_what_could_forge_a_line_and_clips():
    assert printable("12\nCRITICAL forged\x1b[2J") == "12\\nCRITICAL forged\\x1b[2J"
    assert printable("１") == "\\uff11"
    assert printable("x" * 100, limit=5) == "xxxxx..."
