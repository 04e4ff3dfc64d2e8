"""Alert rules without I/O: reading thresholds by kind, checking a draft, when a reminder is due, and the
top-up an alert suggests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.book import Alert, State, renotify_due
from bot.alerts.evaluate import Severity, suggest_topup
from bot.alerts.rules import (
    Draft,
    Field,
    Kind,
    Problem,
    Reason,
    Rule,
    Threshold,
    check_draft,
    read_threshold,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "typed", "read"),
    [
        (Kind.LOW_CREDIT, "$1,234.50", Threshold(Decimal("1234.50"))),
        (Kind.RUNWAY, "7 days", Threshold(Decimal("7"))),
        (Kind.RUNWAY, "14d", Threshold(Decimal("14"))),
        (Kind.SPEND_SPIKE, "2.5x", Threshold(Decimal("2.5"))),
        (Kind.WEBHOOK_FAILURES, "20", Threshold(Decimal("20"))),
        (Kind.WEBHOOK_FAILURES, "12.5 %", Threshold(Decimal("12.5"), percent=True)),
        (Kind.AUTORECHARGE, "  ", Threshold(None)),
        (Kind.INVOICE_UNPAID, "0", Threshold(Decimal("0"))),
    ],
)
def test_each_kind_reads_its_threshold(kind: Kind, typed: str, read: Threshold) -> None:
    assert read_threshold(kind, typed) == read


@pytest.mark.parametrize(
    ("kind", "typed", "reason"),
    [
        (Kind.LOW_CREDIT, "5,00", Reason.BAD_AMOUNT),
        (Kind.LOW_CREDIT, "200000", Reason.BAD_AMOUNT),
        (Kind.LOW_CREDIT, "", Reason.NO_THRESHOLD),
        (Kind.RUNWAY, "0", Reason.BAD_DAYS),
        (Kind.RUNWAY, "366", Reason.BAD_DAYS),
        (Kind.RUNWAY, "1.5", Reason.BAD_DAYS),
        (Kind.SPEND_SPIKE, "1", Reason.BAD_FACTOR),
        (Kind.SPEND_SPIKE, "101", Reason.BAD_FACTOR),
        (Kind.WEBHOOK_FAILURES, "0", Reason.BAD_COUNT),
        (Kind.WEBHOOK_FAILURES, "2.5", Reason.BAD_COUNT),
        (Kind.WEBHOOK_FAILURES, "0%", Reason.BAD_RATE),
        (Kind.WEBHOOK_FAILURES, "100.1%", Reason.BAD_RATE),
        (Kind.AUTORECHARGE, "5", Reason.TAKES_NO_THRESHOLD),
        (Kind.INVOICE_UNPAID, "-1", Reason.BAD_DAYS),
    ],
)
def test_a_bad_threshold_is_a_problem_with_its_reason(kind: Kind, typed: str, reason: Reason) -> None:
    problem = read_threshold(kind, typed)
    assert isinstance(problem, Problem) and (problem.field, problem.reason) == (Field.THRESHOLD, reason)


@given(st.integers(min_value=1, max_value=365))
def test_every_whole_number_of_days_in_range_is_a_runway(days: int) -> None:
    assert read_threshold(Kind.RUNWAY, str(days)) == Threshold(Decimal(days))


def test_a_draft_lists_every_problem_at_once() -> None:
    problems = check_draft(
        Draft(kind="runway", threshold="x", endpoint="https://a.example", channel=None, renotify_seconds="5")
    )
    assert isinstance(problems, list)
    assert [p.reason for p in problems] == [
        Reason.BAD_DAYS,
        Reason.ENDPOINT_NOT_WEBHOOKS,
        Reason.NO_CHANNEL,
        Reason.BAD_RENOTIFY,
    ]
    ok = check_draft(Draft("webhook_failures", " 10% ", " https://h.example/x ", "C1", "3600"))
    assert not isinstance(ok, list) and (ok.threshold, ok.endpoint, ok.renotify) == (
        "10%",
        "https://h.example/x",
        timedelta(hours=1),
    )


def _rule(renotify: timedelta) -> Rule:
    return Rule("r1", Kind.LOW_CREDIT, Threshold(Decimal(100)), "100", "", "C1", renotify, "U1", NOW)


def _alert(**changes: object) -> Alert:
    base = Alert(
        1,
        "r1",
        Kind.LOW_CREDIT,
        "",
        State.FIRING,
        Severity.WARNING,
        {},
        NOW,
        NOW,
        0,
        None,
        None,
        None,
        None,
        None,
        None,
        "C1",
        "1.0",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_reminder_is_due_after_the_interval_unless_acknowledged_snoozed_or_never() -> None:
    day = _rule(timedelta(days=1))
    assert not renotify_due(_alert(), day, NOW + timedelta(hours=23))
    assert renotify_due(_alert(), day, NOW + timedelta(days=1))
    assert not renotify_due(_alert(acked_by="U2"), day, NOW + timedelta(days=5))
    assert not renotify_due(_alert(), _rule(timedelta(0)), NOW + timedelta(days=5))
    assert not renotify_due(_alert(state=State.RESOLVED), day, NOW + timedelta(days=5))
    snoozed = _alert(snoozed_until=NOW + timedelta(hours=1))
    assert not renotify_due(snoozed, day, NOW + timedelta(minutes=59))
    assert renotify_due(snoozed, day, NOW + timedelta(hours=1))  # the snooze is over and it still fires
    told_after = _alert(snoozed_until=NOW + timedelta(hours=1), notified_at=NOW + timedelta(hours=1))
    assert not renotify_due(told_after, day, NOW + timedelta(hours=2))


def test_the_suggested_top_up_restores_the_runway_with_a_margin_and_respects_the_cap() -> None:
    # 7 days x $100 x 1.2 = $840, minus $300 available = $540, rounded up to $10
    runway = suggest_topup(Kind.RUNWAY, {"limit": "7"}, Decimal("300"), Decimal("100"), Decimal("1000"))
    assert (runway.amount, runway.capped, runway.days) == (Decimal("540"), False, Decimal("7"))
    capped = suggest_topup(Kind.RUNWAY, {"limit": "30"}, Decimal("0"), Decimal("100"), Decimal("500"))
    assert (capped.amount, capped.capped) == (Decimal("500"), True)
    low = suggest_topup(
        Kind.LOW_CREDIT, {"threshold": "100.00"}, Decimal("42.00"), Decimal("0"), Decimal("500")
    )
    assert (low.amount, low.days) == (Decimal("80"), None)  # 120 - 42 = 78, up to 80
    enough = suggest_topup(
        Kind.LOW_CREDIT, {"threshold": "100"}, Decimal("150"), Decimal("0"), Decimal("500")
    )
    assert enough.amount == 0
