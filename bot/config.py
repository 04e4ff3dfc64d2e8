"""Settings: the ONLY reader of the environment and `.env`.

`load_settings()` reads the process environment plus `.env` (the environment wins) through
pydantic-settings; `Settings.from_mapping({...})` validates a mapping alone, so tests and the console pass a
dict. A blank value means unset. Every problem is collected, then raised together as one `ConfigError`
whose lines name the variable, what was wrong and what is accepted: pydantic's own wording never reaches
people alone, and no secret value is ever echoed. Secrets are `SecretStr`: they never show in a repr, a
log line or an error message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from bot.errors import ConfigError
from bot.money import NonNegativeAmount, refusal_in

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)
LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TELNYX_BASE_URL = "https://api.telnyx.com/v2"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///telnyx-bot.db"

_TOKEN_PREFIX = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}
_DRIVERS = {
    "postgresql://": "postgresql+asyncpg://",
    "postgres://": "postgresql+asyncpg://",
    "sqlite:///": "sqlite+aiosqlite:///",
}
_PROBLEM = "setting"  # the error type of our own validators: their message is the whole sentence
_NOT_A_NUMBER = {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float", "finite_number"}
_OUT_OF_RANGE = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}

# set while `from_mapping` builds settings: the mapping is then the only source
_MAPPING_ONLY: ContextVar[bool] = ContextVar("settings_from_mapping_only", default=False)


class Settings(BaseSettings):
    """Every setting of the bot; each field's description is what error messages and .env.example say."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = Field(
        None, description="the bot token (xoxb-...) from OAuth & Permissions", examples=["xoxb-..."]
    )
    slack_app_token: SecretStr | None = Field(
        None,
        description="an app-level token (xapp-...) with connections:write, for Socket Mode",
        examples=["xapp-..."],
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="the signing secret from Basic Information, for HTTP mode", examples=["8f742231..."]
    )
    slack_api_url: str = Field(
        DEFAULT_SLACK_API_URL,
        description="the Slack Web API base URL, ending in /",
        examples=[DEFAULT_SLACK_API_URL],
    )
    telnyx_api_key: SecretStr | None = Field(
        None, description="a Telnyx v2 API key (KEY...)", examples=["KEY0123..."]
    )
    telnyx_base_url: str = Field(
        DEFAULT_TELNYX_BASE_URL, description="the Telnyx API base URL", examples=[DEFAULT_TELNYX_BASE_URL]
    )
    telnyx_timeout: float = Field(
        10.0,
        ge=1,
        le=10,
        allow_inf_nan=False,
        description="seconds to wait for Telnyx, 1 to 10",
        examples=["10"],
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="an SQLAlchemy URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://...",
        examples=[DEFAULT_DATABASE_URL],
    )
    access_policy: Path | None = Field(
        None, description="path to the access policy TOML file", examples=["access.example.toml"]
    )
    log_level: LogLevel = Field("INFO", description="one of " + ", ".join(LOG_LEVELS), examples=["INFO"])
    log_format: LogFormat = Field(
        "text",
        description="text (readable lines) or json (one JSON object per line)",
        examples=["json"],
    )
    health_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Socket Mode: the port serving /healthz, /readyz and /metrics, 0 to 65535 (0: any free one)",
        examples=["8080"],
    )
    health_host: str = Field(
        "127.0.0.1",
        description="Socket Mode: the address HEALTH_PORT listens on",
        examples=["0.0.0.0"],
    )
    cache_ttl_seconds: float = Field(
        10.0,
        ge=0,
        le=300,
        allow_inf_nan=False,
        description="seconds account-wide reads are shared, 0 to 300",
        examples=["10"],
    )
    low_balance_threshold: NonNegativeAmount = Field(
        Decimal("50"),
        description="available credit below which `balance` warns, a decimal amount",
        examples=["50"],
    )
    export_concurrency: int = Field(
        4, ge=1, le=16, description="pages fetched at once by a CSV export, 1 to 16", examples=["4"]
    )
    scheduler_tick_seconds: int = Field(
        600,
        ge=1,
        le=86_400,
        description="seconds between the scheduler's ticks (a balance snapshot and the alert rules), 1 to 86400",
        examples=["600"],
    )

    @property
    def has_slack(self) -> bool:
        """True when the bot can talk to a real Slack workspace."""
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> Settings:
        """Validate `mapping` (NAME -> text) alone, reading neither the environment nor `.env`.

        Raise ConfigError listing every problem at once.
        """
        values: dict[str, Any] = {name.lower(): mapping[name] for name in DOCUMENTED if name in mapping}
        with _mapping_only():
            return _validated(lambda: cls(**values))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment wins over `.env`; `from_mapping` reads neither."""
        if _MAPPING_ONLY.get():
            return (init_settings,)
        return init_settings, env_settings, dotenv_settings

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        """`NAME=` (as .env.example writes it) or spaces leave the setting at its default."""
        if not isinstance(data, dict):
            return data
        values = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
        return {key: value for key, value in values.items() if value != ""}

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_prefix(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        name = _field(info)
        prefix = _TOKEN_PREFIX[name]
        if value is not None and not value.get_secret_value().startswith(prefix):
            raise _problem(
                f"{name.upper()} does not look right: expected {_describe(name)}, starting with {prefix}. "
                "Copy it again from your Slack app's settings."
            )
        return value

    @field_validator("slack_api_url", "telnyx_base_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        name = _field(info)
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise _problem(f"{name.upper()}={value!r} is not an http(s) URL. {_expected(name)}")
        if name == "slack_api_url":
            return value if value.endswith("/") else value + "/"  # urljoin drops the last segment otherwise
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        for plain, driver in _DRIVERS.items():
            if value.startswith(plain):
                value = driver + value[len(plain) :]
                break
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise _problem(
                f"DATABASE_URL must be SQLite or PostgreSQL: expected {_describe('database_url')}"
                " (the value is not shown: it may hold a password)."
            )
        return value

    @field_validator("access_policy", mode="before")
    @classmethod
    def _policy_file(cls, value: Any) -> Any:
        if not isinstance(value, str | Path):
            return value
        path = Path(value).expanduser()
        if not path.is_file():
            raise _problem(
                f"ACCESS_POLICY={str(value)!r}: no such file. Point it at a TOML policy, "
                "e.g. ACCESS_POLICY=access.example.toml, or unset it for view-only access."
            )
        return path

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: Any) -> Any:
        level = value.upper() if isinstance(value, str) else value
        if level not in LOG_LEVELS:
            raise _problem(f"LOG_LEVEL={level!r} is not a level. Expected {_describe('log_level')}.")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _known_format(cls, value: Any) -> Any:
        form = value.lower() if isinstance(value, str) else value
        if form not in LOG_FORMATS:
            raise _problem(f"LOG_FORMAT={form!r} is not a format. Expected {_describe('log_format')}.")
        return form


# name -> what it is, shown in error messages and kept in step with .env.example (a test checks)
DOCUMENTED: dict[str, str] = {
    name.upper(): field.description or name for name, field in Settings.model_fields.items()
}


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read the process environment plus `env_file` (the environment wins) and validate."""
    return _validated(lambda: Settings(_env_file=env_file))


