"""Slack at start-up: the bot token (`auth.test`) and, for Socket Mode, the app-level token
(`apps.connections.open`) are tried before the bot serves anything.

A token Slack refuses stops the start (`SlackRefused`: one line naming the setting, Slack's reason and where
to get a good token): retrying cannot fix it. Slack out of reach (connection refused, DNS, a timeout, a 5xx)
is an outage: `wait_for_slack` logs one line per attempt and tries again with backoff until Slack answers.
`telnyx-bot check` makes the same calls once. No token is ever part of a message.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import Settings

logger = logging.getLogger(__name__)

APPS_PAGE = "https://api.slack.com/apps > your app"
TIMEOUT_SECONDS = 10
MAX_BACKOFF_SECONDS = 30.0

# Where each setting comes from, said when Slack refuses it.
WHERE = {
    "SLACK_BOT_TOKEN": (
        f"{APPS_PAGE} > OAuth & Permissions > Bot User OAuth Token (xoxb-...; "
        "Install or Reinstall to Workspace there if it is missing)"
    ),
    "SLACK_APP_TOKEN": (
        f"{APPS_PAGE} > Basic Information > App-Level Tokens > Generate Token and Scopes "
        "(xapp-..., with the connections:write scope)"
    ),
}
# Slack's refusals of a token, in words; any other refusal is quoted as Slack's error code alone.
REASONS = {
    "invalid_auth": "the token is not valid (mistyped, cut short, or from another app or workspace)",
    "not_authed": "no token reached Slack",
    "account_inactive": "the token's user or workspace has been deactivated",
    "token_revoked": "the token was revoked (the app was uninstalled, or the token regenerated)",
    "token_expired": "the token expired (token rotation is on for the app)",
    "not_allowed_token_type": "this kind of token is not accepted here",
    "missing_scope": "the token lacks a scope it needs",
    "no_permission": "the token lacks a permission it needs",
}
# Slack's own trouble: it may pass, so it is retried like an outage.
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class Refusal:
    """What Slack said no to: the setting to fix, the method that refused it and Slack's error code."""

    setting: str
    method: str
    error: str

    @property
    def reason(self) -> str:
        if self.setting == "SLACK_API_URL":
            return "SLACK_API_URL does not answer like Slack's Web API"
        return REASONS.get(self.error, f"Slack's error code {self.error}")

    @property
    def fix(self) -> str:
        if self.setting == "SLACK_API_URL":
            return (
                "Set SLACK_API_URL to Slack's Web API, https://slack.com/api/ (GovSlack: "
                "https://slack-gov.com/api/), or unset it, and run again."
            )
        return f"Get a good one at {WHERE[self.setting]}, put it in {self.setting}, and run again."

    def line(self) -> str:
        """The one line that stops the start."""
        if self.setting == "SLACK_API_URL":
            return f"{self.reason} ({self.method}: {self.error}). {self.fix}"
        return f"Slack refused {self.setting} ({self.method}: {self.error}): {self.reason}. {self.fix}"


class SlackRefused(Exception):
    """Slack refused a token (or the API URL is not Slack's): retrying will not help."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.line())
        self.refusal = refusal


class SlackUnreachable(Exception):
    """Slack could not be asked, or answered that it is in trouble: worth trying again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# What an outage raises out of slack_sdk's aiohttp client (DNS and refused connections are OSErrors).
NETWORK_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, OSError, TimeoutError)


def outage_reason(err: BaseException) -> str:
    """A network failure in a few words, e.g. "connection refused"."""
    cause = err.os_error if isinstance(err, aiohttp.ClientConnectorError) else err
    if isinstance(cause, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
        return "connection refused"
    if isinstance(err, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return "the connection was closed before an answer"
    return type(err).__name__


def _client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    # no retry handlers: wait_for_slack is the one place that retries, and says so
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS, retry_handlers=[]
    )


async def _ask(setting: str, method: str, call: Awaitable[AsyncSlackResponse]) -> dict[str, Any]:
    """Await one Web API call; its data, or SlackRefused / SlackUnreachable."""
    try:
        response = await call
    except SlackApiError as err:
        answer = err.response
        status = int(getattr(answer, "status_code", getattr(answer, "status", 0)) or 0)
        data = getattr(answer, "data", None)
        error = data.get("error") if isinstance(data, dict) else None
        if status >= 500 or error in TRANSIENT:
            raise SlackUnreachable(f"Slack answered {error or f'HTTP {status}'}") from None
        if not error:  # not Slack's JSON: an HTML page or a 404 from some other server
            raise SlackRefused(Refusal("SLACK_API_URL", method, f"HTTP {status}")) from None
        raise SlackRefused(Refusal(setting, method, str(error))) from None
    except NETWORK_ERRORS as err:
        raise SlackUnreachable(outage_reason(err)) from None
    return dict(response.data) if isinstance(response.data, dict) else {}


async def check_bot_token(settings: Settings) -> dict[str, Any]:
    """auth.test with SLACK_BOT_TOKEN: who the bot is (team, user), or SlackRefused / SlackUnreachable."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return await _ask("SLACK_BOT_TOKEN", "auth.test", _client(settings, token).auth_test())


async def check_app_token(settings: Settings) -> None:
    """apps.connections.open with SLACK_APP_TOKEN, as Socket Mode's first step; SlackRefused / SlackUnreachable.

    The WebSocket URL it hands out is left unused (Slack lets it expire); Bolt asks for its own when it
    connects a moment later.
    """
    token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    call = _client(settings).apps_connections_open(app_token=token)
    await _ask("SLACK_APP_TOKEN", "apps.connections.open", call)


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt`: 1, 2, 4 ... up to MAX_BACKOFF_SECONDS."""
    return min(MAX_BACKOFF_SECONDS, 2.0 ** (attempt - 1))


async def wait_for_slack(settings: Settings, *, socket_mode: bool) -> dict[str, Any]:
    """Return auth.test's answer once Slack accepts the bot token (and the app-level token for Socket Mode).

    Raise SlackRefused when it refuses one; while Slack is out of reach, log one line and try again.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            auth = await check_bot_token(settings)
            if socket_mode:
                await check_app_token(settings)
            return auth
        except SlackUnreachable as err:
            delay = backoff(attempt)
            logger.warning(
                "Slack cannot be reached at %s (%s); trying again in %.0f s (attempt %d)",
                settings.slack_api_url,
                err.reason,
                delay,
                attempt,
            )
            await asyncio.sleep(delay)
