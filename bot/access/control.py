"""Access checks at the moment of each action, with user-group membership looked up in Slack.

Roles add up: a user holds every role that lists them directly, through "*", or through a user group
they belong to. With no policy file, everyone may view and nobody may change anything, and the decision
says a policy must be configured. Four eyes (nobody approves their own top-up) is `bot.approvals`' job.

Group membership comes from a resolver (`slack_group_members` calls `usergroups.users.list`), cached for
`group_ttl` seconds with one lookup in flight per group. Decisions that move money (approve, deny, closing
an unknown outcome, saving auto-recharge) pass `fresh=True`: membership is looked up live, so someone
just removed from the finance group cannot act on the cached answer. A failing lookup fails closed: the permission is
denied with a reason saying membership could not be checked, unless another rule already allows it.

A `Decision` is data: the `Verdict`, the role that granted it, the roles that would, the lookups that
failed. formatting/access.py says it in words; `note()` keeps it in an audit record's detail.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.policy import EVERYONE, GROUP_ID, ROLE_PERMISSIONS, ROLES, Permission, Policy

logger = logging.getLogger(__name__)

GroupMembers = Callable[[str], Awaitable[set[str]]]


class Lookup(StrEnum):
    """Why a user group's members could not be listed."""

    SLACK_ERROR = "slack_error"  # Slack answered an error: `detail` is its code ("missing_scope")
    UNREACHABLE = "unreachable"  # Slack could not be reached: `detail` is the exception's type
    FAILED = "failed"  # anything else: `detail` is the exception's type


class GroupLookupError(Exception):
    """A user group's members could not be listed: why (`Lookup`) and the code or exception type."""

    def __init__(self, why: Lookup, detail: str) -> None:
        super().__init__(f"{why.value}: {detail}")
        self.why = why
        self.detail = detail


@dataclass(frozen=True)
class LookupFailure:
    """A group whose membership could not be checked while deciding."""

    group: str
    why: Lookup
    detail: str


@dataclass(frozen=True)
class RoleMatch:
    """A role a user holds and the policy entry that gives it ("*", their user id, or a group id)."""

    role: str
    via: str


class Verdict(StrEnum):
    """What decided a check."""

    GRANTED = "granted"  # a role the user holds grants it: `match` says which, and through what entry
    OPEN_VIEW = "open_view"  # no policy is configured: everyone may view
    READ_ONLY = "read_only"  # no policy is configured: nobody may change anything
    LOOKUP_FAILED = "lookup_failed"  # a group that might grant it could not be checked: refused to be safe
    NO_ROLE = "no_role"  # no role the user holds grants it: `roles` are the ones that would


@dataclass(frozen=True)
class Decision:
    """The answer to one check, as data (formatting/access.py words it)."""

    allowed: bool
    permission: Permission
    verdict: Verdict
    match: RoleMatch | None = None  # GRANTED
    roles: tuple[str, ...] = ()  # NO_ROLE, LOOKUP_FAILED: the roles that grant the permission
    failures: tuple[LookupFailure, ...] = ()  # LOOKUP_FAILED

    def note(self) -> str:
        """JSON for an audit record's detail (`from_note` reads it back)."""
        data: dict[str, Any] = {"decision": self.verdict.value, "permission": self.permission.value}
        if self.match is not None:
            data["match"] = [self.match.role, self.match.via]
        if self.roles:
            data["roles"] = list(self.roles)
        if self.failures:
            data["failures"] = [[f.group, f.why.value, f.detail] for f in self.failures]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_note(cls, text: str) -> Decision | None:
        """The decision an audit detail holds, or None when it holds something else (older records: words)."""
        try:
            data: dict[str, Any] = json.loads(text)
            verdict = Verdict(data["decision"])
            match = RoleMatch(*data["match"]) if "match" in data else None
            failures = tuple(LookupFailure(g, Lookup(w), d) for g, w, d in data.get("failures", ()))
            allowed = verdict in (Verdict.GRANTED, Verdict.OPEN_VIEW)
            roles = tuple(str(r) for r in data.get("roles", ()))
            return cls(allowed, Permission(data["permission"]), verdict, match, roles, failures)
        except (ValueError, TypeError, KeyError):
            return None


