"""The usage CSV export, clicked through the app, for each size (default 2,000 and 10,000 records).

One bot process serves every size: for each, a fresh sandbox holding exactly that many messaging records
in the period takes the place of the last one on the same port. A user types `/telnyx usage messaging
last-92-days`, then clicks "Export CSV" on the answer. Time = click to the bot's final "Export ... done"
edit of its progress message; "pages fetched" = click to files.getUploadURLExternal (every page fetched
and written). Memory = the bot's peak RSS during the export minus its RSS just before (peak reset first),
upload included. The uploaded CSV is checked: one row per record, no id twice, newest first.

The streaming part alone (pages in, rows out, no upload) is also measured with tracemalloc in its own
process (bench.export_probe), with the sandbox's latency off: its peak is Python's allocations only, so
it shows whether the pipeline holds rows, whatever the allocator does with RSS.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import CHANNEL, SECRET, TOKEN, mb
from bench.servers import Server, child_env, running_server
from bench.world import World, sandbox_config
from bot import ids
from bot.periods import parse_period
from devkit.sandbox import Fault, Sandbox
from devkit.sandbox.data.records import COUNTS
from devkit.slackfake import AppResponse, Call, FakeSlack, Message, SlackRequests
from devkit.slackfake.payloads import find_element
from handlers.usage import nav_value

RECORD_TYPE = "messaging"
PERIOD = "last-92-days"  # the sandbox's records span the last 90 days
PAGE_SIZE = 50  # what handlers.exports asks for
USER = "U0EXPORTER"


@dataclass
class Marks:
    """When the export reached each step, from the fake Slack's point of view (perf_counter seconds)."""

    fetched: float | None = None
    uploaded: float | None = None
    done: float | None = None
    final_text: str = ""
    progress_edits: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, call: Call) -> None:
        now = time.perf_counter()
        if call.method == "files.getUploadURLExternal" and self.fetched is None:
            self.fetched = now
        elif call.method == "files.completeUploadExternal":
            self.uploaded = now
        elif call.method == "chat.update":
            text = str(call.args.get("text", ""))
            if text.startswith("Exporting"):
                self.progress_edits += 1
            elif not self.finished.is_set():
                self.done, self.final_text = now, text
                self.finished.set()


def check_csv(content: bytes, expected: int) -> dict[str, Any]:
    """Rows, distinct ids and order (newest first by created_at) of the uploaded file."""
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    header = next(reader, [])
    rows = list(reader)
    if "id" not in header or "created_at" not in header:
        return {"rows": len(rows), "distinct_ids": 0, "newest_first": False, "complete": False}
    ids_, times = [row[header.index("id")] for row in rows], [row[header.index("created_at")] for row in rows]
    distinct = len(set(ids_))
    return {
        "rows": len(rows),
        "distinct_ids": distinct,
        # one ISO 8601 form throughout (row_for writes datetime.isoformat()), so text order is time order
        "newest_first": all(a >= b for a, b in zip(times, times[1:], strict=False)),
        "complete": len(rows) == expected and distinct == expected,
    }


def export_button(slack: FakeSlack) -> Message | None:
    """The usage answer with the Export CSV button, as the user sees it; None when the answer has none."""
    for message in reversed(slack.messages(CHANNEL, USER)):
        try:
            find_element(message, ids.ACTION_USAGE_EXPORT)
        except LookupError:
            continue
        return message
    return None


async def click_export(requests: SlackRequests, message: Message | None) -> AppResponse:
    """Click Export CSV on the answer; without one, send the click the button would have sent."""
    if message is not None:
        return await requests.click(message, ids.ACTION_USAGE_EXPORT, user=USER, channel=CHANNEL)
    period = parse_period([PERIOD], datetime.now(UTC).date())
    value = nav_value(RECORD_TYPE, period, {}, 1)
    return await requests.block_action(ids.ACTION_USAGE_EXPORT, value, user=USER, channel=CHANNEL)


