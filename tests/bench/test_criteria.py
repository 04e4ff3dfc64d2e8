"""Each criterion of issue 7 passes on good figures and fails on the figure that breaks it."""

from __future__ import annotations

import copy
from typing import Any

from bench.criteria import export_criteria, slack_criteria

N = 500


def burst(**figures: Any) -> dict[str, Any]:
    base = {
        "acks_over_3s": 0, "ack_p99_ms": 900.0, "replies": N, "replies_answered": N, "last_reply_s": 2.0,
        "telnyx_requests": 1, "answers_saying_freshness": N,
    }  # fmt: skip
    return {**base, **figures}


def slack(bot_balance: dict[str, Any] | None = None, bot_mix: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "n": N,
        "latency_s": 0.3,
        "jitter_s": 0.05,
        "baseline": {"bursts": {"balance": burst(ack_p99_ms=1000.0), "mix": burst(ack_p99_ms=1000.0)}},
        "bot": {"bursts": {"balance": bot_balance or burst(), "mix": bot_mix or burst(telnyx_requests=300)}},
    }


def verdicts(results: dict[str, Any]) -> dict[str, bool]:
    return {c.name: c.passed for c in slack_criteria(results)}


def test_good_figures_pass_every_slack_criterion() -> None:
    found = verdicts(slack())
    assert len(found) == 8 and all(found.values()), found


def test_each_broken_figure_fails_its_own_criterion_only() -> None:
    cases = {
        "balance: no ack over 3 s": burst(acks_over_3s=1),
        "balance: bot ack p99 within 1.5x baseline": burst(ack_p99_ms=1501.0),
        "balance: all replies within latency + baseline + 1 s": burst(last_reply_s=3.36),
        f"{N} x balance: a handful of Telnyx requests (single flight)": burst(telnyx_requests=6),
        "balance: every answer says how fresh": burst(answers_saying_freshness=N - 1),
    }
    for name, figures in cases.items():
        found = verdicts(slack(bot_balance=figures))
        assert [n for n, ok in found.items() if not ok] == [name]
    # an error answer is a reply, but not an answer
    found = verdicts(slack(bot_mix=burst(replies_answered=N - 3)))
    assert not found["mix: all replies within latency + baseline + 1 s"]
    # the budget is latency + jitter + the baseline's last reply + 1 s: 0.35 + 2 + 1
    assert verdicts(slack(bot_balance=burst(last_reply_s=3.35)))[
        "balance: all replies within latency + baseline + 1 s"
    ]


def run(
    records: int, done: float, growth_mb: float, probe_kb: int, file_kb: int, **file: Any
) -> dict[str, Any]:
    pages = records // 50
    return {
        "records": records, "pages": pages, "bound": 4, "done_s": done, "limit_s": 1.3 * pages / 4 * 0.3,
        "peak_growth_mb": growth_mb, "file_kb": file_kb, "probe": {"peak_kb": probe_kb},
        "file": {"rows": records, "distinct_ids": records, "complete": True, "newest_first": True, **file},
    }  # fmt: skip


def export(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"latency_s": 0.3, "runs": list(runs)}


def test_export_criteria() -> None:
    good = export(run(2000, 3.5, 1.0, 1600, 940), run(10000, 17.0, 1.5, 1800, 4700))
    found = {c.name: c.passed for c in export_criteria(good)}
    assert len(found) == 4 and all(found.values()), found

    slow = copy.deepcopy(good)
    slow["runs"][1]["done_s"] = 19.6  # over 1.3 x 200/4 x 0.3 = 19.5 s
    assert [c.name for c in export_criteria(slow) if not c.passed] == [
        "export of 10,000 records within 1.3x ideal"
    ]

    held = export(run(2000, 3.5, 1.0, 1600, 940), run(10000, 17.0, 1.5, 2600, 4700))  # +1000 KB > 25% of 3760
    assert [c.name for c in export_criteria(held) if not c.passed] == [
        "export streaming (fetch + CSV) peak memory flat, 2,000 -> 10,000 records"
    ]
    uploaded_whole = export(run(2000, 3.5, 2.4, 1600, 940), run(10000, 17.0, 9.7, 1800, 4700))
    assert [c.name for c in export_criteria(uploaded_whole) if not c.passed] == [
        "bot peak RSS during export flat (upload included), 2,000 -> 10,000 records"
    ]
    shuffled = export(run(2000, 3.5, 1.0, 1600, 940, newest_first=False), run(10000, 17.0, 1.5, 1800, 4700))
    assert [c.name for c in export_criteria(shuffled) if not c.passed] == [
        "every export complete and in order"
    ]
    assert export_criteria(export()) == []
