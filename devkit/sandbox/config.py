"""The sandbox's settings and the fault knob, both plain dataclasses so tests build them inline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

DEFAULT_API_KEY = "KEYSANDBOX"
DEFAULT_PER_DAY = Decimal("300.00")  # USD the account spends a day on average
MAX_PER_DAY = Decimal("1000000.00")
# 4xx: the refusals the sandbox cannot otherwise be made to answer (403, 409) or only with a bad request
FAULT_STATUSES = (400, 403, 404, 409, 422, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Fault:
    """What to do to requests under a path prefix: delay them, fail them, or hold them open.

    `status` answers that error with a Telnyx error body (429 adds `Retry-After: retry_after`), before
    the handler runs, so a faulted payment charges nothing;
    `times` limits the error or hang to the next N matching requests (None = every one).
    Latency applies to every matching request, before the answer or the error.
    """

    latency: float = 0.0
    jitter: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    hang: bool = False
    times: int | None = None

    def __post_init__(self) -> None:
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter are seconds, 0 or more")
        if self.status is not None and self.status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {FAULT_STATUSES}, not {self.status}")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after is seconds, 0 or more")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be 1 or more, or None for always")

    @property
    def fails(self) -> bool:
        """True when the fault answers an error or hangs rather than only adding latency."""
        return self.status is not None or self.hang


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox starts. `now` anchors the generated data (None: the current time at start).

    The account's clock starts at `now` and stays there (so balances in tests never drift) until
    `/_sandbox/clock` advances it; `live` makes it follow real time too. It spends `per_day` on average.
    """

    api_key: str = field(default=DEFAULT_API_KEY, repr=False)
    seed: int = 7
    now: datetime | None = None
    live: bool = False
    per_day: Decimal = DEFAULT_PER_DAY
    host: str = "127.0.0.1"
    port: int = 0
    # strict: a request that breaks the spec is refused with the real API's 4xx, not only recorded.
    strict: bool = True
    faults: dict[str, Fault] = field(default_factory=dict)
    # Benchmarks: N more detail records of a type ({"messaging": 10_000}), drawn after the seeded ones
    # from their own stream, so the rest of the account is the same as without them.
    extra_records: dict[str, int] = field(default_factory=dict)
    # Benchmarks: keep the filtered, sorted detail records per distinct query (they never change after
    # start), so paging through 10,000 records costs the configured latency, not O(records) per page.
    memo_queries: bool = False

    def __post_init__(self) -> None:
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("SandboxConfig.now must be timezone-aware (UTC)")
        if any(count < 0 for count in self.extra_records.values()):
            raise ValueError("SandboxConfig.extra_records counts are 0 or more")
        if not self.api_key:
            raise ValueError("SandboxConfig.api_key must not be empty")
        problem = pace_problem(self.per_day)
        if problem:
            raise ValueError(f"SandboxConfig.per_day: {problem}")


def pace_problem(per_day: Decimal) -> str | None:
    """Why `per_day` cannot be a pace (USD a day, 0 to MAX_PER_DAY, whole cents), or None."""
    if not per_day.is_finite() or per_day < 0 or per_day > MAX_PER_DAY:
        return f"the pace is USD a day from 0 to {MAX_PER_DAY}, not {per_day}"
    if per_day != per_day.quantize(Decimal("0.01")):
        return f"the pace has at most two decimals, not {per_day}"
    return None
