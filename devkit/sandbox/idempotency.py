"""The `Idempotency-Key` header, as Telnyx documents it: a successful answer is replayed for 24 h.

The key is scoped to method + path (one organisation per sandbox). The same key with another body is
refused with a 422; a malformed key is a request problem. Only successful answers are kept, so a
request that failed (a fault, a 4xx) can be sent again under the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from devkit.sandbox.errors import ApiError

HEADER = "Idempotency-Key"
KEY = re.compile(r"[A-Za-z0-9_:-]{1,255}")
LIFETIME = 24 * 3600.0

Scope = tuple[str, str, str]  # (method, path, key)


@dataclass(frozen=True)
class Kept:
    """A successful answer, kept for replay."""

    fingerprint: str
    body: Any
    at: float


def fingerprint(body: Any) -> str:
    """The request body, canonical: the same JSON in another key order is the same request."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Replays:
    """Successful answers by (method, path, key); `clock` is replaceable so tests can pass 24 h."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._kept: dict[Scope, Kept] = {}
        self._locks: dict[Scope, asyncio.Lock] = {}

    def clear(self) -> None:
        """Forget every kept answer."""
        self._kept.clear()
        self._locks.clear()

    @asynccontextmanager
    async def held(self, scope: Scope) -> AsyncIterator[None]:
        """Serialize requests sharing a key, so a second one waits for the first and replays it."""
        async with self._locks.setdefault(scope, asyncio.Lock()):
            yield

    def replay(self, scope: Scope, body: Any) -> Any | None:
        """The kept answer for this key, None if there is none; ApiError 422 if the body differs."""
        kept = self._kept.get(scope)
        if kept is None:
            return None
        if self.clock() - kept.at >= LIFETIME:
            del self._kept[scope]
            return None
        if kept.fingerprint != fingerprint(body):
            raise ApiError(
                422,
                f"The {HEADER} was already used for a request with a different body.",
                title="Idempotency key reused",
            )
        return kept.body

    def keep(self, scope: Scope, body: Any, answer: Any) -> None:
        """Remember a successful answer for the next 24 h."""
        self._kept[scope] = Kept(fingerprint(body), answer, self.clock())
