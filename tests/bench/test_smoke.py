"""The whole benchmark, end to end but small (20 commands, a flood of 40, 10 ms latency, 400 and 800 records).

The figures must be there and make sense; the thresholds are the full run's business (`make bench`).
One run serves every test here: it starts three processes (baseline, bot, bot + export probe).
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.__main__ import Options, run_all, tables_and_notes, write_results
from bench.report import print_tables

# one worker runs the whole module under pytest-xdist: its module-scoped fixture is started once
pytestmark = pytest.mark.xdist_group(__name__)

N = 20
FLOOD = 40
SIZES = (400, 800)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    options = Options(
        n=N, flood=FLOOD, latency=0.01, jitter=0.0, export_sizes=SIZES, sandbox_requests=300, starts=1
    )
    return asyncio.run(run_all(options))


def test_both_servers_ack_and_reply_to_every_command(results: dict[str, Any]) -> None:
    slack = results["slack"]
    for kind in ("baseline", "bot"):
        server = slack[kind]
        assert server["startup_s"] > 0 and server["first_ack_ms"] > 0
        # the bursts' start and one more (starts=1): the figure is their median
        samples = server["startup_samples_s"]
        assert len(samples) == 2 and server["startup_s"] == round(statistics.median(samples), 3)
        assert 0 < server["idle_rss_mb"] <= server["peak_rss_mb"]
        for name in ("balance", "mix"):
            burst = server["bursts"][name]
            assert burst["commands"] == N and burst["ack_statuses"] == {"200": N}, (kind, name, burst)
            assert (
                0 < burst["ack_p50_ms"] <= burst["ack_p95_ms"] <= burst["ack_p99_ms"] <= burst["ack_max_ms"]
            )
            assert burst["acks_over_3s"] == 0 or burst["ack_max_ms"] > 3000
            assert burst["replies"] == N and 0 < burst["last_reply_s"] <= burst["burst_wall_s"]
            assert 0 <= burst["replies_answered"] <= burst["replies"]
        flood = server["flood"]
        assert flood["commands"] == FLOOD and flood["ack_statuses"] == {"200": FLOOD}, (kind, flood)
        assert flood["replies"] == FLOOD and isinstance(flood["listen_queue_overflows"], int)
    assert slack["flood"] == FLOOD
    baseline = slack["baseline"]["bursts"]
    assert all(b["telnyx_requests"] == 0 and b["replies_answered"] == N for b in baseline.values())
    # whatever the bot answered, the sandbox counted what it asked, by path
    for burst in slack["bot"]["bursts"].values():
        assert sum(burst["telnyx_requests_by_path"].values()) == burst["telnyx_requests"]


def test_every_export_is_complete_ordered_and_measured(results: dict[str, Any]) -> None:
    runs = results["export"]["runs"]
    assert [r["records"] for r in runs] == list(SIZES)
    for run in runs:
        assert run["file"] == {
            "rows": run["records"],
            "distinct_ids": run["records"],
            "newest_first": True,
            "complete": True,
        }, run
        assert run["telnyx_requests"] == run["pages"] == run["records"] // 50
        assert 0 < run["pages_fetched_s"] <= run["done_s"]
        assert run["final_message"].startswith("Export of")
        assert run["peak_rss_mb"] >= run["rss_before_mb"] > 0
        assert run["probe"]["rows"] == run["records"] and run["probe"]["peak_kb"] > 0
        assert run["probe"]["file_kb"] == run["file_kb"]  # the probe writes the same CSV as the bot


def test_criteria_results_and_tables(results: dict[str, Any], tmp_path: Path) -> None:
    names = [c["name"] for c in results["criteria"]]
    assert len(names) == 16 and all(isinstance(c["passed"], bool) for c in results["criteria"])
    assert {
        "bot start-up to ready within 2.5x baseline",
        "bot idle RSS within 2x baseline",
        f"{FLOOD}-command burst: 0 listen-queue overflows and 0 acks over 3 s",
    } <= set(names)
    assert results["passed"] == all(c["passed"] for c in results["criteria"])
    assert results["sandbox"]["statuses"] == {200: 300}

    write_results(results, tmp_path, 'make bench ARGS="--n 20"')
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["command"] == 'make bench ARGS="--n 20"' and saved["criteria"] == results["criteria"]
    table = (tmp_path / "latest.md").read_text()
    assert (
        'make bench ARGS="--n 20"' in table and "| ack p99 (ms) |" in table and "What it must show" in table
    )

    out = io.StringIO()
    tables, notes = tables_and_notes({"command": "make bench", **results})
    print_tables(tables, notes, Console(file=out, width=200))
    printed = out.getvalue()
    assert "simultaneous `/telnyx balance`" in printed
    assert "bot/baseline" in printed and ("PASS" in printed or "FAIL" in printed)
