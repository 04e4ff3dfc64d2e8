"""The fake's call log: every request recorded, waited on without polling, and faults to inject."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from devkit.slackfake.records import Call


@dataclass(frozen=True)
class Fault:
    """An answer forced by `fail_next`: the error, its HTTP status and an optional Retry-After."""

    error: str
    status: int
    retry_after: float | None


class CallLog:
    """Recorded calls (`calls`), `wait_for`, `assert_no_errors` and `fail_next`; FakeSlack builds on it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []  # e.g. the console printing each call
        self._faults: dict[str, list[Fault]] = {}
        self._changed = asyncio.Condition()

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with `error` (429 + Retry-After for ratelimited).

        `method` is a Web API method name, or "response_url" for posts to response URLs.
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200
        if retry_after is None and status == 429:
            retry_after = 1
        self._faults.setdefault(method, []).extend(Fault(error, status, retry_after) for _ in range(times))

    def take_fault(self, method: str) -> Fault | None:
        """The next injected fault for `method`, used up; None when there is none."""
        faults = self._faults.get(method)
        return faults.pop(0) if faults else None

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 -- the agreed test API; asyncio.timeout is used inside
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `predicate`) arrived; return them all.

        Raises AssertionError naming the last calls seen when they do not arrive within `timeout` seconds.
        """

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = ", ".join(c.describe() for c in self.calls[-10:]) or "nothing"
            raise AssertionError(
                f"expected {count} {method} call(s) within {timeout}s, got {len(matching())}; last calls: {seen}"
            ) from None
        return matching()

    def assert_no_errors(self) -> None:
        """Raise AssertionError listing every call Slack refused (injected faults excepted)."""
        failed = [c for c in self.calls if not c.ok and not c.injected]
        if failed:
            raise AssertionError(
                "Slack refused: " + " | ".join(f"{c.describe()} args={c.args}" for c in failed)
            )

    async def record(self, call: Call) -> Call:
        """Append `call`, tell the listeners, and wake every `wait_for`."""
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        async with self._changed:
            self._changed.notify_all()
        return call
