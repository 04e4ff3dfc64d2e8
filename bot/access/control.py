"""Access checks at the moment of each action, with user-group membership looked up in Slack.

Roles add up: a user holds every role that lists them directly, through "*", or through a user group
they belong to. With no policy file, everyone may view and nobody may change anything, and the decision
says a policy must be configured. Four eyes (nobody approves their own top-up) is `bot.approvals`' job.

Group membership comes from a resolver (`slack_group_members` calls `usergroups.users.list`), cached for
`group_ttl` seconds with one lookup in flight per group. Decisions that move money (approve, deny, closing
an unknown outcome, saving auto-recharge) pass `fresh=True`: membership is looked up live, so someone
just removed from the finance group cannot act on the cached answer. A failing lookup fails closed: the permission is
denied with a reason saying membership could not be checked, unless another rule already allows it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.policy import EVERYONE, GROUP_ID, PERMISSION_TEXT, ROLE_PERMISSIONS, ROLES, Permission, Policy

logger = logging.getLogger(__name__)

GroupMembers = Callable[[str], Awaitable[set[str]]]


class GroupLookupError(Exception):
    """A user group's members could not be listed; the message is safe to show."""


@dataclass(frozen=True)
class RoleMatch:
    """A role a user holds and the policy entry that gives it ("*", their user id, or a group id)."""

    role: str
    via: str

    def describe(self) -> str:
        """E.g. 'role finance via group S0FINANCE'."""
        if self.via == EVERYONE:
            return f'role {self.role} via "*" (everyone)'
        if GROUP_ID.match(self.via):
            return f"role {self.role} via group {self.via}"
        return f"role {self.role} (listed as {self.via})"


@dataclass(frozen=True)
class Decision:
    """The answer to one check: `rule` says what decided, `reason` is the sentence for the user."""

    allowed: bool
    permission: Permission
    rule: str
    reason: str


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
        what = PERMISSION_TEXT[permission]
        if not self.policy.configured:
            if permission is Permission.VIEW:
                return Decision(
                    True, permission, "no policy configured: everyone may view", f"You may {what}."
                )
            return Decision(
                False,
                permission,
                "no policy configured: changes are disabled",
                f"You cannot {what}: no access policy is configured, so the bot is read-only. "
                "An admin must set ACCESS_POLICY to a policy file (see access.example.toml).",
            )
        granting = [role for role in ROLES if permission in ROLE_PERMISSIONS[role]]
        failed: dict[str, str] = {}
        for role in granting:
            match = await self._holds(role, user_id, failed, fresh=fresh)
            if match is not None:
                return Decision(True, permission, match.describe(), f"You may {what}.")
        if failed:
            groups = ", ".join(failed)
            return Decision(
                False,
                permission,
                f"group lookup failed: {groups}",
                f"You cannot {what} right now: the bot could not check your membership of user group "
                f"{groups} ({next(iter(failed.values()))}), so it refuses to be safe. Try again in a minute; "
                "if it keeps failing, ask an admin to check the bot's usergroups:read scope.",
            )
        return Decision(
            False,
            permission,
            f"no role grants {permission.value}",
            f"You cannot {what}: that needs the {' or '.join(granting)} role in the bot's access policy. "
            "Ask an admin.",
        )

    async def explain(self, user_id: str) -> list[Decision]:
        """One decision per permission, in a fixed order: the body of `/telnyx whoami`."""
        return [await self.check(user_id, permission) for permission in Permission]

    async def roles_of(self, user_id: str) -> list[RoleMatch]:
        """Every role the user holds and why (a group whose lookup fails gives nothing)."""
        matches = [await self._holds(role, user_id, {}) for role in ROLES]
        return [match for match in matches if match is not None]

    async def _holds(
        self, role: str, user_id: str, failed: dict[str, str], *, fresh: bool = False
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
                failed[group] = str(exc)
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
            raise GroupLookupError(f"lookup failed: {type(exc).__name__}") from None
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
            raise GroupLookupError(f"Slack answered {exc.response.get('error')!r}") from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise GroupLookupError(f"could not reach Slack: {type(exc).__name__}") from None
        return set(response.get("users") or [])

    return members
