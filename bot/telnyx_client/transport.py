"""The plumbing under the gateway: one `AsyncTelnyx` and its pool, the read budget, counting, the cache.

Reads get one time budget (`timeout`, at most 10 s) that includes their single retry; the SDK itself
never retries (max_retries=0), so nothing is ever sent twice behind our back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Self, TypeVar

import httpx
import telnyx
import telnyx.resources  # noqa: F401  (seconds of imports: paid at startup, not by the first Slack user)
from telnyx import AsyncTelnyx, DefaultAsyncHttpxClient

from bot import telnyx_parse as parse
from bot.cache import TTLCache
from bot.config import Settings
from bot.errors import ConfigError
from bot.telnyx_client.failures import map_error, retry_delay, unreadable

logger = logging.getLogger("bot.telnyx_client")

T = TypeVar("T")
MAX_TIMEOUT = 10.0
# Requests in flight at once. Below httpx's pool of 100: past it, httpcore re-scans every queued request on
# each connection change (O(queued x connections), encode/httpcore#1035), which starves the event loop.
MAX_IN_FLIGHT = 32


class TelnyxTransport:
    """The SDK client, its connection pool, the shared-reads cache and the read retry budget."""

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
        self.cache = TTLCache(cache_ttl)
        self.flights = TTLCache(0)  # identical reads in flight at the same moment share one request
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        # Redirects are not followed: on a 307 httpx would re-POST the payment to another URL.
        http_client = DefaultAsyncHttpxClient(
            follow_redirects=False, event_hooks={"request": [self._counted]}
        )
        # The SDK never retries on its own (max_retries=0): read retries are _read's, within the budget.
        self._client = AsyncTelnyx(
            api_key=api_key,
            # "" rather than None: None makes the SDK read TELNYX_CLIENT_ID/SECRET from the environment and
            # switch to OAuth, fetching tokens from api.telnyx.com whatever base_url says.
            client_id="",
            client_secret="",
            public_key="",
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=0,
            http_client=http_client,
        )
        self._payment_client = self._client.with_options(max_retries=0)  # explicit; shares the pool

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
        return f"{type(self).__name__}(base_url={str(self._client.base_url)!r})"  # never the key

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.close()

    async def _counted(self, request: httpx.Request) -> None:
        self.telnyx_request_count += 1

    async def invalidate(self, *keys: str) -> None:
        """Drop cached answers: "balance", "auto_recharge", "invoices", "tags"; no argument drops all."""
        self.cache.invalidate(*keys)

    async def _read(
        self,
        what: str,
        call: Callable[[httpx.Timeout], Awaitable[Any]],
        build: Callable[[Any], T],
        *,
        share: tuple[Any, ...] | None = None,
    ) -> T:
        """GET within the time budget, retried once on a quick 5xx, short 429 or failed connection.

        With `share` (the query, hashable), concurrent identical reads make one request between them.
        """
        if share is not None:
            fresh = await self.flights.get((what, *share), lambda: self._read(what, call, build))
            return fresh.value
        async with self._slots:  # the budget starts when the request can really be sent
            return await self._read_now(what, call, build)

    async def _read_now(
        self, what: str, call: Callable[[httpx.Timeout], Awaitable[Any]], build: Callable[[Any], T]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        for attempt in range(self.read_retries + 1):
            remaining = deadline - loop.time()
            try:
                raw = await call(httpx.Timeout(remaining, connect=min(remaining, 5.0)))
                return self._build(what, build, await raw.read())
            except telnyx.APIError as exc:
                delay = retry_delay(exc, attempt, self.read_retries, deadline - loop.time())
                if delay is None:
                    raise map_error(exc, what) from None
                logger.info("Telnyx %s: %s, retrying in %.2f s", what, type(exc).__name__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _build(what: str, build: Callable[[Any], T], body: bytes) -> T:
        try:
            return build(parse.load_json(body))
        except (ValueError, KeyError, TypeError):
            logger.exception("Telnyx %s: the answer does not have the documented shape", what)
            raise unreadable(what) from None