class AccessControl:
    """Checks users against a Policy, resolving user groups through `group_members` (cached)."""

    def __init__(
        self,
        policy: Policy,
        group_members: GroupMembers,
        *,
        group_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._group_members = group_members
        self._group_ttl = group_ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._inflight: dict[str, asyncio.Task[frozenset[str]]] = {}

    async def check(self, user_id: str, permission: Permission, *, fresh: bool = False) -> Decision:
        """Decide whether `user_id` holds `permission` right now (`fresh`: groups looked up live)."""
        permission = Permission(permission)
        if not self.policy.configured:
            if permission is Permission.VIEW:
                return Decision(True, permission, Verdict.OPEN_VIEW)
            return Decision(False, permission, Verdict.READ_ONLY)
        granting = tuple(role for role in ROLES if permission in ROLE_PERMISSIONS[role])
        failed: dict[str, LookupFailure] = {}
        for role in granting:
            match = await self._holds(role, user_id, failed, fresh=fresh)
            if match is not None:
                return Decision(True, permission, Verdict.GRANTED, match=match)
        if failed:
            return Decision(
                False, permission, Verdict.LOOKUP_FAILED, roles=granting, failures=tuple(failed.values())
            )
        return Decision(False, permission, Verdict.NO_ROLE, roles=granting)

    async def explain(self, user_id: str) -> list[Decision]:
        """One decision per permission, in a fixed order: the body of `/telnyx whoami`."""
        return [await self.check(user_id, permission) for permission in Permission]

    async def roles_of(self, user_id: str) -> list[RoleMatch]:
        """Every role the user holds and why (a group whose lookup fails gives nothing)."""
        matches = [await self._holds(role, user_id, {}) for role in ROLES]
        return [match for match in matches if match is not None]

    async def _holds(
        self, role: str, user_id: str, failed: dict[str, LookupFailure], *, fresh: bool = False
    ) -> RoleMatch | None:
        """Whether the user holds `role`: direct entries first, then groups; lookup failures go to `failed`."""
        members = self.policy.roles.get(role, ())
        for member in members:
            if member in (EVERYONE, user_id):
                return RoleMatch(role, member)
        for group in filter(GROUP_ID.match, members):
            try:
                inside = user_id in await (self._fetch(group) if fresh else self._members(group))
            except GroupLookupError as exc:
                failed[group] = LookupFailure(group, exc.why, exc.detail)
                continue
            if inside:
                return RoleMatch(role, group)
        return None

    async def _members(self, group: str) -> frozenset[str]:
        """The group's members from the cache, or from one lookup shared by every concurrent caller."""
        cached = self._cache.get(group)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        task = self._inflight.get(group)
        if task is None:
            task = asyncio.ensure_future(self._fetch(group))
            self._inflight[group] = task
            task.add_done_callback(lambda done: self._settle(group, done))
        # shield: one caller giving up (cancelled) must not cancel the lookup the others wait on
        return await asyncio.shield(task)

    async def _fetch(self, group: str) -> frozenset[str]:
        try:
            members = frozenset(await self._group_members(group))
        except GroupLookupError:
            raise
        except Exception as exc:
            logger.exception("user group lookup for %s failed", group)
            raise GroupLookupError(Lookup.FAILED, type(exc).__name__) from None
        self._cache[group] = (self._clock() + self._group_ttl, members)
        return members

    def _settle(self, group: str, task: asyncio.Task[frozenset[str]]) -> None:
        self._inflight.pop(group, None)
        if not task.cancelled():
            task.exception()  # mark it retrieved: every waiter may have been cancelled


def slack_group_members(client: AsyncWebClient) -> GroupMembers:
    """A resolver listing a user group's members with Slack's `usergroups.users.list`."""

    async def members(group_id: str) -> set[str]:
        try:
            response = await client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            raise GroupLookupError(Lookup.SLACK_ERROR, str(exc.response.get("error"))) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise GroupLookupError(Lookup.UNREACHABLE, type(exc).__name__) from None
        return set(response.get("users") or [])

    return members
