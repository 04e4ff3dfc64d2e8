"""Each Slack request as the bot observes it: how long its ack took.

`ObservedApp` is Bolt's AsyncApp with its dispatch wrapped, the one place every request passes in both
modes (HTTP and Socket Mode) and the only place that sees the ack response leave: Bolt's global middleware
runs before the listener and never sees the ack. The wrap times the ack from when the request arrived:
over Socket Mode when the envelope was read (`note_envelope`, a Socket Mode message listener), over HTTP
when Bolt got the request.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.metrics import Metrics

# time.monotonic() of the Socket Mode envelope in hand, read off the socket
ARRIVED: ContextVar[float | None] = ContextVar("arrived", default=None)
KINDS = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action"}
)


class ObservedApp(AsyncApp):
    """AsyncApp that times each request's ack into `metrics`."""

    def __init__(self, *, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self.metrics = metrics

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        started = ARRIVED.get() or time.monotonic()
        body = req.body if isinstance(req.body, dict) else {}
        try:
            return await super().async_dispatch(req)
        finally:
            self.metrics.ack(request_kind(body), time.monotonic() - started)


async def note_envelope(_client: Any, message: dict[str, Any], _raw: str | None = None) -> None:
    """Socket Mode message listener: the envelope's arrival, for the ack time.

    It runs in the envelope's own task just before Bolt's handler, which inherits what it sets.
    """
    ARRIVED.set(time.monotonic())


def request_kind(body: dict[str, Any]) -> str:
    """A bounded label for a request: command, one of Slack's interaction types, event, or other."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind in KINDS:
        return str(kind)
    return "event" if kind == "event_callback" else "other"
