"""The benchmark's tables, built once as plain rows, then printed with rich and written as Markdown.

The Markdown (bench/results/latest.md) is what the README shows, with the command that reproduces it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from bench.criteria import Criterion


@dataclass
class Table:
    """A titled table of strings."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]]


def fmt(value: Any, digits: int = 1) -> str:
    """A figure for a table cell: n/a for missing, thousands separators, fixed decimals for floats."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(bot: Any, base: Any) -> str:
    """bot / baseline as "1.23x"; n/a when either is missing or the baseline is 0."""
    if not isinstance(bot, int | float) or not isinstance(base, int | float) or not base:
        return "n/a"
    return f"{bot / base:.2f}x"


BURST_ROWS = (
    ("acks over 3 s", "acks_over_3s"),
    ("ack p50 (ms)", "ack_p50_ms"),
    ("ack p95 (ms)", "ack_p95_ms"),
    ("ack p99 (ms)", "ack_p99_ms"),
    ("ack max (ms)", "ack_max_ms"),
    ("replies completed", "replies"),
    ("  of which the answer asked for (not an error)", "replies_answered"),
    ("time until the last reply (s)", "last_reply_s"),
    ("Telnyx requests made", "telnyx_requests"),
    ("server CPU during the burst (s)", "server_cpu_s"),
    ("bench process CPU (sandbox, fake Slack, load) (s)", "bench_process_cpu_s"),
    ("kernel listen-queue overflows (dropped connects)", "listen_queue_overflows"),
)


def slack_tables(slack: dict[str, Any]) -> list[Table]:
    """One table per burst (bot, baseline, ratio), then the servers' start-up and memory."""
    tables = []
    base, bot = slack["baseline"], slack["bot"]
    for name, label in (
        ("balance", "`/telnyx balance`"),
        ("mix", "mixed: balance, invoices, webhooks, usage"),
    ):
        b, o = base["bursts"][name], bot["bursts"][name]
        rows = [[label_, fmt(o[key]), fmt(b[key]), ratio(o[key], b[key])] for label_, key in BURST_ROWS]
        rows.append(["Telnyx requests by path", _paths(o["telnyx_requests_by_path"]), "-", ""])
        title = (
            f"{slack['n']} concurrent {label} (sandbox latency {slack['latency_s'] * 1000:.0f} ms "
            f"+ up to {slack['jitter_s'] * 1000:.0f} ms jitter)"
        )
        tables.append(Table(title, ["", "bot", "baseline", "bot/baseline"], rows))
    flood = flood_table(slack)
    if flood is not None:
        tables.append(flood)
    rows = []
    for label_, key in (
        ("start-up to ready (s)", "startup_s"),
        ("idle RSS (MB)", "idle_rss_mb"),
        ("peak RSS, both bursts (MB)", "peak_rss_mb"),
        ("first ack after start (ms)", "first_ack_ms"),
    ):
        rows.append([label_, fmt(bot[key], 2), fmt(base[key], 2), ratio(bot[key], base[key])])
    tables.append(Table("Servers (each in its own process)", ["", "bot", "baseline", "bot/baseline"], rows))
    return tables


FLOOD_ROWS = (
    ("kernel listen-queue overflows (dropped connects)", "listen_queue_overflows"),
    ("acks over 3 s", "acks_over_3s"),
    ("ack p50 (ms)", "ack_p50_ms"),
    ("ack p99 (ms)", "ack_p99_ms"),
    ("ack max (ms)", "ack_max_ms"),
    ("replies completed", "replies"),
    ("time until the last reply (s)", "last_reply_s"),
    ("server CPU during the burst (s)", "server_cpu_s"),
)


def flood_table(slack: dict[str, Any]) -> Table | None:
    """The flood of simultaneous connections, bot against baseline (aiohttp's default listen backlog)."""
    bot, base = slack["bot"].get("flood"), slack["baseline"].get("flood")
    if bot is None or base is None:
        return None
    rows = [[label, fmt(bot[key]), fmt(base[key]), ratio(bot[key], base[key])] for label, key in FLOOD_ROWS]
    title = (
        f"{bot['commands']:,} simultaneous `/telnyx balance`, one connection each: the listen queue "
        "(bot: backlog 2048; baseline: aiohttp's default, 128)"
    )
    return Table(title, ["", "bot", "baseline", "bot/baseline"], rows)


