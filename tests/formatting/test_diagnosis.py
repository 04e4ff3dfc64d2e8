"""bot.diagnosis: one verdict per failure kind, and the failure summary grouping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.diagnosis import (
    ATTEMPT_ERRORS,
    KINDS,
    classify_attempt,
    diagnose,
    endpoint_key,
    safe_url,
    summarize_failures,
)
from formatting.diagnosis import CAUSE_LABELS, group_label
from formatting.diagnosis import words as words_of  # the parametrized test names its text `words`
from tests.formatting.factories import T0, attempt, delivery

TIMEOUT, TLS = 75003, 75004


def test_attempt_error_table_is_the_documented_one() -> None:
    # the sandbox emits these codes: a change here must be made there too
    assert dict(ATTEMPT_ERRORS) == {
        75001: "dns",
        75002: "refused",
        75003: "timeout",
        75004: "tls",
        75499: "http_error",
    }


@pytest.mark.parametrize(
    ("failed_attempt", "kind", "words"),
    [
        (attempt(http=503), "server_error", "receiving server failed"),
        (attempt(http=500, errors=[75499]), "server_error", "HTTP 500"),
        (attempt(http=404, errors=[75499]), "not_found", "URL is wrong"),
        (attempt(http=410), "gone", "gone"),
        (attempt(http=401), "rejected", "refused Telnyx"),
        (attempt(http=429), "rate_limited", "throttling"),
        (attempt(http=422), "client_error", "refused the payload"),
        (attempt(http=301), "redirect", "redirect"),
        (attempt(errors=[TIMEOUT]), "timeout", "too slowly"),
        (attempt(errors=[TLS]), "tls", "TLS"),
        (attempt(errors=[75001]), "dns", "does not resolve"),
        (attempt(errors=[75002]), "refused", "unreachable"),
        (attempt(errors=[99999]), "unknown", "unrecognised"),
    ],
)
def test_each_failure_kind_gets_its_verdict(failed_attempt, kind: str, words: str) -> None:
    verdict = diagnose(delivery(failed_attempt))
    said = words_of(verdict)
    assert verdict.kind == kind
    assert words in said.headline
    assert said.explanation and said.action
    assert verdict.kind in KINDS and set(KINDS) == set(CAUSE_LABELS)


def test_network_errors_win_over_a_status_and_say_what_to_do() -> None:
    # a TLS failure has no HTTP answer even if a status was somehow recorded
    assert classify_attempt(attempt(http=502, errors=[TLS])) == "tls"
    assert "certificate" in words_of(diagnose(delivery(attempt(errors=[TLS])))).action
    assert "webhook URL" in words_of(diagnose(delivery(attempt(http=404)))).action
    assert "logs" in words_of(diagnose(delivery(attempt(http=503)))).action


def test_the_latest_attempt_decides_and_earlier_causes_are_mentioned() -> None:
    d = delivery(
        attempt(http=503, at=T0),
        attempt(errors=[TIMEOUT], at=T0 + timedelta(seconds=30), url="https://backup.example.com/hook"),
    )
    verdict = diagnose(d)
    assert verdict.kind == "timeout"
    assert "server error (5xx)" in words_of(verdict).explanation
    assert verdict.endpoint == "https://backup.example.com/hook"


def test_delivered_and_delivered_after_retries() -> None:
    ok = diagnose(delivery(attempt(status="delivered", http=200)))
    assert (ok.kind, words_of(ok).headline) == ("delivered", "Delivered")
    retried = diagnose(
        delivery(
            attempt(http=503, at=T0), attempt(status="delivered", http=200, at=T0 + timedelta(seconds=5))
        )
    )
    assert retried.kind == "delivered"
    assert "1 of 2 attempts failed" in words_of(retried).explanation


def test_no_attempts_is_unknown() -> None:
    verdict = diagnose(delivery(status="failed"))
    assert verdict.kind == "unknown"
    assert "no attempts" in words_of(verdict).headline


def test_safe_url_hides_credentials_and_query_values() -> None:
    assert safe_url("https://user:pw@hooks.example.com:8443/t?token=s3cret&x=1") == (
        "https://hooks.example.com:8443/t?token=…&x=…"
    )
    assert safe_url("http://[::1]:8080/h") == "http://[::1]:8080/h"
    assert endpoint_key("https://a.example.com/x/y?secret=1") == "a.example.com/x/y"
    assert endpoint_key(None) == "(unknown endpoint)"
    assert endpoint_key("not a url") == "(unknown endpoint)"
    verdict = diagnose(delivery(attempt(http=503, url="https://u:secretpw@h.example.com/p?key=KEY123")))
    assert "secretpw" not in repr(verdict) and "KEY123" not in repr(verdict)


def test_summary_groups_by_endpoint_and_cause_most_frequent_first() -> None:
    a = "https://a.example.com/hook?sig=1"
    b = "https://b.example.com/hook"
    deliveries = [
        delivery(attempt(http=503, url=a), id="1"),
        delivery(attempt(http=500, url=a + "&other=2", at=T0 + timedelta(hours=1)), id="2"),
        delivery(attempt(http=503, url=a), id="3"),
        delivery(attempt(errors=[TIMEOUT], url=a), id="4"),
        delivery(attempt(http=404, url=b), id="5"),
        delivery(attempt(http=404, url=b), id="6"),
        delivery(attempt(status="delivered", http=200, url=b), id="7"),
    ]
    summary = summarize_failures(deliveries)
    assert summary.considered == 7
    assert summary.failed == 6
    groups = [(g.endpoint, g.kind, g.count) for g in summary.groups]
    assert groups == [
        ("a.example.com/hook", "server_error", 3),
        ("b.example.com/hook", "not_found", 2),
        ("a.example.com/hook", "timeout", 1),
    ]
    assert summary.groups[0].latest_at == T0 + timedelta(hours=1)
    assert group_label(summary.groups[0]) == "server error (5xx)"


def test_summary_of_nothing_failed() -> None:
    summary = summarize_failures([delivery(attempt(status="delivered", http=200))])
    assert summary.groups == () and summary.failed == 0 and summary.considered == 1


def test_the_sandbox_emits_the_same_codes() -> None:
    # the sandbox's fake deliveries must diagnose as the failure they simulate
    from devkit.sandbox.data.webhooks import NETWORK_FAILURES

    for kind, (code, _seconds) in NETWORK_FAILURES.items():
        assert ATTEMPT_ERRORS[code] == kind