class Probe:
    """The bench.export_probe worker: started with the bot (its imports overlap the bot's), asked per size."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.ready = False

    @classmethod
    async def start(cls, world: World) -> Probe:
        """Spawn the worker; it imports while the caller goes on."""
        with (world.workdir / "probe.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.export_probe",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=child_env(world.settings()),
                cwd=world.workdir,
            )
        return cls(process)

    async def _line(self) -> str:
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), 120)).decode().strip()
        if not line:
            raise RuntimeError(f"the export probe stopped (exit {await self.process.wait()}); see probe.log")
        return line

    async def measure(self, world: World) -> dict[str, Any]:
        """Export the period once with the sandbox's latency off (memory does not depend on it)."""
        assert self.process.stdin is not None
        if not self.ready:
            await self._line()  # "ready": imported
            self.ready = True
        end = datetime.now(UTC) + timedelta(days=1)
        ask = {
            "record_type": RECORD_TYPE,
            "start": (end - timedelta(days=93)).isoformat(),
            "end": end.isoformat(),
        }
        world.sandbox.clear_faults()
        try:
            self.process.stdin.write((json.dumps(ask) + "\n").encode())
            await self.process.stdin.drain()
            return json.loads(await self._line())
        finally:
            if world.latency or world.jitter:
                world.sandbox.set_fault("/v2/", Fault(latency=world.latency, jitter=world.jitter))

    async def stop(self) -> None:
        """End of input: the worker exits."""
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def export_once(
    world: World, server: Server, requests: SlackRequests, records: int, bound: int
) -> dict[str, Any]:
    """Type the usage command, click Export CSV, wait for the file; the figures for this size."""
    answered = len(world.slack.calls_to("response_url"))
    response = await requests.command("/telnyx", f"usage {RECORD_TYPE} {PERIOD}", user=USER, channel=CHANNEL)
    if response.status != 200:
        raise RuntimeError(f"the usage command got HTTP {response.status}")
    answer = (await world.slack.wait_for("response_url", count=answered + 1, timeout=60))[-1]
    message = export_button(world.slack)
    pages = math.ceil(records / PAGE_SIZE)
    ideal = pages / bound * world.latency
    marks = Marks()
    world.slack.listeners.append(marks)
    sandbox_before = world.telnyx_requests()
    server.reset_peak()
    rss_before = server.rss_kb()
    try:
        started = time.perf_counter()
        click = await click_export(requests, message)
        try:
            await asyncio.wait_for(marks.finished.wait(), 3 * ideal + 60)
        except TimeoutError:
            pass  # reported as not finished
    finally:
        world.slack.listeners.remove(marks)
    peak = server.peak_kb()
    uploaded = world.slack.files[-1] if world.slack.files and marks.uploaded else None

    def since(mark: float | None) -> float | None:
        return None if mark is None else round(mark - started, 3)

    return {
        "records": records,
        "pages": pages,
        "bound": bound,
        # "button": the click came from the usage answer; otherwise the answer failed (its text is kept)
        # and the bench sent the click that button carries
        "clicked": "button"
        if message is not None
        else "same click, built: " + str(answer.args.get("text"))[:100],
        "click_ack_ms": round(click.elapsed * 1000, 1),
        "pages_fetched_s": since(marks.fetched),
        "done_s": since(marks.done),
        "ideal_s": round(ideal, 3),
        "limit_s": round(1.3 * ideal, 3),
        "final_message": marks.final_text[:120],
        "progress_edits": marks.progress_edits,
        "telnyx_requests": world.telnyx_requests() - sandbox_before,
        "rss_before_mb": mb(rss_before),
        "peak_rss_mb": mb(peak),
        "peak_growth_mb": mb(peak - rss_before) if peak is not None and rss_before is not None else None,
        "file": check_csv(uploaded.content, records) if uploaded else None,
        "file_kb": round(len(uploaded.content) / 1024) if uploaded else None,
    }


async def run(
    workdir: Path,
    *,
    sizes: tuple[int, ...] = (2000, 10000),
    latency: float = 0.3,
    jitter: float = 0.05,
    bound: int = 4,
    with_probe: bool = True,
) -> dict[str, Any]:
    """Every size through one bot process; then the tracemalloc probe of the streaming part for each."""
    results: dict[str, Any] = {
        "record_type": RECORD_TYPE,
        "latency_s": latency,
        "jitter_s": jitter,
        "bound": bound,
    }
    runs: list[dict[str, Any]] = []
    async with FakeSlack(bot_token=TOKEN) as slack:
        slack.add_channel(CHANNEL, name="general")
        world = World(
            Sandbox(sandbox_config(latency, jitter, extra_records=extra_for(sizes[0]))),
            slack,
            workdir,
            latency,
            jitter,
        )
        await world.sandbox.start()
        probe: Probe | None = None
        try:
            port = world.sandbox.port or 0
            settings = world.settings(EXPORT_CONCURRENCY=str(bound))
            probe = await Probe.start(world) if with_probe else None
            async with running_server("bot", settings, workdir) as server:
                async with SlackRequests(server.events_url, SECRET, fake=slack) as requests:
                    for index, size in enumerate(sizes):
                        if index:  # the next size: a new sandbox where the bot expects Telnyx
                            await world.sandbox.stop()
                            world.sandbox = Sandbox(
                                sandbox_config(latency, jitter, extra_records=extra_for(size), port=port)
                            )
                            await world.sandbox.start()
                        figures = await export_once(world, server, requests, size, bound)
                        if probe is not None:
                            figures["probe"] = await probe.measure(world)
                        runs.append(figures)
        finally:
            if probe is not None:
                await probe.stop()
            await world.sandbox.stop()
    results["runs"] = runs
    return results


def extra_for(size: int) -> dict[str, int]:
    """Extra messaging records so the period holds exactly `size` of them."""
    if size < COUNTS[RECORD_TYPE]:
        raise ValueError(
            f"an export size is at least {COUNTS[RECORD_TYPE]} (the seeded {RECORD_TYPE} records)"
        )
    return {RECORD_TYPE: size - COUNTS[RECORD_TYPE]}
