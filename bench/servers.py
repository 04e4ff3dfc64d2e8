"""Start `python -m bench.serve bot|baseline` as a child process, time it to ready, read its memory, stop it.

Start-up time is measured from spawn to the first `GET /healthz` answering 200. The child gets a clean
environment (no proxy variables, no real credentials: only what the bench sets) and writes its log to a
file next to its database, so a full pipe can never stall it; the log's tail is shown when it fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.common import cpu_seconds, reset_peak, rss_kb

ROOT = Path(__file__).resolve().parent.parent  # the checkout: `bench` is not an installed package
READY_TIMEOUT = 60.0  # seconds: a cold import of the SDKs on a loaded 2-core machine
STOP_TIMEOUT = 30.0  # the bot drains in-flight listeners for up to 25 s on SIGTERM


class ServerFailed(RuntimeError):
    """The child exited or never became ready; the message carries its log's tail (no secrets in it)."""


@dataclass
class Server:
    """A running child: its pid, URL, start-up time and log."""

    kind: str
    pid: int
    url: str
    startup_seconds: float
    log_path: Path
    process: asyncio.subprocess.Process

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def rss_kb(self) -> int | None:
        """Resident memory now, kB."""
        found = rss_kb(self.pid)
        return found[0] if found else None

    def peak_kb(self) -> int | None:
        """Peak resident memory since start or since the last reset_peak(), kB."""
        found = rss_kb(self.pid)
        return found[1] if found else None

    def reset_peak(self) -> bool:
        """Start a new peak from the current RSS."""
        return reset_peak(self.pid)

    def cpu_seconds(self) -> float | None:
        """CPU the child has used so far."""
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the child's log, for a failure message."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """Only what a Python child needs, plus the bench's settings: nothing inherited could point elsewhere."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(settings)
    return env


async def _wait_healthy(url: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass  # not accepting yet: try again shortly
            if time.monotonic() > deadline:
                raise TimeoutError
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running_server(
    kind: str, settings: dict[str, str], workdir: Path, *, profile: Path | None = None
) -> AsyncIterator[Server]:
    """Spawn the child, wait for /healthz, yield it; SIGTERM it (then SIGKILL after STOP_TIMEOUT) on exit.

    With `profile`, the child runs under cProfile and writes its stats there when it stops.
    """
    log_path = workdir / f"{kind}.log"
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *profiler,
            "-m",
            "bench.serve",
            kind,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            env=child_env(settings),
            cwd=workdir,
        )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT
        try:
            line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT)
            if not line:
                await process.wait()  # it exited: say so with its exit code
            url = line.decode().strip()
            if not url.startswith("http://127.0.0.1:"):
                raise TimeoutError
            await _wait_healthy(url, deadline)
        except TimeoutError:
            tail = Server(kind, process.pid, "", 0.0, log_path, process).log_tail()
            raise ServerFailed(f"{kind} did not become ready (exit {process.returncode}):\n{tail}") from None
        server = Server(kind, process.pid, url, time.perf_counter() - started, log_path, process)
        yield server
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
