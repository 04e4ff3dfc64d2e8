"""Socket Mode on the fake Slack: `apps.connections.open` (app token) and a WebSocket that sends envelopes.

The app under test connects like it would to Slack; `FakeSlack.socket.send(type, payload)` delivers an
envelope to the first connection and returns the app's acknowledgement (the envelope's response payload).
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
        self._tickets: set[str] = set()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def open(self, token: str | None, base_url: str) -> dict[str, Any]:
        """apps.connections.open: a one-time WebSocket URL for a valid app-level token."""
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = secrets.token_urlsafe(12)
        self._tickets.add(ticket)
        return {"ok": True, "url": f"{base_url.replace('http://', 'ws://', 1)}/socket?ticket={ticket}"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One Socket Mode connection: hello, then envelopes out and acks in until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": len(self.connections) + 1,
                            "connection_info": {"app_id": self.app_id},
                            "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600}})  # fmt: skip
        self.connections.append(ws)
        self.connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                future = self._acks.pop(str(data.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(data.get("payload") or {})
        finally:
            self.connections.remove(ws)
            if not self.connections:
                self.connected.clear()
        return ws

    async def send(self, kind: str, payload: dict[str, Any], *, timeout: float = 5.0) -> dict[str, Any]:
        """Deliver one envelope (`slash_commands`, `interactive`, `events_api`) and wait for its ack."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        envelope_id = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self.connections[0].send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                             "accepts_response_payload": kind != "events_api",
                                             "retry_attempt": 0, "retry_reason": ""})  # fmt: skip
        return await asyncio.wait_for(future, timeout)

    async def close_all(self) -> None:
        """Close every connection (the fake is stopping)."""
        for ws in list(self.connections):
            await ws.close()
