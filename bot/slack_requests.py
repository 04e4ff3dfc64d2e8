"""Each Slack request as the bot observes it: the log context it sets, and how long its ack took.

`ObservedApp` is Bolt's AsyncApp with its dispatch wrapped, the one place every request passes in both
modes (HTTP and Socket Mode) and the only place that sees the ack response leave: Bolt's global middleware
runs before the listener and never sees the ack. The wrap sets the log context (trigger id, the
response_urls to redact) for the request's task, which the listener tasks Bolt starts inherit, and times
the ack from when the request arrived: over Socket Mode when the envelope was read (`note_envelope`, a
Socket Mode message listener, which also names the envelope), over HTTP when Bolt got the request.
"""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.logs import ENVELOPE_ID, RESPONSE_URLS, TRIGGER_ID
from bot.metrics import Metrics

# time.monotonic() of the Socket Mode envelope in hand, read off the socket
ARRIVED: ContextVar[float | None] = ContextVar("arrived", default=None)
KINDS = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action"}
)


class ObservedApp(AsyncApp):
    """AsyncApp that sets each request's log context and times its ack into `metrics`."""

    def __init__(self, *, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self.metrics = metrics

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        started = ARRIVED.get() or time.monotonic()
        body = req.body if isinstance(req.body, dict) else {}
        trigger = TRIGGER_ID.set(str(body.get("trigger_id") or "") or None)
        urls = RESPONSE_URLS.set(response_urls(body))
        try:
            return await super().async_dispatch(req)
        finally:
            self.metrics.ack(request_kind(body), time.monotonic() - started)
            TRIGGER_ID.reset(trigger)
            RESPONSE_URLS.reset(urls)


async def note_envelope(_client: Any, message: dict[str, Any], _raw: str | None = None) -> None:
    """Socket Mode message listener: the envelope's id for the logs, and its arrival for the ack time.

    It runs in the envelope's own task just before Bolt's handler, which inherits what it sets.
    """
    ARRIVED.set(time.monotonic())
    envelope = message.get("envelope_id")
    ENVELOPE_ID.set(str(envelope) if envelope else None)


def request_kind(body: dict[str, Any]) -> str:
    """A bounded label for a request: command, one of Slack's interaction types, event, or other."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in KINDS:
        return str(kind)
    return "event" if kind == "event_callback" else "other"


def response_urls(body: dict[str, Any]) -> tuple[str, ...]:
    """Every response_url a request carries: its own, a modal's, or the one a modal keeps in its metadata."""
    found = [body.get("response_url")]
    found += [
        entry.get("response_url") for entry in body.get("response_urls") or () if isinstance(entry, dict)
    ]
    metadata = (body.get("view") or {}).get("private_metadata")
    if isinstance(metadata, str) and metadata.startswith("{"):
        try:
            kept = json.loads(metadata)
        except ValueError:
            kept = None
        if isinstance(kept, dict):
            found.append(kept.get("url"))
    return tuple(url for url in found if isinstance(url, str) and url)
