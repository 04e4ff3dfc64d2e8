"""Settings: the ONLY reader of the environment and `.env`.

`Settings.from_mapping({...})` takes any mapping, so tests pass a dict; `load_settings()` reads the process
environment plus `.env`. Every problem is collected, then raised together as one `ConfigError`.
Secrets are `SecretStr`: they never show in a repr, a log line or an error message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from pydantic import SecretStr

from bot.errors import ConfigError
from bot.money import InvalidAmount, parse_amount

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TELNYX_BASE_URL = "https://api.telnyx.com/v2"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///telnyx-bot.db"

# name -> what it is, shown in error messages and kept in step with .env.example
DOCUMENTED = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-...) from OAuth & Permissions",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write, for Socket Mode",
    "SLACK_SIGNING_SECRET": "the signing secret from Basic Information, for HTTP mode",
    "SLACK_API_URL": "the Slack Web API base URL, ending in /",
    "TELNYX_API_KEY": "a Telnyx v2 API key (KEY...)",
    "TELNYX_BASE_URL": "the Telnyx API base URL",
    "TELNYX_TIMEOUT": "seconds to wait for Telnyx, 1 to 10",
    "DATABASE_URL": "an SQLAlchemy URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://...",
    "ACCESS_POLICY": "path to the access policy TOML file",
    "LOG_LEVEL": "one of " + ", ".join(LOG_LEVELS),
    "CACHE_TTL_SECONDS": "seconds account-wide reads are shared, 0 to 300",
    "LOW_BALANCE_THRESHOLD": "available credit below which `balance` warns, a decimal amount",
    "EXPORT_CONCURRENCY": "pages fetched at once by a CSV export, 1 to 16",
}


@dataclass(frozen=True)
class Settings:
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    telnyx_api_key: SecretStr | None = None
    telnyx_base_url: str = DEFAULT_TELNYX_BASE_URL
    telnyx_timeout: float = 10.0
    database_url: str = DEFAULT_DATABASE_URL
    access_policy: Path | None = None
    log_level: str = "INFO"
    cache_ttl_seconds: float = 10.0
    low_balance_threshold: Decimal = Decimal("50")
    export_concurrency: int = 4
    extra: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_slack(self) -> bool:
        """True when the bot can talk to a real Slack workspace."""
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        """Parse and validate; raise ConfigError listing every problem at once."""
        problems: list[str] = []

        def text(name: str) -> str | None:
            value = env.get(name)
            if value is None:
                return None
            value = value.strip()
            return value or None

        def secret(name: str, prefix: tuple[str, ...] = ()) -> SecretStr | None:
            value = text(name)
            if value is None:
                return None
            if prefix and not value.startswith(prefix):
                problems.append(
                    f"{name} does not look right: expected {DOCUMENTED[name]}, starting with "
                    f"{' or '.join(prefix)}. Copy it again from your Slack app's settings."
                )
            return SecretStr(value)

        def url(name: str, default: str, *, slash: bool = False) -> str:
            value = text(name) or default
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                problems.append(
                    f"{name}={value!r} is not an http(s) URL. Expected {DOCUMENTED[name]}, e.g. {default}"
                )
            if slash and not value.endswith("/"):
                value += "/"  # urljoin drops the last path segment otherwise
            if not slash:
                value = value.rstrip("/")
            return value

        def number(name: str, default: float, low: float, high: float, kind: type = float):
            raw = text(name)
            if raw is None:
                return kind(default)
            try:
                value = kind(raw)
            except ValueError:
                problems.append(
                    f"{name}={raw!r} is not a number. Expected {DOCUMENTED[name]}, e.g. {default}"
                )
                return kind(default)
            if not low <= value <= high:
                problems.append(f"{name}={raw} is out of range. Expected {DOCUMENTED[name]}, e.g. {default}")
            return value

        log_level = (text("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL={log_level!r} is not a level. Expected {DOCUMENTED['LOG_LEVEL']}.")

        threshold_raw = text("LOW_BALANCE_THRESHOLD") or "50"
        try:
            threshold = parse_amount(threshold_raw, allow_zero=True)
        except InvalidAmount as err:
            problems.append(f"LOW_BALANCE_THRESHOLD={threshold_raw!r} {err.reason}")
            threshold = Decimal("50")

        database_url = text("DATABASE_URL") or DEFAULT_DATABASE_URL
        if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
            database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
        elif database_url.startswith("sqlite:///"):
            database_url = "sqlite+aiosqlite:///" + database_url[len("sqlite:///") :]
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            problems.append(
                f"DATABASE_URL must be SQLite or PostgreSQL: expected {DOCUMENTED['DATABASE_URL']}"
                " (the value is not shown: it may hold a password)."
            )

        policy_raw = text("ACCESS_POLICY")
        policy = Path(policy_raw).expanduser() if policy_raw else None
        if policy is not None and not policy.is_file():
            problems.append(
                f"ACCESS_POLICY={policy_raw!r}: no such file. Point it at a TOML policy, "
                "e.g. ACCESS_POLICY=access.example.toml, or unset it for view-only access."
            )

        settings = cls(
            slack_bot_token=secret("SLACK_BOT_TOKEN", ("xoxb-",)),
            slack_app_token=secret("SLACK_APP_TOKEN", ("xapp-",)),
            slack_signing_secret=secret("SLACK_SIGNING_SECRET"),
            slack_api_url=url("SLACK_API_URL", DEFAULT_SLACK_API_URL, slash=True),
            telnyx_api_key=secret("TELNYX_API_KEY"),
            telnyx_base_url=url("TELNYX_BASE_URL", DEFAULT_TELNYX_BASE_URL),
            telnyx_timeout=number("TELNYX_TIMEOUT", 10.0, 1.0, 10.0),
            database_url=database_url,
            access_policy=policy,
            log_level=log_level,
            cache_ttl_seconds=number("CACHE_TTL_SECONDS", 10.0, 0.0, 300.0),
            low_balance_threshold=threshold,
            export_concurrency=number("EXPORT_CONCURRENCY", 4, 1, 16, int),
        )
        if problems:
            raise ConfigError(problems)
        return settings


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Read the process environment plus `.env` (the environment wins) and validate."""
    from dotenv import dotenv_values

    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return Settings.from_mapping(values)


def configure_logging(settings: Settings) -> None:
    """Plain, timestamped logs; the level comes from LOG_LEVEL."""
    logging.basicConfig(
        level=getattr(logging, settings.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
