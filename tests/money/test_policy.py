"""The access policy file: the shipped example loads, every bad field stops the start naming the field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.access import Policy, PolicyError, load_policy, parse_policy
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "access.example.toml"

GOOD = """
[roles]
viewer = ["*"]
requester = ["U0REQUEST"]
finance = ["U0FIN1", "S0FINANCE"]
admin = ["U0ADMIN"]
[channels]
approvals = "C0APPROVALS"
[limits]
max_topup = "500.00"
daily_topup = "1000.00"
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_example_loads_as_documented() -> None:
    policy = load_policy(EXAMPLE)
    assert policy == Policy(
        roles={
            "viewer": ("*",),
            "requester": ("U0REQUEST",),
            "finance": ("U0FIN1", "S0FINANCE"),
            "admin": ("U0ADMIN",),
        },
        approvals_channel="C0APPROVALS",
        audit_channel="C0AUDIT",
        max_topup=Decimal("500.00"),
        daily_topup=Decimal("1000.00"),
        approval_ttl=timedelta(hours=24),
        configured=True,
    )


def test_no_file_means_view_only_for_everyone() -> None:
    policy = load_policy(None)
    assert not policy.configured
    assert policy.roles == {"viewer": ("*",), "requester": (), "finance": (), "admin": ()}


def test_defaults_and_numbers_written_without_quotes(tmp_path: Path) -> None:
    body = GOOD.replace('max_topup = "500.00"', "max_topup = 250.5").replace('"1000.00"', "1000")
    policy = load_policy(write(tmp_path, body))
    assert policy.max_topup == Decimal("250.5")
    assert policy.daily_topup == Decimal("1000")
    assert policy.approval_ttl == timedelta(hours=24)
    assert policy.audit_channel is None


def test_a_view_only_policy_needs_no_channel_or_limits(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, '[roles]\nviewer = ["S0STAFF"]\nfinance = ["U0FIN1"]\n'))
    assert policy.configured and policy.approvals_channel is None and policy.max_topup == 0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"500.00"', '"12.345"', 'limits.max_topup: "12.345" has more than two decimals'),
        ('"500.00"', '"-5"', 'limits.max_topup: "-5" is not an amount: it must be more than 0'),
        ('"500.00"', '"lots"', 'limits.max_topup: "lots" is not an amount: write it in digits'),
        ('"500.00"', "true", 'limits.max_topup: True is not an amount; write it like max_topup = "500.00"'),
        ('"1000.00"', '"100.00"', "limits.daily_topup: 100.00 is below limits.max_topup (500.00)"),
        ('daily_topup = "1000.00"', "", "limits.daily_topup: missing"),
        (
            'daily_topup = "1000.00"',
            "approval_ttl_hours = 0",
            "limits.approval_ttl_hours: 0 is not a whole number",
        ),
        ('daily_topup = "1000.00"', "approval_ttl_hours = 1.5", "limits.approval_ttl_hours: 1.5"),
        ('daily_topup = "1000.00"', 'approval_ttl_hours = "24"', "limits.approval_ttl_hours: '24'"),
        ('daily_topup = "1000.00"', "approval_ttl_hours = 169", "limits.approval_ttl_hours: 169"),
        ('daily_topup = "1000.00"', "max_topups = 5", "limits.max_topups: unknown key"),
        (
            '["U0FIN1", "S0FINANCE"]',
            '["U0FIN1", "*"]',
            'roles.finance[1]: "*" (everyone) is not allowed for finance',
        ),
        ('["U0ADMIN"]', '["*"]', 'roles.admin[0]: "*" (everyone) is not allowed for admin'),
        ('["U0REQUEST"]', '["bob"]', "roles.requester[0]: 'bob' is not a Slack user id"),
        ('["U0REQUEST"]', '["#finance"]', "roles.requester[0]: '#finance'"),
        ('["U0REQUEST"]', '"U0REQUEST"', "roles.requester: must be a list"),
        ('admin = ["U0ADMIN"]', 'superuser = ["U0ADMIN"]', "roles.superuser: unknown key"),
        ('approvals = "C0APPROVALS"', "", "channels.approvals: missing"),
        (
            'approvals = "C0APPROVALS"',
            'approvals = "#finance"',
            "channels.approvals: '#finance' is not a Slack channel",
        ),
        ('approvals = "C0APPROVALS"', 'aprovals = "C0APPROVALS"', "channels.aprovals: unknown key"),
        ("[limits]", "[limit]", "limit: unknown key"),
    ],
)
def test_a_bad_field_is_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert any(
        problem.startswith(f"{path}: ") and expected in problem for problem in caught.value.problems
    ), caught.value.problems


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ('"5,00"', '"5,00" is not an amount: use a dot for cents and commas only between groups of three'),
        ('"1,5"', '"1,5" is not an amount: use a dot for cents'),
        ('"1.000,50"', '"1.000,50" is not an amount: use a dot for cents'),
        ('"1.000"', '"1.000" has more than two decimals: amounts are in whole cents'),
        ('"1_000"', '"1_000" is not an amount: write it in digits'),
        ('"1e3"', '"1e3" is not an amount: write every digit, without an exponent'),
        ("5.555", '"5.555" has more than two decimals'),  # a TOML float, read as it is written
        ("1e20", '"1e+20" is not an amount: write every digit, without an exponent'),
        ("nan", '"nan" is not an amount: give a number of dollars'),
        ("0", '"0" is not an amount: it must be more than 0'),
        ("1_000_000_000", '"1000000000" is too large'),
    ],
)
def test_an_amount_the_parser_refuses_is_explained_with_its_field(
    tmp_path: Path, written: str, reason: str
) -> None:
    path = write(tmp_path, GOOD.replace('max_topup = "500.00"', f"max_topup = {written}"))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: limits.max_topup: {reason}"), problem
    assert "e.g." in problem or "at most $" in problem


