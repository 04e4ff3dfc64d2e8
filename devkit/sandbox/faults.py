"""Fault knobs by path prefix: added latency, error answers (429 with Retry-After, 5xx), hangs."""

from __future__ import annotations

import asyncio
import difflib
import random
from dataclasses import dataclass
from typing import Any

from devkit.sandbox.config import Fault
from devkit.sandbox.errors import ApiError
from devkit.sandbox.spec import served_paths


def can_match(prefix: str, template: str) -> bool:
    """True when some request path of `template` (/v2/invoices/{id}) starts with `prefix`."""
    wanted, parts = prefix.split("/"), template.split("/")
    if len(wanted) > len(parts):
        return False
    for index, (have, part) in enumerate(zip(wanted, parts, strict=False)):
        last = index == len(wanted) - 1
        if part.startswith("{"):  # a path parameter: any non-empty segment
            if not last and not have:
                return False
        elif not (part.startswith(have) if last else part == have):
            return False
    return True


def fault_path_problem(prefix: str) -> str | None:
    """Why no request could ever match the fault path `prefix`, with the right form; None when one can."""
    paths = served_paths()
    if any(can_match(prefix, template) for template in paths):
        return None
    under_v2 = "/v2/" + prefix.lstrip("/")  # the usual slip: the path without the API's /v2
    if any(can_match(under_v2, template) for template in paths):
        guess = [under_v2]
    else:
        guess = difflib.get_close_matches(prefix, paths, n=1, cutoff=0.6)
    did_you_mean = f"; did you mean `{guess[0]}`?" if guess else "."
    return (
        f"`{prefix}` is not a path of the Telnyx API{did_you_mean} A fault applies to the requests whose "
        f"path starts with it: one of {', '.join(paths)}, the start of one, or /v2/ for all of them."
    )


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None


class Faults:
    """The active faults; the longest matching prefix wins. `times` counts the requests a fault affects."""

    def __init__(self, seed: int = 0) -> None:
        self._entries: dict[str, _Entry] = {}
        self._rng = random.Random(f"{seed}:jitter")
        self.closing = asyncio.Event()  # set at shutdown so hung requests end

    def set(self, prefix: str, fault: Fault) -> None:
        """Apply `fault` to every path that starts with `prefix` ("/v2/" for the whole API)."""
        problem = fault_path_problem(prefix)
        if problem is not None:
            raise ValueError(problem)
        self._entries[prefix] = _Entry(fault, fault.times)

    def clear(self, prefix: str | None = None) -> None:
        """Remove one fault, or all of them."""
        if prefix is None:
            self._entries.clear()
        else:
            self._entries.pop(prefix, None)

    def describe(self) -> list[dict[str, Any]]:
        """The active faults, as the admin endpoint lists them."""
        return [
            {
                "path": prefix,
                "latency": e.fault.latency,
                "jitter": e.fault.jitter,
                "status": e.fault.status,
                "retry_after": e.fault.retry_after,
                "hang": e.fault.hang,
                "remaining": e.remaining,
            }
            for prefix, e in sorted(self._entries.items())
        ]

    def _take(self, path: str) -> Fault | None:
        matches = [prefix for prefix in self._entries if path.startswith(prefix)]
        if not matches:
            return None
        prefix = max(matches, key=len)
        entry = self._entries[prefix]
        if entry.remaining is not None:
            entry.remaining -= 1
            if entry.remaining <= 0:
                del self._entries[prefix]
        return entry.fault

    async def apply(self, path: str) -> None:
        """Delay, fail (raise ApiError) or hang the request to `path`, as its fault says."""
        fault = self._take(path)
        if fault is None:
            return
        delay = fault.latency + (self._rng.uniform(0, fault.jitter) if fault.jitter else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if fault.hang:
            # Held until the client gives up (aiohttp cancels the handler) or the sandbox stops.
            await self.closing.wait()
            raise ApiError(503, "The sandbox is shutting down.")
        if fault.status is not None:
            retry_after = (
                fault.retry_after if fault.retry_after is not None else (1 if fault.status == 429 else None)
            )
            headers = {"Retry-After": _seconds(retry_after)} if retry_after is not None else {}
            raise ApiError(fault.status, headers=headers)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
