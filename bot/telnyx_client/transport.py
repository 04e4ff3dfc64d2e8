"""The plumbing under the gateway: one `httpx.AsyncClient` and its pool, the read budget, counting, the cache.

Reads get one time budget (`timeout`, at most 10 s) that includes their single retry; nothing else ever
retries (httpx does not on its own), so nothing is sent twice behind our back. Redirects are never
followed: on a 307 httpx would re-POST the payment to another URL.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Callable, Hashable
from typing import Any, Self, TypeVar

import httpx
from pydantic import ValidationError

from bot.cache import TTLCache
from bot.config import Settings
from bot.errors import ConfigError
from bot.telnyx_client.failures import REQUEST_FAILURES, Failure, map_error, retry_delay, unreadable
from bot.telnyx_client.queries import Params
from bot.telnyx_client.wire import load_json

logger = logging.getLogger("bot.telnyx_client")

T = TypeVar("T")
MAX_TIMEOUT = 10.0
MAX_CONNECT = 5.0  # seconds to open a connection, at most: a Telnyx that cannot be reached is known soon
# Requests in flight at once. Below httpx's pool of 100: past it, httpcore re-scans every queued request on
# each connection change (O(queued x connections), encode/httpcore#1035), which starves the event loop.
MAX_IN_FLIGHT = 32
POOL = httpx.Limits(max_connections=100, max_keepalive_connections=20)
USER_AGENT = "telnyx-slack-bot"
# (operation, status, seconds) of each request: operation "GET /invoices/{id}", status "200" or why none
OnRequest = Callable[[str, str, float], None]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every gateway of the process (httpx would load the CA bundle per client)."""
    return httpx.create_ssl_context()


def phase_timeouts(seconds: float) -> httpx.Timeout:
    """httpx's per-phase timeouts for a request with `seconds` left; connecting gets at most MAX_CONNECT."""
    return httpx.Timeout(seconds, connect=min(seconds, MAX_CONNECT))


