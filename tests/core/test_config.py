"""Settings: every problem listed at once, secrets never shown, the CLI exits 2 without a traceback."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_anything_configured():
    s = Settings.from_mapping({})
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.telnyx_base_url == "https://api.telnyx.com/v2"
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.low_balance_threshold == Decimal("50")
    assert not s.has_slack


def test_urls_are_normalised_for_the_clients():
    s = Settings.from_mapping(
        {"SLACK_API_URL": "http://127.0.0.1:9/api", "TELNYX_BASE_URL": "http://127.0.0.1:8/v2/"}
    )
    assert s.slack_api_url == "http://127.0.0.1:9/api/"  # urljoin needs the slash
    assert s.telnyx_base_url == "http://127.0.0.1:8/v2"
    assert (
        Settings.from_mapping({"DATABASE_URL": "postgresql://u@h/db"}).database_url
        == "postgresql+asyncpg://u@h/db"
    )


def test_secrets_never_show_in_repr_or_str():
    s = Settings.from_mapping(
        {
            "SLACK_BOT_TOKEN": "xoxb-very-secret",
            "TELNYX_API_KEY": "KEYsupersecret",
            "SLACK_SIGNING_SECRET": "sigsecret",
        }
    )
    for text in (repr(s), str(s)):
        assert "very-secret" not in text and "supersecret" not in text and "sigsecret" not in text
    assert s.telnyx_api_key.get_secret_value() == "KEYsupersecret"


def test_every_problem_is_listed_at_once_and_no_secret_value_is_echoed():
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(
            {
                "SLACK_BOT_TOKEN": "xoxp-user-token-secret",
                "SLACK_API_URL": "not a url",
                "LOG_LEVEL": "LOUD",
                "TELNYX_TIMEOUT": "60",
                "LOW_BALANCE_THRESHOLD": "lots",
                "DATABASE_URL": "mysql://root:hunter2@db/x",
                "ACCESS_POLICY": "/nonexistent/policy.toml",
            }
        )
    problems = info.value.problems
    assert len(problems) == 7
    joined = "\n".join(problems)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_API_URL",
        "LOG_LEVEL",
        "TELNYX_TIMEOUT",
        "LOW_BALANCE_THRESHOLD",
        "DATABASE_URL",
        "ACCESS_POLICY",
    ):
        assert name in joined
    assert "xoxp-user-token-secret" not in joined and "hunter2" not in joined


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("5,00", "is not an amount: use a dot for cents and commas only between groups of three digits"),
        ("1,5", "is not an amount: use a dot for cents"),
        ("1.000,50", "is not an amount: use a dot for cents"),
        ("1.000", "has more than two decimals: amounts are in whole cents"),
        ("12.345", "has more than two decimals"),
        ("1e3", "is not an amount: write every digit, without an exponent"),
        ("NaN", "is not an amount: give a number of dollars"),
        ("-1", "is not an amount: it must be 0 or more"),
        ("lots", "is not an amount: write it in digits"),
    ],
)
def test_a_low_balance_threshold_the_parser_refuses_is_explained(raw, reason):
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping({"LOW_BALANCE_THRESHOLD": raw})
    [problem] = info.value.problems
    assert problem.startswith(f'LOW_BALANCE_THRESHOLD: "{raw}" {reason}'), problem
    assert "e.g." in problem


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", "0.00"), ("125.5", "125.50"), ("$1,250", "1250.00"), (" 50 USD ", "50.00")]
)
def test_a_low_balance_threshold_is_read_like_any_amount(raw, expected):
    assert Settings.from_mapping({"LOW_BALANCE_THRESHOLD": raw}).low_balance_threshold == Decimal(expected)


def _cli(args, env, tmp_path):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELNYX_", "DATABASE_", "ACCESS_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_config_errors_exit_2_with_one_message_and_no_traceback(tmp_path):
    result = _cli(["check"], {"SLACK_BOT_TOKEN": "bad-token-value", "LOG_LEVEL": "LOUD"}, tmp_path)
    assert result.returncode == 2
    assert "2 problem(s)" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and "LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr and "bad-token-value" not in result.stderr


def test_cli_reads_dotenv_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("LOG_LEVEL=LOUD\nTELNYX_TIMEOUT=99\n")
    result = _cli(["check"], {"LOG_LEVEL": "INFO"}, tmp_path)
    assert result.returncode == 2
    assert "TELNYX_TIMEOUT" in result.stderr and "LOG_LEVEL" not in result.stderr


def test_env_example_documents_every_setting():
    from bot.config import DOCUMENTED

    text = (ROOT / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert names == set(DOCUMENTED)


def _without_settings_in_the_environment(monkeypatch):
    from bot.config import DOCUMENTED

    for name in DOCUMENTED:
        monkeypatch.delenv(name, raising=False)


def test_from_mapping_reads_neither_the_environment_nor_dotenv(tmp_path, monkeypatch):
    _without_settings_in_the_environment(monkeypatch)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=LOUD\n")
    s = Settings.from_mapping({"CACHE_TTL_SECONDS": "0"})
    assert s.slack_bot_token is None and s.log_level == "INFO" and s.cache_ttl_seconds == 0


def test_load_settings_reads_dotenv_the_environment_wins_and_blank_means_unset(tmp_path, monkeypatch):
    from bot.config import load_settings

    _without_settings_in_the_environment(monkeypatch)
    (tmp_path / "settings.env").write_text("LOG_LEVEL=LOUD\nCACHE_TTL_SECONDS=0\nSLACK_BOT_TOKEN=\nOTHER=1\n")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("EXPORT_CONCURRENCY", "  ")
    s = load_settings(tmp_path / "settings.env")
    assert (s.log_level, s.cache_ttl_seconds, s.export_concurrency) == ("DEBUG", 0, 4)
    assert s.slack_bot_token is None


def test_problems_are_written_for_people_not_in_pydantics_words():
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(
            {
                "TELNYX_TIMEOUT": "soon",
                "CACHE_TTL_SECONDS": "inf",
                "EXPORT_CONCURRENCY": "0",
                "TELNYX_BASE_URL": "ftp://example.com",
            }
        )
    assert info.value.problems == [
        "TELNYX_BASE_URL='ftp://example.com' is not an http(s) URL. "
        "Expected the Telnyx API base URL, e.g. https://api.telnyx.com/v2.",
        "TELNYX_TIMEOUT='soon' is not a number. Expected seconds to wait for Telnyx, 1 to 10, e.g. 10.",
        "CACHE_TTL_SECONDS='inf' is not a number. "
        "Expected seconds account-wide reads are shared, 0 to 300, e.g. 10.",
        "EXPORT_CONCURRENCY=0 is out of range. Expected pages fetched at once by a CSV export, 1 to 16, e.g. 4.",
    ]