def configure_logging(settings: Settings) -> None:
    """Timestamped lines or JSON (LOG_FORMAT) at LOG_LEVEL, secrets redacted (see bot/logs.py)."""
    from bot.logs import configure

    configure(settings)


@contextmanager
def _mapping_only() -> Iterator[None]:
    token = _MAPPING_ONLY.set(True)
    try:
        yield
    finally:
        _MAPPING_ONLY.reset(token)


def _validated(build: Callable[[], Settings]) -> Settings:
    """Build settings; turn pydantic's errors into one ConfigError written for people."""
    try:
        return build()
    except ValidationError as err:
        # `from None`: the ValidationError holds the raw inputs, secrets among them
        raise ConfigError([_explain(error) for error in err.errors()]) from None
    except SettingsError as err:  # `.env` unreadable; pydantic-settings' message names no value
        raise ConfigError([f"The settings could not be read: {err}."]) from None


def _explain(error: ErrorDetails) -> str:
    """One problem as a sentence naming the variable, what was wrong and what is accepted."""
    name = str(error["loc"][0]) if error["loc"] else ""
    variable = name.upper()
    kind = error["type"]
    if kind == _PROBLEM:
        return error["msg"]
    refused = refusal_in(error)
    if refused is not None:
        # bot.money's refusal is data; its words (the value quoted, an example) are formatting's, imported
        # here, in the one place they are needed: formatting's package pulls in much of the bot (and Slack's
        # SDK), more than reading the settings should load.
        from formatting.amounts import amount_problem

        return f"{variable}: {amount_problem(refused)}"
    if kind in _NOT_A_NUMBER:
        return f"{variable}={error['input']!r} is not a number. {_expected(name)}"
    if kind in _OUT_OF_RANGE:
        return f"{variable}={error['input']} is out of range. {_expected(name)}"
    # anything else: the value is not echoed (it may be a secret)
    return f"{variable} is not valid ({error['msg'].rstrip('.').lower()}). {_expected(name)}"


def _problem(sentence: str) -> PydanticCustomError:
    return PydanticCustomError(_PROBLEM, sentence)


def _field(info: ValidationInfo) -> str:
    if info.field_name is None:  # only model validators lack one
        raise TypeError("a field validator was called without a field")
    return info.field_name


def _describe(name: str) -> str:
    field = Settings.model_fields.get(name)
    return field.description or name if field else name


def _expected(name: str) -> str:
    field = Settings.model_fields.get(name)
    if field is None:
        return "See .env.example."
    example = f", e.g. {field.examples[0]}" if field.examples else ""
    return f"Expected {field.description}{example}."
