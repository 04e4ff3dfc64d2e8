"""The bench's small helpers: percentiles, this process's memory and CPU from /proc, the kernel counter."""

from __future__ import annotations

import os
import sys

import pytest

from bench.common import listen_overflows, mb, own_cpu_seconds, percentile, reset_peak, rss_kb

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # unsorted input
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_mb_rounds_kilobytes() -> None:
    assert mb(2048) == 2.0
    assert mb(1536) == 1.5
    assert mb(None) is None


@linux_only
def test_rss_and_its_peak_reset() -> None:
    before = rss_kb(os.getpid())
    assert before is not None and 0 < before[0] <= before[1]
    ballast = bytearray(64 * 1024 * 1024)  # 64 MB touched: the peak must see it
    ballast[::4096] = b"x" * len(ballast[::4096])
    grown = rss_kb(os.getpid())
    assert grown is not None and grown[1] >= before[0] + 60 * 1024
    del ballast
    assert reset_peak(os.getpid())
    after = rss_kb(os.getpid())
    assert after is not None and after[1] < grown[1] - 32 * 1024  # the old peak is gone
    assert rss_kb(2**22 + 12345) is None  # no such process


@linux_only
def test_cpu_and_kernel_counters_read() -> None:
    spent = own_cpu_seconds()
    sum(i * i for i in range(200_000))
    assert own_cpu_seconds() > spent
    overflows = listen_overflows()
    assert overflows is None or overflows >= 0
