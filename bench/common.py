"""What every benchmark part shares: the fake world's constants, percentiles, process memory and CPU.

Memory figures come from /proc/<pid>/status (VmRSS now, VmHWM the peak); the peak is reset by writing
"5" to /proc/<pid>/clear_refs, so one phase's peak can be told from the process's lifetime peak.
Everything returns None where /proc is missing, and the report prints "n/a" for it.
"""

from __future__ import annotations

import json
import math
import resource
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.sandbox_bench import cpu_seconds

__all__ = [
    "CHANNEL",
    "KEY",
    "POLICY",
    "SECRET",
    "TOKEN",
    "cpu_seconds",
    "listen_overflows",
    "mb",
    "own_cpu_seconds",
    "percentile",
    "reset_peak",
    "rss_kb",
    "write_json",
]

SECRET = "bench-signing-secret"  # all fake: the bench never talks to real Slack or Telnyx
TOKEN = "xoxb-bench-token"
KEY = "KEYSANDBOXBENCH"
CHANNEL = "C0GENERAL"
# Everyone may view: the bench measures the read path, not who may pay.
POLICY = '[roles]\nviewer = ["*"]\n'


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank q-th percentile (0 < q <= 100) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def rss_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in kB, from /proc; None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    try:
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def reset_peak(pid: int) -> bool:
    """Reset a process's VmHWM to its current RSS (Linux clear_refs "5"); False when not possible."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def listen_overflows() -> int | None:
    """Connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows, all sockets
    of this network namespace); a dropped connect is retried by the client after 1 s, then 3 s."""
    try:
        lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()]
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names and names[0] == "TcpExt:" and "ListenOverflows" in names:
            return int(values[names.index("ListenOverflows")])
    return None


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def mb(kb: int | None) -> float | None:
    """kB to MB with one decimal; None stays None."""
    return None if kb is None else round(kb / 1024, 1)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write the figures, pretty-printed, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
