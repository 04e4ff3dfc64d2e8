"""The access policy: permissions, roles, and the TOML file that says who holds each role.

Permissions and roles are fixed in code; the file only names the holders:
- viewer: view (every read command).
- requester: view, request_topup.
- finance: view, approve_topup (approve or deny a top-up), change_autorecharge.
- admin: every permission, including admin (the bot's own administration: audit trail, policy).
A role list names Slack users (U..., W...), user groups (S...), or "*" for everyone in the workspace; "*"
is refused for finance and admin (it would let anyone move money or change the bot).

Validation: unknown keys are errors (a typo must not silently drop a rule); when anyone can request
top-ups, `channels.approvals`, `limits.max_topup` and `limits.daily_topup` are required; amounts are
read by `bot.money.parse_amount` (a TOML string like "500.00" or "1,500.00", or a number);
`daily_topup` must be at least `max_topup`; `approval_ttl_hours` is a whole number from 1 to 168
(default 24); `max_pending_per_requester` a whole number from 1 to 50 (default 3): how many requests one
person may have waiting at once. Every problem is reported at once, each naming its field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.money import CENT as CENT  # re-exported: the top-up model imports the bounds from here
from bot.money import MAX_AMOUNT as MAX_AMOUNT
from bot.money import InvalidAmount, parse_amount


class Permission(StrEnum):
    """What a user may do; every command, button, shortcut and modal needs one."""

    VIEW = "view"
    REQUEST_TOPUP = "request_topup"
    APPROVE_TOPUP = "approve_topup"  # approve or deny
    CHANGE_AUTORECHARGE = "change_autorecharge"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "viewer": frozenset({Permission.VIEW}),
    "requester": frozenset({Permission.VIEW, Permission.REQUEST_TOPUP}),
    "finance": frozenset({Permission.VIEW, Permission.APPROVE_TOPUP, Permission.CHANGE_AUTORECHARGE}),
    "admin": frozenset(Permission),
}
ROLES = tuple(ROLE_PERMISSIONS)
EVERYONE = "*"
_NO_EVERYONE = ("finance", "admin")

PERMISSION_TEXT = {
    Permission.VIEW: "view the Telnyx account",
    Permission.REQUEST_TOPUP: "request top-ups",
    Permission.APPROVE_TOPUP: "approve or deny top-ups",
    Permission.CHANGE_AUTORECHARGE: "change auto-recharge",
    Permission.ADMIN: "administer the bot",
}

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
MAX_TTL_HOURS = 168
DEFAULT_MAX_PENDING, MAX_PENDING = 3, 50


class PolicyError(ConfigError):
    """The access policy file is unusable; `problems` names each bad field and how to fix it."""


@dataclass(frozen=True)
class Policy:
    """Who holds which role, where cards go, and the top-up limits."""

    roles: dict[str, tuple[str, ...]]
    approvals_channel: str | None
    audit_channel: str | None
    max_topup: Decimal
    daily_topup: Decimal
    approval_ttl: timedelta
    configured: bool
    max_pending_per_requester: int = DEFAULT_MAX_PENDING

    @classmethod
    def unconfigured(cls) -> Policy:
        """The policy without a file: everyone views, nobody changes anything."""
        return cls(
            roles={role: ((EVERYONE,) if role == "viewer" else ()) for role in ROLES},
            approvals_channel=None,
            audit_channel=None,
            max_topup=Decimal("0"),
            daily_topup=Decimal("0"),
            approval_ttl=timedelta(hours=24),
            configured=False,
        )


def load_policy(path: Path | None) -> Policy:
    """Read and validate the TOML policy; None gives the unconfigured policy. Raises PolicyError."""
    if path is None:
        return Policy.unconfigured()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError([f"{path}: no such access policy file."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{path}: cannot be read ({type(exc).__name__})."]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{path}: not valid TOML: {exc}."]) from None
    return parse_policy(data, source=str(path))


def parse_policy(data: dict[str, Any], *, source: str = "policy") -> Policy:
    """Validate an already parsed policy table; raise PolicyError listing every problem."""
    problems: list[str] = []
    _unknown(data, "", ("roles", "channels", "limits"), problems)
    roles_table = _table(data, "roles", problems)
    channels = _table(data, "channels", problems)
    limits = _table(data, "limits", problems)
    _unknown(roles_table, "roles.", ROLES, problems)
    _unknown(channels, "channels.", ("approvals", "audit"), problems)
    limit_keys = ("max_topup", "daily_topup", "approval_ttl_hours", "max_pending_per_requester")
    _unknown(limits, "limits.", limit_keys, problems)

    roles = {role: _members(roles_table.get(role, []), role, problems) for role in ROLES}
    can_request = any(roles[r] for r in ROLES if Permission.REQUEST_TOPUP in ROLE_PERMISSIONS[r])
    approvals = _channel(channels, "approvals", problems, required=can_request)
    audit = _channel(channels, "audit", problems, required=False)
    max_topup = _money(limits, "max_topup", problems, required=can_request)
    daily_topup = _money(limits, "daily_topup", problems, required=can_request)
    if max_topup is not None and daily_topup is not None and daily_topup < max_topup:
        problems.append(
            f"limits.daily_topup: {daily_topup} is below limits.max_topup ({max_topup}); "
            "a top-up at the maximum could never be approved."
        )
    ttl_hours = limits.get("approval_ttl_hours", 24)
    if isinstance(ttl_hours, bool) or not isinstance(ttl_hours, int) or not 1 <= ttl_hours <= MAX_TTL_HOURS:
        problems.append(
            f"limits.approval_ttl_hours: {ttl_hours!r} is not a whole number of hours from 1 to {MAX_TTL_HOURS}."
        )
        ttl_hours = 24
    max_pending = limits.get("max_pending_per_requester", DEFAULT_MAX_PENDING)
    if (
        isinstance(max_pending, bool)
        or not isinstance(max_pending, int)
        or not 1 <= max_pending <= MAX_PENDING
    ):
        problems.append(
            f"limits.max_pending_per_requester: {max_pending!r} is not a whole number from 1 to {MAX_PENDING} "
            f"(how many requests one person may have waiting; default {DEFAULT_MAX_PENDING})."
        )
        max_pending = DEFAULT_MAX_PENDING
    if problems:
        raise PolicyError([f"{source}: {p}" for p in problems])
    return Policy(
        roles=roles,
        approvals_channel=approvals,
        audit_channel=audit,
        max_topup=max_topup or Decimal("0"),
        daily_topup=daily_topup or Decimal("0"),
        approval_ttl=timedelta(hours=ttl_hours),
        configured=True,
        max_pending_per_requester=max_pending,
    )


def _table(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key}: must be a table ([{key}]), not a {type(value).__name__}.")
        return {}
    return value


def _unknown(table: dict[str, Any], prefix: str, known: tuple[str, ...], problems: list[str]) -> None:
    for key in table:
        if key not in known:
            problems.append(f"{prefix}{key}: unknown key; expected one of {', '.join(known)}.")


def _members(value: Any, role: str, problems: list[str]) -> tuple[str, ...]:
    field = f"roles.{role}"
    if not isinstance(value, list):
        problems.append(f'{field}: must be a list of Slack ids, e.g. ["U0123ABCD", "S0123ABCD"].')
        return ()
    members: list[str] = []
    for index, member in enumerate(value):
        where = f"{field}[{index}]"
        if member == EVERYONE and role in _NO_EVERYONE:
            problems.append(f'{where}: "*" (everyone) is not allowed for {role}; list users or groups.')
        elif member == EVERYONE or (
            isinstance(member, str) and (USER_ID.match(member) or GROUP_ID.match(member))
        ):
            members.append(member)
        else:
            problems.append(
                f'{where}: {member!r} is not a Slack user id (U..., W...), group id (S...) or "*".'
            )
    return tuple(members)


def _channel(table: dict[str, Any], key: str, problems: list[str], *, required: bool) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            problems.append(f"channels.{key}: missing; top-ups need a channel id for approval cards (C...).")
        return None
    if not isinstance(value, str) or not CHANNEL_ID.match(value):
        problems.append(f"channels.{key}: {value!r} is not a Slack channel id (C... or G...).")
        return None
    return value


def _money(table: dict[str, Any], key: str, problems: list[str], *, required: bool) -> Decimal | None:
    value = table.get(key)
    if value is None:
        if required:
            problems.append(f'limits.{key}: missing; top-ups need it, e.g. {key} = "500.00".')
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(f'limits.{key}: {value!r} is not an amount; write it like {key} = "500.00".')
        return None
    try:
        # str() of a float is its shortest repr: what the admin typed (5.5, not 5.4999...)
        return parse_amount(str(value) if isinstance(value, float) else value)
    except InvalidAmount as err:
        problems.append(f"limits.{key}: {err.user_message}")
        return None
