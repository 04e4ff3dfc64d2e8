"""What reaches the logs: live response URLs and modal metadata redacted, untrusted text escaped.

At DEBUG, Bolt and slack_sdk log payloads, Web API arguments and the URLs they post to. A response_url
(and the `private_metadata` that carries one across a modal) lets anyone who reads it post into that
conversation for 30 minutes, so it is treated like a token: `RedactingFilter`, installed on the root
logger's handlers at start-up (`bot.config.configure_logging`), rewrites every record that reaches them.
Slack tokens are redacted too, should a library ever log one, and so is the token Slack sends with a
workflow step's `function_executed` event (`bot_access_token`, whatever its shape).

`printable` is for anything taken from a request (a header, a host): control characters and newlines
are escaped, so a request cannot forge a log line, and the text is clipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.slack_urls import origin_of

REDACTED = "[redacted]"

# A value after `response_url` / `private_metadata` / `bot_access_token` as JSON ("..."), a Python repr
# ('...') or a form field (up to & or a space) writes it.
_KEYED = re.compile(
    r"""(?P<key>(?:response_url|private_metadata|bot_access_token)["']?\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,}'"]+)""",
)
_ENCODED_SEPARATOR = re.compile(r"\\/|%3A|%2F", re.IGNORECASE)
_SEPARATORS = {"\\/": "/", "%3a": ":", "%2f": "/"}
_TOKEN = re.compile(r"\b(?P<kind>xox[abposre]|xapp|xwfp)-[A-Za-z0-9-]+")  # xwfp-: a workflow step's token
_VERIFICATION_FAILED = "Invalid request signature detected"  # Bolt's own message logs the whole body


def printable(value: object, limit: int = 80) -> str:
    """`value` as one line of plain ASCII for a log: control characters and non-ASCII escaped, clipped."""
    text = str(value)
    clipped = text[:limit]
    escaped = clipped.encode("unicode_escape").decode("ascii")
    return escaped + ("..." if len(text) > limit else "")


class RedactingFilter(logging.Filter):
    """Rewrite a record's message (and traceback) without response URLs, modal metadata or tokens.

    `origins` are the hosts response URLs live on (bot.slack_urls); any URL on them is cut after its
    first path segment (`https://hooks.slack.com/commands/[redacted]`), except the Slack Web API's own
    (`api_url`), whose method names are worth seeing. Redacting twice changes nothing (a record passes
    the filter of every handler it reaches).
    """

    def __init__(self, origins: Iterable[str], api_url: str) -> None:
        super().__init__()
        netlocs = sorted({origin.split("://", 1)[1] for origin in origins}, key=len, reverse=True)
        hosts = "|".join(re.escape(netloc) for netloc in netlocs)
        # scheme, separator (plain, JSON-escaped or percent-encoded), host, then a path
        self._url = re.compile(
            rf"(?P<head>https?(?:://|:\\/\\/|%3A%2F%2F)(?:{hosts}))"
            rf"(?P<path>(?:/|\\/|%2F)(?:[^\s'\"<>,)}}\]\\]|\\/)*)",
            re.IGNORECASE,
        )
        self._api_prefix = f"{origin_of(api_url)}{urlsplit(api_url).path}".lower()

    def redact(self, text: str) -> str:
        """`text` without response URLs, metadata values or tokens."""
        if text.startswith(_VERIFICATION_FAILED):
            return f"{_VERIFICATION_FAILED} (request not logged)"
        text = self._url.sub(self._url_replacement, text)
        text = _KEYED.sub(_keyed_replacement, text)
        return _TOKEN.sub(lambda m: f"{m['kind']}-{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken %-format: logging reports it when formatting
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def _url_replacement(self, match: re.Match[str]) -> str:
        if _plain(match[0]).lower().startswith(self._api_prefix):
            return match[0]
        first, _, rest = _plain(match["path"])[1:].partition("/")
        if not rest or rest.startswith(REDACTED[:-1]):  # no secret in one segment; or redacted already
            return match[0]
        return f"{match['head']}/{first}/{REDACTED}"


def _plain(url: str) -> str:
    """`url` with JSON-escaped and percent-encoded separators written plainly."""
    return _ENCODED_SEPARATOR.sub(lambda m: _SEPARATORS[m[0].lower()], url)


def _keyed_replacement(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match['key']}{quote}{REDACTED}{quote}"


def install_redaction(origins: Iterable[str], api_url: str) -> RedactingFilter:
    """Put one RedactingFilter on every handler of the root logger (replacing an earlier one)."""
    redacting = RedactingFilter(origins, api_url)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redacting)
    return redacting