class TelnyxTransport:
    """The HTTP client, its connection pool, the shared-reads cache and the read retry budget."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        cache_ttl: float = 10.0,
        export_concurrency: int = 4,
        read_retries: int = 1,
    ) -> None:
        if not 0 < timeout <= MAX_TIMEOUT:
            raise ValueError(f"timeout must be more than 0 and at most {MAX_TIMEOUT} s")
        if export_concurrency < 1 or read_retries < 0:
            raise ValueError("export_concurrency must be 1 or more, read_retries 0 or more")
        self.timeout = timeout
        self.export_concurrency = export_concurrency
        self.read_retries = read_retries
        self.telnyx_request_count = 0  # HTTP requests handed to the transport, retries included
        # Reads started and not ended: waiting for a slot, on the wire, or pausing before their retry.
        self.reads_in_flight = 0
        # For the readiness check and the metrics: when Telnyx last answered (time.monotonic()), when and
        # why a request last failed (a 5xx, a rejected key, no answer), and who hears of every request.
        self.last_answer: float | None = None
        self.last_failure: tuple[float, str] | None = None
        self.on_request: OnRequest | None = None
        self.cache = TTLCache(cache_ttl)
        self.flights = TTLCache(0)  # identical reads in flight at the same moment share one request
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._base_url = base_url.rstrip("/")
        self._headers = {
            # httpx shows this header as [secure] in any repr; nothing here logs headers.
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        self._http: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def _client(self) -> httpx.AsyncClient:
        """The pooled client, made for the first request: its TLS context (loading the CA bundle takes
        40 ms) is then no part of the bot's start-up."""
        if self._http is None:
            if self._closed:
                raise RuntimeError("the Telnyx gateway is closed")
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                headers=self._headers,
                timeout=phase_timeouts(self.timeout),
                limits=POOL,
                follow_redirects=False,
                verify=tls_context(),
                event_hooks={"request": [self._counted]},
            )
        return self._http

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Build the gateway from validated settings."""
        if settings.telnyx_api_key is None:
            raise ConfigError(["TELNYX_API_KEY is missing: set it to a Telnyx v2 API key (KEY...)."])
        return cls(
            settings.telnyx_api_key.get_secret_value(),
            settings.telnyx_base_url,
            timeout=settings.telnyx_timeout,
            cache_ttl=settings.cache_ttl_seconds,
            export_concurrency=settings.export_concurrency,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url + '/'!r})"  # never the key

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        self._closed = True
        if self._http is not None:
            await self._http.aclose()

    async def _counted(self, request: httpx.Request) -> None:
        self.telnyx_request_count += 1

    async def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Send one request (never retried here) and note how it went; every request goes through here."""
        started = time.monotonic()
        status = "cancelled"  # the caller stopped waiting: its deadline, or a shutdown
        try:
            response = await self._client.request(method, path, **options)
            status = str(response.status_code)
            return response
        except httpx.TimeoutException:
            status = "timeout"
            raise
        except REQUEST_FAILURES:
            status = "network_error"
            raise
        except Exception:
            status = "error"
            raise
        finally:
            self._noted(f"{method} {route(path)}", status, started)

    def _noted(self, operation: str, status: str, started: float) -> None:
        now = time.monotonic()
        problem = failure_reason(status)
        if problem is not None:
            self.last_failure = (now, problem)
        elif status != "cancelled":
            self.last_answer = now
        if self.on_request is not None:
            self.on_request(operation, status, now - started)

    async def probe(self, timeout: float) -> str | None:
        """One `GET /balance` within `timeout` s, not cached, not retried: None when Telnyx answered it
        (a 2xx), else why not, in a few words."""
        try:
            async with asyncio.timeout(timeout):
                response = await self._request("GET", "/balance", timeout=phase_timeouts(timeout))
        except (TimeoutError, httpx.TimeoutException):
            return f"no answer within {timeout:g} s"
        except REQUEST_FAILURES as exc:
            return f"no connection ({type(exc).__name__})"
        if response.is_success:
            return None
        return failure_reason(str(response.status_code)) or f"HTTP {response.status_code}"

    async def invalidate(self, *keys: str) -> None:
        """Drop cached answers: "balance", "auto_recharge", "invoices", "tags"; no argument drops all."""
        self.cache.invalidate(*keys)

    async def _read(
        self,
        what: str,
        path: str,
        build: Callable[[Any], T],
        *,
        params: Params | None = None,
        share: tuple[Hashable, ...] | None = None,
    ) -> T:
        """GET within the time budget, retried once on a quick 5xx, short 429 or failed connection.

        `build` gets the decoded JSON of a 2xx. With `share` (the query, hashable), concurrent identical
        reads make one request between them; without it, cancelling the read cancels its request.
        """
        if share is not None:
            fresh = await self.flights.get(
                (what, *share), lambda: self._read(what, path, build, params=params)
            )
            return fresh.value
        self.reads_in_flight += 1
        try:
            async with self._slots:  # the budget starts when the request can really be sent
                return await self._read_now(what, path, build, params)
        finally:
            self.reads_in_flight -= 1

    async def _read_now(self, what: str, path: str, build: Callable[[Any], T], params: Params | None) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        for attempt in range(self.read_retries + 1):
            failure: Failure
            try:
                response = await self._request(
                    "GET",
                    path,
                    params=tuple(params or ()),
                    timeout=phase_timeouts(deadline - loop.time()),
                )
            except REQUEST_FAILURES as exc:
                failure = exc
            else:
                if response.is_success:
                    return self._build(what, build, response.content)
                failure = response
            delay = retry_delay(failure, attempt, self.read_retries, deadline - loop.time())
            if delay is None:
                raise map_error(failure, what) from None
            logger.info("Telnyx %s: %s, retrying in %.2f s", what, _named(failure), delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _build(what: str, build: Callable[[Any], T], body: bytes) -> T:
        try:
            return build(load_json(body))
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            logger.error(
                "Telnyx %s: the answer does not have the documented shape: %s", what, shape_error(exc)
            )
            raise unreadable(what) from None


def shape_error(exc: Exception) -> str:
    """Where an answer broke its documented shape, for the log: field paths and error kinds, never values."""
    if isinstance(exc, ValidationError):
        found = exc.errors(include_url=False, include_context=False, include_input=False)
        return "; ".join(f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['type']}" for e in found)
    return type(exc).__name__


def route(path: str) -> str:
    """A request path with its ids (any segment holding a digit) as `{id}`: a bounded metrics label."""
    return "/".join(
        "{id}" if any(c.isdigit() for c in part) else part for part in path.split("?")[0].split("/")
    )


def failure_reason(status: str) -> str | None:
    """Why a request's status means Telnyx cannot serve the bot now, or None when it answered as a working
    Telnyx does (any 2xx, 3xx or 4xx but a rejected key; a 429 too: it is there, only busy)."""
    if status == "timeout":
        return "no answer in time"
    if status == "network_error":
        return "no connection"
    if status == "error":
        return "the request failed"
    if not status.isdigit():
        return None
    code = int(status)
    if code in (401, 403):
        return f"HTTP {code}: the API key was refused"
    if code >= 500:
        return f"HTTP {code}"
    return None


def _named(failure: Failure) -> str:
    return f"HTTP {failure.status_code}" if isinstance(failure, httpx.Response) else type(failure).__name__
