"""Logging: readable lines (LOG_FORMAT=text) or one JSON object a line (json), never a secret in either.

A JSON line has `time` (ISO 8601, UTC), `level`, `logger` and `message`; when known, the Slack request's
`trigger_id` or Socket Mode `envelope_id` and the `topup_id` being handled (context variables, set per
request by bot/slack_requests.py and where a top-up is handled, and so private to that request's tasks);
and an exception's traceback as one `exc` string rather than raw lines.

Every line, in both formats, goes through `Redactor` first: the configured tokens, signing secret, API key
and database password, anything shaped like a Slack token, a Telnyx key or a bearer credential, Slack's
response URLs (`hooks.slack.com`, and the current request's own response_url, whatever its host), and a
`response_url` named in a dump become placeholders, in the message and in the traceback alike.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.redaction import RedactingFilter, install_redaction
from bot.slack_urls import response_url_origins

if TYPE_CHECKING:
    from bot.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
OURS = "_telnyx_bot"  # marks the handler configure() installed, so a second call replaces it
MIN_SECRET = 6  # a configured value shorter than this is not searched for (it would match ordinary words)

TRIGGER_ID: ContextVar[str | None] = ContextVar("trigger_id", default=None)
ENVELOPE_ID: ContextVar[str | None] = ContextVar("envelope_id", default=None)
TOPUP_ID: ContextVar[str | None] = ContextVar("topup_id", default=None)
# the response_url(s) of the Slack request in hand: hosts vary (GovSlack, a proxy, a test), so by value
RESPONSE_URLS: ContextVar[tuple[str, ...]] = ContextVar("response_urls", default=())
CONTEXT = {"trigger_id": TRIGGER_ID, "envelope_id": ENVELOPE_ID, "topup_id": TOPUP_ID}

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"https?://hooks\.slack(?:-gov)?\.com/\S+"), "[response_url]"),
    (re.compile(r"""(response_url['"]?\s*[:=]\s*['"]?)[^\s'",}]+"""), r"\1[response_url]"),
    (re.compile(r"\bx(?:ox[a-z]|app|wfp)-[A-Za-z0-9-]+"), "[slack token]"),
    (re.compile(r"""(bot_access_token['"]?\s*[:=]\s*['"]?)[^\s'",}]+"""), r"\1[redacted]"),
    (re.compile(r"\bKEY[A-Za-z0-9_-]{16,}"), "[telnyx key]"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),  # user:password@ in a URL
)


def bind_topup(topup_id: str) -> None:
    """Name this top-up in the log lines of the request in hand (and of the tasks it starts)."""
    TOPUP_ID.set(topup_id[:64])


class RequestContext(logging.Filter):
    """Put the request's trigger or envelope id and the top-up id on every record, for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in CONTEXT.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class Redactor(logging.Filter):
    """Render each record's message and traceback once, with every secret and response_url replaced."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # longest first: a secret that contains another is replaced whole
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        for value in (*self.secrets, *sorted(RESPONSE_URLS.get(), key=len, reverse=True)):
            if value and value in text:
                text = text.replace(value, "[response_url]" if "://" in value else REDACTED)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request context when known, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT:
            value = getattr(record, name, None)
            if value:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def secrets_of(settings: Settings) -> list[str]:
    """The configured values no log line may show."""
    values = [
        secret.get_secret_value()
        for secret in (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
            settings.telnyx_api_key,
        )
        if secret is not None
    ]
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:
        password = None
    if password:
        values.append(str(password))
    return values


def handler(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to `stream` (stderr) in LOG_FORMAT, every record given its context and redacted."""
    out = logging.StreamHandler(stream)
    out.addFilter(RequestContext())
    # response URLs, modal metadata, tokens by pattern, Bolt's body-carrying line (bot/redaction.py)
    out.addFilter(RedactingFilter(response_url_origins(settings.slack_api_url), settings.slack_api_url))
    out.addFilter(Redactor(secrets_of(settings)))
    out.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(settings: Settings) -> None:
    """Send every record to stderr through `handler` at LOG_LEVEL (replacing the one set before), and
    redact what any other handler on the root logger writes too (a platform's, a test's capture)."""
    if settings.log_format == "json":
        logging.captureWarnings(True)  # a warning's two raw lines would break one object a line
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, OURS, False)]:
        root.removeHandler(old)
        old.close()
    ours = handler(settings)
    setattr(ours, OURS, True)
    root.addHandler(ours)
    root.setLevel(getattr(logging, settings.log_level))
    install_redaction(response_url_origins(settings.slack_api_url), settings.slack_api_url)
    secrets = Redactor(secrets_of(settings))
    for other in root.handlers:
        if other is not ours:
            for stale in [f for f in other.filters if isinstance(f, Redactor)]:
                other.removeFilter(stale)
            other.addFilter(secrets)
