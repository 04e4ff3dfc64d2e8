"""iter_detail_records: every record once, in order, pages fetched concurrently within the bound,
and never far ahead of the consumer."""

from __future__ import annotations

import asyncio
import math
import time
from contextlib import aclosing

import pytest

from bot.errors import TelnyxUnavailable
from bot.telnyx_client import TelnyxGateway
from devkit.sandbox import Fault, Sandbox

from .conftest import KEY, eventually

LATENCY = 0.05


def arrivals(sb: Sandbox) -> list[float]:
    return sorted(r.at for r in sb.requests if r.path == "/v2/detail_records")


async def test_every_record_once_in_the_order_telnyx_pages_them(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    sequential = []
    for number in range(1, 100):
        page = await gateway.detail_records("messaging", page=number, size=50)
        sequential += [r.id for r in page.records]
        if number >= page.page.total_pages:
            break
    sandbox.requests.clear()
    progress: list[tuple[int, int]] = []
    exported = [
        r.id
        async for r in gateway.iter_detail_records("messaging", on_page=lambda n, t: progress.append((n, t)))
    ]
    assert exported == sequential
    assert sorted(exported) == sorted(sandbox.state.record_ids("message_detail_record"))
    pages = math.ceil(len(exported) / 50)
    assert progress == [(n, pages) for n in range(1, pages + 1)]
    assert sandbox.request_count("/v2/detail_records") == pages


@pytest.mark.parametrize("bound", [1, 3])
async def test_at_most_bound_pages_are_in_flight(sandbox: Sandbox, bound: int) -> None:
    sandbox.set_fault("/v2/detail_records", Fault(latency=LATENCY))
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=2, export_concurrency=bound) as gw:
        started = time.monotonic()
        count = sum([1 async for _ in gw.iter_detail_records("messaging", size=40)])
        elapsed = time.monotonic() - started
    pages = math.ceil(count / 40)
    times = arrivals(sandbox)
    assert len(times) == pages == 8
    # Each request is held LATENCY seconds and page n+bound is only asked for once page n is in, so more
    # than `bound` arrivals within less than LATENCY would mean more than `bound` pages in flight.
    overlapping = max(sum(1 for u in times if t <= u < t + LATENCY * 0.8) for t in times)
    assert overlapping == bound
    waves = 1 + math.ceil((pages - 1) / bound)  # page 1 alone, then `bound` at a time
    assert elapsed >= waves * LATENCY


async def test_fetching_never_runs_far_ahead_of_a_slow_consumer(sandbox: Sandbox) -> None:
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=2, export_concurrency=4) as gw:
        handed_out = 0

        async def on_page(number: int, total: int) -> None:
            nonlocal handed_out
            handed_out = number
            # the page being handed out plus at most `bound` more requested: memory holds a few pages
            assert sandbox.request_count("/v2/detail_records") <= number + 4

        taken = 0
        async with aclosing(gw.iter_detail_records("messaging", size=10, on_page=on_page)) as records:
            async for _ in records:
                taken += 1
                if taken == 56:
                    break
    assert handed_out == 6
    assert sandbox.request_count("/v2/detail_records") <= 6 + 4


async def test_filters_apply_to_every_page(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    records = [
        r async for r in gateway.iter_detail_records("call-control", filters={"direction": "inbound"}, size=5)
    ]
    expected = [
        r["id"]
        for r in sandbox.state.detail_records
        if r["record_type"] == "call_control_detail_record" and r["direction"] == "inbound"
    ]
    assert sorted(r.id for r in records) == sorted(expected) and len(expected) > 5
    assert all(r.direction == "inbound" for r in records)
    assert {dict(q.query)["filter[direction]"] for q in sandbox.requests} == {"inbound"}


async def test_a_failing_page_stops_the_export_with_a_project_error(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    def break_telnyx(number: int, total: int) -> None:
        if number == 2:
            sandbox.set_fault("/v2/detail_records", Fault(status=500))

    seen = 0
    with pytest.raises(TelnyxUnavailable):
        async for _ in gateway.iter_detail_records("messaging", size=20, on_page=break_telnyx):
            seen += 1
    assert 40 <= seen < 320
    # Nothing left running after the error: the pages still loading were cancelled with their requests
    # (and the retries they would have sent), so no request of this export can reach Telnyx any more.
    assert gateway.reads_in_flight == 0


async def test_cancelling_an_export_ends_every_request_it_started(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    def hang_the_rest(number: int, total: int) -> None:
        sandbox.set_fault("/v2/detail_records", Fault(hang=True))

    async def export() -> None:
        records = gateway.iter_detail_records("messaging", size=10, on_page=hang_the_rest)
        async with aclosing(records):
            async for _ in records:
                pass

    exporting = asyncio.create_task(export())
    await eventually(lambda: sandbox.request_count("/v2/detail_records") == 5)  # pages 2-5: no answer
    assert gateway.reads_in_flight == 4
    exporting.cancel()  # e.g. the person who asked for the export gave up
    with pytest.raises(asyncio.CancelledError):
        await exporting
    assert gateway.reads_in_flight == 0
