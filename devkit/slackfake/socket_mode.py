"""Socket Mode on the fake Slack: `apps.connections.open` (app token) and a WebSocket that sends envelopes.

The app under test connects like it would to Slack; `FakeSlack.socket.send(type, payload)` delivers an
envelope to the newest connection and returns the app's acknowledgement (the envelope's response payload).

Faults, as Slack's Socket Mode produces them: `disconnect(reason)` sends a `disconnect` message
(`warning`, `refresh_requested`, `link_disabled`); `drop()` closes every socket abruptly (no close
frame); `refusing = True` refuses new WebSocket connections; `open_error = "..."` makes
`apps.connections.open` fail; `go_deaf()` makes the current connections stop delivering and stop
answering pings while staying open. `send(..., envelope_id=...)` re-delivers an envelope.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web


class SocketModeHub:
    """The WebSocket side of Socket Mode: connections in, envelopes out, acks back."""

    def __init__(self, app_token: str, app_id: str) -> None:
        self.app_token = app_token
        self.app_id = app_id
        self.connections: list[web.WebSocketResponse] = []
        self.connected = asyncio.Event()
        self.refusing = False  # new WebSocket connections are answered 503
        self.open_error: str | None = None  # apps.connections.open answers ok: false with this error
        self.sessions = 0  # WebSocket sessions accepted so far
        self.acks: list[dict[str, Any]] = []  # every acknowledgement received, in order
        self._tickets: set[str] = set()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._deaf: dict[web.WebSocketResponse, asyncio.Event] = {}
        self._transports: dict[web.WebSocketResponse, asyncio.BaseTransport] = {}

    def open(self, token: str | None, base_url: str) -> dict[str, Any]:
        """apps.connections.open: a one-time WebSocket URL for a valid app-level token."""
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if self.open_error:
            return {"ok": False, "error": self.open_error}
        ticket = secrets.token_urlsafe(12)
        self._tickets.add(ticket)
        return {"ok": True, "url": f"{base_url.replace('http://', 'ws://', 1)}/socket?ticket={ticket}"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One Socket Mode connection: hello, then envelopes out and acks in until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        if self.refusing:
            return web.Response(status=503, text="refusing connections")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections) + 1,
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
        )
        self.sessions += 1
        self.connections.append(ws)
        deaf = self._deaf[ws] = asyncio.Event()
        if request.transport is not None:
            self._transports[ws] = request.transport
        self.connected.set()
        try:
            while not ws.closed:
                receiving = asyncio.ensure_future(ws.receive())
                deafened = asyncio.ensure_future(deaf.wait())
                done, _ = await asyncio.wait({receiving, deafened}, return_when=asyncio.FIRST_COMPLETED)
                if deafened in done:  # stop reading: no more pongs, no more acks, the socket stays open
                    receiving.cancel()
                    if ws in self.connections:  # envelopes go to live connections; drop() can still cut it
                        self.connections.remove(ws)
                    if not self.connections:
                        self.connected.clear()
                    transport = request.transport
                    # the transport's closing has no awaitable: poll it until the client (or drop()) cuts it
                    while not ws.closed and transport is not None and not transport.is_closing():  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                    break
                deafened.cancel()
                msg = receiving.result()
                if msg.type != WSMsgType.TEXT:
                    if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                        break
                    continue
                data = json.loads(msg.data)
                self.acks.append(data)
                future = self._acks.pop(str(data.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(data.get("payload") or {})
        finally:
            self._forget(ws)
        return ws

    def _forget(self, ws: web.WebSocketResponse) -> None:
        if ws in self.connections:
            self.connections.remove(ws)
        self._deaf.pop(ws, None)
        self._transports.pop(ws, None)
        if not self.connections:
            self.connected.clear()

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 5.0,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
    ) -> dict[str, Any]:
        """Deliver one envelope (`slash_commands`, `interactive`, `events_api`) and wait for its ack."""
        async with asyncio.timeout(timeout):
            while not self.connections:
                self.connected.clear()
                await self.connected.wait()
        envelope_id = envelope_id or secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self.connections[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
            }
        )
        return await asyncio.wait_for(future, timeout)

    async def disconnect(self, reason: str) -> None:
        """Send `disconnect` with `reason` on every connection (Slack then closes them in time)."""
        for ws in list(self.connections):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}})

    def drop(self) -> None:
        """Close every socket abruptly: the TCP connection goes, no close frame is sent."""
        for ws, transport in list(self._transports.items()):
            transport.abort()
            self._forget(ws)

    def go_deaf(self) -> None:
        """The current connections stop delivering and stop answering pings, and stay open."""
        for ws, event in list(self._deaf.items()):
            event.set()
            if ws in self.connections:  # at once: an envelope sent from now on waits for a live connection
                self.connections.remove(ws)
        if not self.connections:
            self.connected.clear()

    async def close_all(self) -> None:
        """Close every connection (the fake is stopping)."""
        for ws in list(self.connections):
            await ws.close()
        self.drop()