def test_amounts_are_read_the_one_way_strings_ints_and_floats_alike(tmp_path: Path) -> None:
    body = GOOD.replace('"500.00"', '"$1,500.5"').replace('"1000.00"', "2_000")
    policy = load_policy(write(tmp_path, body))
    assert (policy.max_topup, policy.daily_topup) == (Decimal("1500.50"), Decimal("2000.00"))
    body = GOOD.replace('"500.00"', "5.5").replace('"1000.00"', "1e3")
    policy = load_policy(write(tmp_path, body))
    assert (policy.max_topup, policy.daily_topup) == (Decimal("5.50"), Decimal("1000.00"))


def test_every_problem_is_reported_at_once_and_stops_the_start_like_a_config_error(tmp_path: Path) -> None:
    body = GOOD.replace('"500.00"', '"1.001"').replace('["U0REQUEST"]', '["nobody"]')
    with pytest.raises(ConfigError) as caught:
        load_policy(write(tmp_path, body))
    fields = [problem.split(": ")[1] for problem in caught.value.problems]
    assert fields == ["roles.requester[0]", "limits.max_topup"]


def test_not_toml_gives_the_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"not valid TOML: .*line 2"):
        load_policy(write(tmp_path, "[roles]\nviewer = *\n"))


def test_a_section_that_is_not_a_table_is_named() -> None:
    with pytest.raises(PolicyError, match=r"policy: roles: must be a table \(\[roles\]\), not a str"):
        parse_policy({"roles": "U0ADMIN"})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such access policy file"):
        load_policy(tmp_path / "nope.toml")


def test_field_problems_and_the_rules_between_fields_are_reported_together() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(
            {
                "roles": {"requester": ["U0REQUEST", "bob"], "admin": ["*"]},
                "limits": {"max_topup": "lots", "approval_ttl_hours": True, "max_pending_per_requester": 51},
                "owner": "U0ADMIN",
            }
        )
    assert caught.value.problems == [
        "policy: roles.requester[1]: 'bob' is not a Slack user id (U..., W...), group id (S...) or \"*\".",
        'policy: roles.admin[0]: "*" (everyone) is not allowed for admin; list users or groups.',
        "policy: channels.approvals: missing; top-ups need a channel id for approval cards (C...).",
        'policy: limits.max_topup: "lots" is not an amount: write it in digits, e.g. 150, 150.50 or 1,234.56.',
        'policy: limits.daily_topup: missing; top-ups need it, e.g. daily_topup = "500.00".',
        "policy: limits.approval_ttl_hours: True is not a whole number of hours from 1 to 168.",
        "policy: limits.max_pending_per_requester: 51 is not a whole number from 1 to 50 "
        "(how many requests one person may have waiting; default 3).",
        "policy: owner: unknown key; expected one of roles, channels, limits.",
    ]


def test_with_nobody_validly_allowed_to_request_no_channel_or_limit_is_required() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy({"roles": {"requester": ["bob"], "admin": ["*"]}})
    assert [problem.split(": ")[1] for problem in caught.value.problems] == [
        "roles.requester[0]",
        "roles.admin[0]",
    ]


def test_a_table_built_in_code_is_read_like_the_file() -> None:
    policy = parse_policy(
        {
            "roles": {"requester": ["*"], "finance": ["U0FIN1"]},
            "channels": {"approvals": "G0APPROVALS"},
            "limits": {"max_topup": "$1,500", "daily_topup": 1500, "approval_ttl_hours": 168},
        }
    )
    assert policy.roles == {"viewer": (), "requester": ("*",), "finance": ("U0FIN1",), "admin": ()}
    assert (policy.max_topup, policy.daily_topup) == (Decimal("1500.00"), Decimal("1500.00"))
    assert policy.approval_ttl == timedelta(hours=168) and policy.max_pending_per_requester == 3
