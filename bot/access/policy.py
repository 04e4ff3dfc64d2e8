"""The access policy: permissions, roles, and the TOML file that says who holds each role.

Permissions and roles are fixed in code; the file only names the holders:
- viewer: view (every read command).
- requester: view, request_topup.
- finance: view, approve_topup (approve or deny a top-up), change_autorecharge.
- admin: every permission, including admin (the bot's own administration: audit trail, policy).
A role list names Slack users (U..., W...), user groups (S...), or "*" for everyone in the workspace; "*"
is refused for finance and admin (it would let anyone move money or change the bot).

The file is validated by pydantic models (`PolicyFile` and one model a table) with `extra="forbid"`:
unknown keys are errors (a typo must not silently drop a rule); when anyone can request top-ups,
`channels.approvals`, `limits.max_topup` and `limits.daily_topup` are required; amounts are
`bot.money.Amount` (a TOML string like "500.00" or "1,500.00", or a number); `daily_topup` must be at
least `max_topup`; `approval_ttl_hours` is a whole number from 1 to 168 (default 24);
`max_pending_per_requester` a whole number from 1 to 50 (default 3): how many requests one person may
have waiting at once. Every problem is reported at once, each naming its field, in words written here
(never pydantic's own).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.errors import ConfigError
from bot.money import Amount, refusal_in


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

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
MAX_TTL_HOURS = 168
DEFAULT_MAX_PENDING, MAX_PENDING = 3, 50
_TOPUPS = "topups"  # validation context: True when anyone may request a top-up


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
    try:
        # the context tells the channel and limit tables whether their top-up fields are required
        table = PolicyFile.model_validate(data, context={_TOPUPS: _anyone_may_request(data)})
    except ValidationError as err:
        raise PolicyError([f"{source}: {_explain(error)}" for error in err.errors()]) from None
    return table.policy()


def _member_problem(member: Any, role: str) -> str | None:
    """Why `member` cannot hold `role`, or None when it can."""
    if member == EVERYONE:
        if role in _NO_EVERYONE:
            return f'"*" (everyone) is not allowed for {role}; list users or groups.'
        return None
    if isinstance(member, str) and (USER_ID.match(member) or GROUP_ID.match(member)):
        return None
    return f'{member!r} is not a Slack user id (U..., W...), group id (S...) or "*".'


def _anyone_may_request(data: Any) -> bool:
    """Whether a valid entry gives someone request_topup; invalid entries are reported, not counted."""
    roles = data.get("roles") if isinstance(data, dict) else None
    if not isinstance(roles, dict):
        return False
    return any(
        isinstance(members, list) and any(_member_problem(member, role) is None for member in members)
        for role, members in roles.items()
        if Permission.REQUEST_TOPUP in ROLE_PERMISSIONS.get(role, frozenset())
    )


def _problem(sentence: str) -> PydanticCustomError:
    """A refusal whose message is already written for people (the field is prefixed when shown)."""
    return PydanticCustomError("policy", sentence)


def _field(info: ValidationInfo) -> str:
    if info.field_name is None:  # only model validators lack one
        raise TypeError("a field validator was called without a field")
    return info.field_name


def _topups_allowed(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(_TOPUPS))


def _member(value: Any, info: ValidationInfo) -> Any:
    """One entry of a role list: a Slack user or group id, or "*" where the role allows it."""
    problem = _member_problem(value, _field(info))
    if problem:
        raise _problem(problem)
    return value


Member = Annotated[str, BeforeValidator(_member)]
WholeHours = Annotated[int, Field(strict=True, ge=1, le=MAX_TTL_HOURS)]
PendingCap = Annotated[int, Field(strict=True, ge=1, le=MAX_PENDING)]


class _Table(BaseModel):
    """A table of the policy file: unknown keys are refused, values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RolesTable(_Table):
    """[roles]: who holds each role; a role left out is held by nobody."""

    viewer: tuple[Member, ...] = ()
    requester: tuple[Member, ...] = ()
    finance: tuple[Member, ...] = ()
    admin: tuple[Member, ...] = ()


