"""A test Telnyx front: a proxy on 127.0.0.1:0 before the sandbox that charges the payment, then lies.

Every request is forwarded to the sandbox and its answer relayed, except the payment POST: that one
goes through to the sandbox (so the balance really rises), and then the front answers as its `mode`
says: a 5xx with a Telnyx or an HTML body, nothing until the client gives up, a dropped connection, an
unreadable 200, a 200 trickled slower than the client's whole timeout, or a redirect.

    async with PaymentFront(sandbox.base_url, mode=Mode.HTTP_500) as front:
        gateway = TelnyxGateway(KEY, front.base_url, ...)
        ...
        assert len(front.payments) == 1
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from devkit.sandbox.errors import error_body

PAYMENT_SUFFIX = "/payment/stored_payment_transactions"
# Per connection, not end to end: never forwarded either way.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        "accept-encoding",
        "date",
        "server",
    }
)
HTML_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Mode(StrEnum):
    """How the front answers the payment after the sandbox has charged it."""

    PASS = "pass"  # relay the sandbox's answer untouched
    HTTP_500 = "http_500"  # a Telnyx-style JSON error body
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    HTTP_504 = "http_504"
    HTML_500 = "html_500"  # a proxy's HTML error page
    HTML_502 = "html_502"
    HTML_503 = "html_503"
    HTML_504 = "html_504"
    TIMEOUT = "timeout"  # no answer until the client gives up (or the front stops)
    DROP = "drop"  # close the socket without a byte of answer
    GARBAGE_200 = "garbage_200"  # 200 whose body is not JSON
    NO_DATA_200 = "no_data_200"  # 200 whose JSON has no `data`
    TRICKLE_200 = "trickle_200"  # the real 200, in small pieces: each in time, the whole far too late
    REDIRECT_307 = "redirect_307"  # a redirect to the sandbox (a client must not follow it)

    @property
    def status(self) -> int | None:
        """The error status the mode answers, for the HTTP_ and HTML_ modes."""
        kind, _, code = self.value.partition("_")
        return int(code) if kind in ("http", "html") else None


@dataclass(frozen=True)
class FrontRequest:
    """One request the front received. `headers` keep every header but Authorization's value."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def is_payment(self) -> bool:
        return self.method == "POST" and self.path.endswith(PAYMENT_SUFFIX)

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class PaymentFront:
    """The front, as an async context manager; `mode` can be changed between requests."""

    def __init__(self, upstream_base_url: str, mode: Mode = Mode.PASS, *, trickle_interval: float = 0.2):
        upstream = urlsplit(upstream_base_url)
        self.upstream_origin = f"{upstream.scheme}://{upstream.netloc}"
        self.base_path = upstream.path.rstrip("/")  # "/v2": the front serves the same paths
        self.mode = mode
        self.trickle_interval = trickle_interval
        self.requests: list[FrontRequest] = []
        self.port: int | None = None
        self._closing = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """TELNYX_BASE_URL through the front: same path shape as the sandbox's (…/v2)."""
        if self.port is None:
            raise RuntimeError("the front is not running")
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    @property
    def payments(self) -> list[FrontRequest]:
        """The payment requests received, in order."""
        return [r for r in self.requests if r.is_payment]

    async def __aenter__(self) -> PaymentFront:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()  # releases answers held in TIMEOUT mode
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {
            k: ("[redacted]" if k.lower() == "authorization" else v) for k, v in request.headers.items()
        }
        received = FrontRequest(request.method, request.path, request.query_string, headers, body)
        self.requests.append(received)
        status, answer_headers, answer = await self._forward(request, body)
        if not received.is_payment or self.mode is Mode.PASS:
            return web.Response(status=status, headers=answer_headers, body=answer)
        return await self._misanswer(request, answer_headers, answer)

    async def _forward(self, request: web.Request, body: bytes) -> tuple[int, CIMultiDict[str], bytes]:
        assert self._session is not None
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
        async with self._session.request(
            request.method,
            self.upstream_origin + request.path_qs,
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as upstream:
            answer = await upstream.read()
            kept = CIMultiDict((k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP)
            return upstream.status, kept, answer

    async def _misanswer(
        self, request: web.Request, headers: CIMultiDict[str], answer: bytes
    ) -> web.StreamResponse:
        mode = self.mode
        status = mode.status
        if status is not None and mode.value.startswith("http_"):
            return web.json_response(error_body(status), status=status)
        if status is not None:
            reason = HTML_REASONS[status]
            page = f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
            return web.Response(status=status, text=page, content_type="text/html")
        if mode is Mode.TIMEOUT:
            await self._closing.wait()  # the client gives up first: aiohttp then cancels this handler
            return web.Response(status=503)
        if mode is Mode.DROP:
            assert request.transport is not None
            request.transport.close()
            await self._closing.wait()  # cancelled at once: the connection is gone
            return web.Response(status=503)
        if mode is Mode.GARBAGE_200:
            return web.Response(status=200, body=b"<html>OK</html>\x00", content_type="application/json")
        if mode is Mode.NO_DATA_200:
            return web.json_response({"result": "ok"})
        if mode is Mode.TRICKLE_200:
            return await self._trickle(request, headers, answer)
        if mode is Mode.REDIRECT_307:
            location = self.upstream_origin + request.path_qs
            return web.Response(status=307, headers={"Location": location})
        raise AssertionError(f"unhandled mode {mode}")

    async def _trickle(
        self, request: web.Request, headers: CIMultiDict[str], answer: bytes
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers=headers)
        response.content_length = len(answer)
        await response.prepare(request)
        pieces = 10
        step = max(1, -(-len(answer) // pieces))
        for start in range(0, len(answer), step):
            await response.write(answer[start : start + step])
            await asyncio.sleep(self.trickle_interval)
        await response.write_eof()
        return response