def _paths(counts: dict[str, int]) -> str:
    return ", ".join(f"{path.removeprefix('/v2/')} {count}" for path, count in counts.items()) or "none"


def export_table(export: dict[str, Any]) -> Table:
    """One row per export size."""
    rows = []
    for run in export["runs"]:
        probe = run.get("probe") or {}
        file = run.get("file") or {}
        rows.append(
            [
                fmt(run["records"]),
                fmt(run["pages"]),
                fmt(run["done_s"], 2),
                fmt(run["limit_s"], 2),
                fmt(run["pages_fetched_s"], 2),
                fmt(run["telnyx_requests"]),
                fmt(run["peak_growth_mb"]),
                fmt(probe.get("peak_kb")),
                fmt(run.get("file_kb")),
                "yes" if file.get("complete") and file.get("newest_first") else "NO",
            ]
        )
    title = (
        f"CSV export clicked through the bot, {export['bound']} pages at a time (latency "
        f"{export['latency_s'] * 1000:.0f} ms + up to {export['jitter_s'] * 1000:.0f} ms)"
    )
    headers = [
        "records",
        "pages",
        "done s",
        "limit s",
        "fetched s",
        "Telnyx req",
        "bot RSS +MB",
        "stream peak KB",
        "CSV KB",
        "complete",
    ]
    return Table(title, headers, rows)


def sandbox_table(sandbox: dict[str, Any]) -> Table:
    """The sandbox's own throughput, so a reader can see it is not the bottleneck."""
    row = [
        fmt(sandbox["requests_per_second"], 0),
        f"{sandbox['requests']:,} x GET {sandbox['path']}",
        fmt(sandbox["concurrency"]),
        fmt(sandbox["p50_ms"], 2),
        fmt(sandbox["p99_ms"], 2),
        fmt(sandbox["server_cpu_ms_per_request"], 3),
    ]
    headers = ["req/s", "requests", "clients", "p50 (ms)", "p99 (ms)", "CPU ms/request"]
    return Table("Sandbox throughput (no added latency, in process)", headers, [row])


def criteria_table(criteria: list[Criterion]) -> Table:
    """PASS/FAIL for each thing the issue says the benchmark must show."""
    rows = [[c.name, c.measured, c.limit, "PASS" if c.passed else "FAIL"] for c in criteria]
    return Table("What it must show", ["criterion", "measured", "limit", ""], rows)


def print_tables(tables: list[Table], notes: list[str], console: Console | None = None) -> None:
    """Print every table with rich, then the notes."""
    # Wide when written to a file or a pipe (rich would wrap at 80 columns there)
    console = console or Console(width=None if sys.stdout.isatty() else 150)
    for table in tables:
        rich = RichTable(title=table.title, title_justify="left", show_lines=False)
        for index, header in enumerate(table.headers):
            rich.add_column(header, justify="left" if index == 0 else "right", overflow="fold")
        for row in table.rows:
            rich.add_row(*[_styled(cell) for cell in row])
        console.print(rich)
    for note in notes:
        console.print(note, markup=False, highlight=False)


def _styled(cell: str) -> str:
    if cell == "PASS":
        return "[green]PASS[/green]"
    if cell in ("FAIL", "NO"):
        return f"[bold red]{cell}[/bold red]"
    return cell.replace("[", r"\[")


def markdown(tables: list[Table], notes: list[str], header: list[str]) -> str:
    """The same tables as GitHub Markdown, under `header` lines."""
    out = list(header)
    for table in tables:
        out += ["", f"**{table.title}**", ""]
        out.append("| " + " | ".join(table.headers) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(table.headers) - 1)) + "|")
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
    if notes:
        out += [""] + [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"