class ChannelsTable(_Table):
    """[channels]: where approval cards and the audit trail go."""

    approvals: str | None = Field(None, validate_default=True)
    audit: str | None = None

    @field_validator("approvals", "audit", mode="before")
    @classmethod
    def _channel_id(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            if info.field_name == "approvals" and _topups_allowed(info):
                raise _problem("missing; top-ups need a channel id for approval cards (C...).")
            return None
        if not isinstance(value, str) or not CHANNEL_ID.match(value):
            raise _problem(f"{value!r} is not a Slack channel id (C... or G...).")
        return value


class LimitsTable(_Table):
    """[limits]: how much one top-up and one rolling day may move, and how long a request may wait."""

    max_topup: Amount | None = Field(None, validate_default=True)
    daily_topup: Amount | None = Field(None, validate_default=True)
    approval_ttl_hours: WholeHours = 24
    max_pending_per_requester: PendingCap = DEFAULT_MAX_PENDING

    @field_validator("max_topup", "daily_topup", mode="before")
    @classmethod
    def _written_amount(cls, value: Any, info: ValidationInfo) -> Any:
        key = _field(info)
        if value is None:
            if _topups_allowed(info):
                raise _problem(f'missing; top-ups need it, e.g. {key} = "500.00".')
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise _problem(f'{value!r} is not an amount; write it like {key} = "500.00".')
        return value

    @field_validator("daily_topup")
    @classmethod
    def _covers_max_topup(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        most = info.data.get("max_topup")  # absent when max_topup itself was refused
        if value is not None and most is not None and value < most:
            raise _problem(
                f"{value} is below limits.max_topup ({most}); a top-up at the maximum could never be approved."
            )
        return value


class PolicyFile(_Table):
    """The whole TOML file, as written."""

    roles: RolesTable
    channels: ChannelsTable
    limits: LimitsTable

    @model_validator(mode="before")
    @classmethod
    def _absent_tables_are_empty(cls, data: Any) -> Any:
        # an absent [limits] must still say which limits top-ups need, so it is validated as empty
        if isinstance(data, dict):
            return {"roles": {}, "channels": {}, "limits": {}, **data}
        return data

    def policy(self) -> Policy:
        """The policy the bot runs with."""
        return Policy(
            roles=dict(self.roles),
            approvals_channel=self.channels.approvals,
            audit_channel=self.channels.audit,
            max_topup=self.limits.max_topup or Decimal("0"),
            daily_topup=self.limits.daily_topup or Decimal("0"),
            approval_ttl=timedelta(hours=self.limits.approval_ttl_hours),
            configured=True,
            max_pending_per_requester=self.limits.max_pending_per_requester,
        )


# where an unknown key was found -> the keys that table accepts
_KEYS: dict[tuple[int | str, ...], tuple[str, ...]] = {
    (): tuple(PolicyFile.model_fields),
    ("roles",): tuple(RolesTable.model_fields),
    ("channels",): tuple(ChannelsTable.model_fields),
    ("limits",): tuple(LimitsTable.model_fields),
}
# pydantic's refusals of a field, said for people: the value read is put in front
_WHOLE_NUMBERS = {
    ("limits", "approval_ttl_hours"): f"is not a whole number of hours from 1 to {MAX_TTL_HOURS}.",
    ("limits", "max_pending_per_requester"): (
        f"is not a whole number from 1 to {MAX_PENDING} "
        f"(how many requests one person may have waiting; default {DEFAULT_MAX_PENDING})."
    ),
}


def _explain(error: ErrorDetails) -> str:
    """One problem as `field: what was wrong and what is accepted`."""
    loc = error["loc"]
    where = _path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key; expected one of {', '.join(_KEYS.get(loc[:-1], ()))}."
    if kind in ("model_type", "dict_type"):
        name = where or "the policy"
        return f"{name}: must be a table ([{name}]), not a {type(error['input']).__name__}."
    if kind in ("tuple_type", "list_type") and loc[:1] == ("roles",):
        return f'{where}: must be a list of Slack ids, e.g. ["U0123ABCD", "S0123ABCD"].'
    if loc in _WHOLE_NUMBERS:
        return f"{where}: {error['input']!r} {_WHOLE_NUMBERS[loc]}"
    refused = refusal_in(error)
    if refused is not None:
        # bot.money's refusal is data; its words are formatting's, imported here and not at the top:
        # formatting's package imports bot.access (through the top-up flow's words), this module among it.
        from formatting.amounts import amount_problem

        return f"{where}: {amount_problem(refused)}"
    return f"{where}: {error['msg']}"  # our own sentences: already written for people


def _path(loc: tuple[int | str, ...]) -> str:
    """("roles", "finance", 1) -> "roles.finance[1]"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path
