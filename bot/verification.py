"""Is this request from Slack? Checked on the raw bytes, before Bolt parses or logs anything of it.

Bolt cannot be the first to look: its aiohttp adapter parses the body before Bolt's RequestVerification
middleware runs (a malformed `payload=` raises there: HTTP 500 and a traceback), the middleware turns a
non-numeric X-Slack-Request-Timestamp into a ValueError (500 again), and it logs every failure at INFO
with the whole body. Here slack_sdk's SignatureVerifier checks the bytes first; a refusal says why in a few
words and quotes nothing of the body. Bolt still verifies what passes (it costs one HMAC).

The cap on the body is what Slack can send this app: the largest payloads are a click on a message
(Slack echoes it: its blocks hold at most ~13,000 characters, `msg_blocks_too_long` beyond) and a message
shortcut on someone's message (Slack echoes its text, up to 40,000 characters, twice: as `text` and as
rich_text blocks). Slack escapes non-ASCII as \\uXXXX in JSON, and interactivity arrives form-encoded, so
a character costs 1 to 9 bytes: about 100-250 KB at Slack's own limits for Latin-script text. 512 KiB
holds that with room (the largest payload of the whole test suite is 6 KB), and is half of aiohttp's
default, which an unauthenticated client could otherwise make the bot buffer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.redaction import printable

MAX_BODY_BYTES = 512 * 1024
MAX_AGE_SECONDS = 5 * 60  # Slack's rule, as SignatureVerifier applies it
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: the HTTP status, the error word it answers and a reason for the log."""

    status: int
    error: str
    reason: str


def too_large(size: int | None) -> Refusal:
    """A body over MAX_BODY_BYTES (`size` when the client declared it)."""
    declared = f" ({size} bytes declared)" if size is not None else ""
    return Refusal(413, "request too large", f"body over {MAX_BODY_BYTES} bytes{declared}")


def is_ssl_check(body: bytes) -> bool:
    """Slack's `ssl_check=1` probe (sent unsigned when a command's URL is saved): answered 200, nothing runs."""
    if b"ssl_check" not in body or len(body) > 1024:
        return False
    return parse_qs(body.decode("utf-8", "replace")).get("ssl_check") == ["1"]


class RequestVerifier:
    """Checks X-Slack-Request-Timestamp and X-Slack-Signature against the signing secret."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._clock = clock

    def __repr__(self) -> str:
        return "RequestVerifier(signing_secret=<hidden>)"

    def refusal(self, headers: Mapping[str, str], body: bytes) -> Refusal | None:
        """None when Slack signed `body` within the last 5 minutes; otherwise why not."""
        timestamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        if timestamp is None or signature is None:
            return Refusal(401, "invalid request", "not signed (no X-Slack-Signature or timestamp)")
        if not _TIMESTAMP.fullmatch(timestamp):
            return Refusal(
                400,
                "malformed request",
                f"X-Slack-Request-Timestamp is not a number: {printable(timestamp, 40)}",
            )
        age = self._clock() - int(timestamp)
        if abs(age) > MAX_AGE_SECONDS:
            return Refusal(401, "invalid request", f"timestamp {age:.0f} s old (more than 5 minutes off)")
        if not _SIGNATURE.fullmatch(signature):
            return Refusal(401, "invalid request", "malformed X-Slack-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(400, "malformed request", "body is not UTF-8")
        if not self._verifier.is_valid(text, timestamp, signature):
            return Refusal(401, "invalid request", "bad signature")
        return None
