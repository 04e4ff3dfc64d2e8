"""How fast the sandbox answers: N requests from C concurrent clients on loopback, no added latency.

    .venv/bin/python -m bench.sandbox_bench [--requests 5000] [--concurrency 50] [--own-process]

By default the sandbox runs in this process, as benchmarks of the bot start it (`async with Sandbox()`),
and shares the event loop with a deliberately light load generator; --own-process serves it from
`python -m devkit.sandbox` instead. Prints requests/second and the sandbox's CPU cost per request, and exits
non-zero under 1,000 req/s or on any answer other than 200. `run()` is what `make bench` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from devkit.sandbox import Sandbox, SandboxConfig

FLOOR = 1000.0  # requests per second
KEY = "KEYSANDBOXBENCH"


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def sandbox_url(in_process: bool) -> AsyncIterator[tuple[str, int]]:
    """(root URL, pid) of a running sandbox: in this process, or in a child process stopped with SIGINT."""
    if in_process:
        async with Sandbox(SandboxConfig(api_key=KEY)) as sb:
            yield sb.url, os.getpid()
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devkit.sandbox",
        "--port",
        "0",
        "--api-key",
        KEY,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        first = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
        yield first.rsplit(" ", 1)[1].strip().removesuffix("/v2"), child.pid
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()


class _Connection:
    """A bare HTTP/1.1 keep-alive client: light enough that the load generator is not what is measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    @classmethod
    async def open(cls, url: str, path: str) -> _Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {KEY}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode()
        return cls(reader, writer, request)

    async def get(self) -> tuple[int, bytes]:
        """One request on the open connection: (status, body)."""
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
        )
        return int(lines[0].split(" ")[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def run(
    requests: int = 5000, concurrency: int = 50, path: str = "/v2/balance", in_process: bool = True
) -> dict[str, Any]:
    """Send `requests` GETs of `path` over `concurrency` keep-alive connections; return the figures."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    async with sandbox_url(in_process) as (url, pid):
        connections = [await _Connection.open(url, path) for _ in range(concurrency)]
        remaining = iter(range(requests))

        async def client(connection: _Connection) -> None:
            # each client takes the next request number until none is left: a bounded loop
            for _ in remaining:
                start = time.perf_counter()
                status, body = await connection.get()
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1
                assert body.startswith(b'{"data"'), body[:200]

        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(client(c) for c in connections))
        elapsed, cpu_after = time.perf_counter() - started, cpu_seconds(pid)
        for connection in connections:
            await connection.close()
        async with aiohttp.ClientSession() as session, session.get(url + "/_sandbox/requests") as listing:
            received = (await listing.json())["data"]
    latencies.sort()
    rate = requests / elapsed
    # what one core of the sandbox could serve, whatever else competes for the CPU meanwhile
    # (in process, this counts the load generator's CPU too)
    cpu = (cpu_after - cpu_before) if cpu_before is not None and cpu_after is not None else None
    return {
        "path": path,
        "requests": requests,
        "concurrency": concurrency,
        "in_process": in_process,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(rate, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / requests, 3) if cpu else None,
        "server_capacity_per_core": round(requests / cpu, 1) if cpu else None,
        "statuses": statuses,
        "received": len(received),
        "invalid_requests": sum(1 for r in received if r["problems"]),
        "ok": statuses == {200: requests} and len(received) == requests and rate >= FLOOR,
    }


def main() -> int:
    """CLI: print the figure; exit 1 if under the floor or if any answer was not 200."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--path", default="/v2/balance")
    parser.add_argument("--own-process", action="store_true", help="serve from a child process")
    args = parser.parse_args()
    result = asyncio.run(run(args.requests, args.concurrency, args.path, not args.own_process))
    where = "in process" if result["in_process"] else "own process"
    cpu_of = "sandbox + load generator" if result["in_process"] else "sandbox"
    print(
        f"sandbox ({where}): {result['requests_per_second']:.0f} req/s, {result['requests']} x GET "
        f"{result['path']} from {result['concurrency']} concurrent clients, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, statuses {result['statuses']}; CPU ({cpu_of}) "
        f"{result['server_cpu_ms_per_request']} ms/request (~{result['server_capacity_per_core']} req/s per core); "
        f"floor {FLOOR:.0f} req/s: "
        f"{'ok' if result['ok'] else 'FAILED'}"
    )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
