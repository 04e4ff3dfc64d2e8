"""Access checks: the role matrix (direct and through user groups), the unconfigured policy, group caching,
failing lookups (closed), whoami, and the Slack resolver over HTTP against the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import (
    AccessControl,
    Decision,
    GroupLookupError,
    Lookup,
    Permission,
    Policy,
    RoleMatch,
    Verdict,
    parse_policy,
    slack_group_members,
)
from devkit.slackfake import FakeSlack
from formatting.access import reason_text, role_text, rule_text
from tests.money.conftest import (
    ADMIN,
    FINANCE,
    GROUP_FINANCE,
    GROUP_REQUESTER,
    POLICY,
    REQUESTER,
    VIEWER,
    Groups,
)

P = Permission
ALL = set(Permission)
# Written out, not derived from ROLE_PERMISSIONS, so a change to the role table shows up here.
MATRIX = {
    # user: (the permissions they must have, the rule that grants approve_topup or the one that denies it)
    VIEWER: ({P.VIEW}, "no role grants approve_topup"),
    REQUESTER: ({P.VIEW, P.REQUEST_TOPUP}, "no role grants approve_topup"),
    GROUP_REQUESTER: ({P.VIEW, P.REQUEST_TOPUP}, "no role grants approve_topup"),
    FINANCE: ({P.VIEW, P.APPROVE_TOPUP, P.CHANGE_AUTORECHARGE}, "role finance (listed as U0FIN1)"),
    GROUP_FINANCE: ({P.VIEW, P.APPROVE_TOPUP, P.CHANGE_AUTORECHARGE}, "role finance via group S0FINANCE"),
    ADMIN: (ALL, "role admin (listed as U0ADMIN)"),
}


@pytest.mark.parametrize("user", list(MATRIX))
@pytest.mark.parametrize("permission", list(Permission))
async def test_role_matrix(access: AccessControl, user: str, permission: Permission) -> None:
    granted, _ = MATRIX[user]
    decision = await access.check(user, permission)
    assert decision.allowed is (permission in granted)
    assert decision.permission is permission
    if not decision.allowed:
        assert reason_text(decision).startswith("You cannot ")
        assert "role in the bot's access policy" in reason_text(decision)


@pytest.mark.parametrize("user", list(MATRIX))
async def test_the_rule_that_decided_is_named(access: AccessControl, user: str) -> None:
    _, rule = MATRIX[user]
    assert rule_text(await access.check(user, P.APPROVE_TOPUP)) == rule


async def test_view_through_everyone_and_through_a_group_only(groups: Groups) -> None:
    assert rule_text(await AccessControl(parse_policy(POLICY), groups).check(VIEWER, P.VIEW)) == (
        'role viewer via "*" (everyone)'
    )
    closed = parse_policy({"roles": {"viewer": ["S0STAFF"], "finance": [FINANCE]}})
    groups.members["S0STAFF"] = {"U0STAFF"}
    access = AccessControl(closed, groups)
    assert rule_text(await access.check("U0STAFF", P.VIEW)) == "role viewer via group S0STAFF"
    outsider = await access.check(VIEWER, P.VIEW)
    assert not outsider.allowed and rule_text(outsider) == "no role grants view"
    assert "viewer or requester or finance or admin role" in reason_text(outsider)


async def test_without_a_policy_everyone_views_and_nobody_changes_anything(groups: Groups) -> None:
    access = AccessControl(Policy.unconfigured(), groups)
    for user in (VIEWER, ADMIN):
        decisions = {d.permission: d for d in await access.explain(user)}
        assert decisions[P.VIEW].allowed
        for permission in ALL - {P.VIEW}:
            assert not decisions[permission].allowed
            assert rule_text(decisions[permission]) == "no policy configured: changes are disabled"
            assert "no access policy is configured" in reason_text(decisions[permission])
            assert "ACCESS_POLICY" in reason_text(decisions[permission])
    assert groups.lookups == []


async def test_whoami_lists_roles_and_every_permission(access: AccessControl) -> None:
    assert await access.roles_of(GROUP_FINANCE) == [
        RoleMatch("viewer", "*"),
        RoleMatch("finance", "S0FINANCE"),
    ]
    assert [role_text(m) for m in await access.roles_of(ADMIN)] == [
        'role viewer via "*" (everyone)',
        "role admin (listed as U0ADMIN)",
    ]
    explained = await access.explain(REQUESTER)
    assert [(d.permission, d.allowed) for d in explained] == [
        (P.VIEW, True),
        (P.REQUEST_TOPUP, True),
        (P.APPROVE_TOPUP, False),
        (P.CHANGE_AUTORECHARGE, False),
        (P.ADMIN, False),
    ]
    assert rule_text(explained[1]) == "role requester (listed as U0REQ)"


async def test_group_members_are_cached_for_the_ttl(policy: Policy, groups: Groups) -> None:
    now = [100.0]
    access = AccessControl(policy, groups, group_ttl=60, clock=lambda: now[0])
    assert (await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)).allowed
    assert (await access.check(GROUP_FINANCE, P.CHANGE_AUTORECHARGE)).allowed
    assert groups.lookups == ["S0FINANCE"]
    groups.members["S0FINANCE"] = set()  # removed from the group in Slack
    now[0] += 59
    assert (await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)).allowed
    now[0] += 2
    assert not (await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)).allowed
    assert groups.lookups == ["S0FINANCE", "S0FINANCE"]


async def test_concurrent_checks_share_one_lookup(policy: Policy) -> None:
    gate, looking_up = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def slow(group_id: str) -> set[str]:
        calls.append(group_id)
        looking_up.set()
        await gate.wait()
        return {GROUP_FINANCE}

    access = AccessControl(policy, slow)
    checks = [asyncio.create_task(access.check(GROUP_FINANCE, P.APPROVE_TOPUP)) for _ in range(10)]
    async with asyncio.timeout(5):
        await looking_up.wait()  # tasks run in creation order: every check has asked by now
    assert calls == ["S0FINANCE"] and not any(c.done() for c in checks)
    gate.set()
    assert all(d.allowed for d in await asyncio.gather(*checks))
    assert calls == ["S0FINANCE"]


@pytest.mark.parametrize(
    "error", [GroupLookupError(Lookup.SLACK_ERROR, "missing_scope"), RuntimeError("boom")]
)
async def test_a_failing_lookup_denies_with_a_clear_reason_and_is_not_cached(
    policy: Policy, error: Exception
) -> None:
    failures = [error]

    async def flaky(group_id: str) -> set[str]:
        if failures:
            raise failures.pop()
        return {GROUP_FINANCE}

    access = AccessControl(policy, flaky)
    decision = await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)
    assert not decision.allowed
    assert rule_text(decision) == "group lookup failed: S0FINANCE"
    assert "could not check your membership of user group S0FINANCE" in reason_text(decision)
    assert (await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)).allowed  # the next click looks again


async def test_a_failing_lookup_does_not_take_away_a_direct_grant(policy: Policy) -> None:
    async def broken(group_id: str) -> set[str]:
        raise GroupLookupError(Lookup.UNREACHABLE, "ClientConnectorError")

    access = AccessControl(policy, broken)
    assert (await access.check(FINANCE, P.APPROVE_TOPUP)).allowed
    assert not (await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)).allowed
    assert await access.roles_of(GROUP_FINANCE) == [RoleMatch("viewer", "*")]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token="xoxb-test") as fake:
        fake.set_usergroup("S0FINANCE", [GROUP_FINANCE, "U0OTHER"])
        yield fake


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    yield web
    if web.session is not None:
        await web.session.close()


async def test_group_membership_comes_from_slack_usergroups_users_list(
    policy: Policy, slack: FakeSlack, client: AsyncWebClient
) -> None:
    access = AccessControl(policy, slack_group_members(client))
    decision = await access.check(GROUP_FINANCE, P.APPROVE_TOPUP)
    assert decision.allowed and rule_text(decision) == "role finance via group S0FINANCE"
    stranger = await access.check("U0STRANGER", P.APPROVE_TOPUP)
    assert not stranger.allowed and rule_text(stranger) == "no role grants approve_topup"
    assert [c.args.get("usergroup") for c in slack.calls_to("usergroups.users.list")] == [
        "S0FINANCE"
    ]  # cached

    # S0REQUESTERS does not exist in this workspace: requesting is refused, not granted
    refused = await access.check(GROUP_REQUESTER, P.REQUEST_TOPUP)
    assert not refused.allowed and rule_text(refused) == "group lookup failed: S0REQUESTERS"
    assert "Slack answered 'no_such_subteam'" in reason_text(refused)


async def test_a_slack_error_fails_closed(policy: Policy, slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_next("usergroups.users.list", "missing_scope")
    decision = await AccessControl(policy, slack_group_members(client)).check(GROUP_FINANCE, P.APPROVE_TOPUP)
    assert not decision.allowed
    assert "Slack answered 'missing_scope'" in reason_text(decision)
    assert "usergroups:read" in reason_text(decision)


async def test_slack_unreachable_fails_closed(policy: Policy) -> None:
    async with FakeSlack() as gone:
        url = gone.api_url
    web = AsyncWebClient(token="xoxb-test", base_url=url, timeout=2, retry_handlers=[])  # no 1 s back-off
    try:
        decision = await AccessControl(policy, slack_group_members(web)).check(GROUP_FINANCE, P.APPROVE_TOPUP)
    finally:
        if web.session is not None:
            await web.session.close()
    assert not decision.allowed
    assert "could not reach Slack" in reason_text(decision)


async def test_a_decision_is_data_that_survives_the_audit_record(policy: Policy) -> None:
    """What an audit record keeps of a denial is the decision itself, told in the same words later."""

    async def refused(group_id: str) -> set[str]:
        raise GroupLookupError(Lookup.SLACK_ERROR, "missing_scope")

    cases = [(FINANCE, P.APPROVE_TOPUP), (GROUP_FINANCE, P.APPROVE_TOPUP), (VIEWER, P.ADMIN), (ADMIN, P.VIEW)]
    decisions = [await AccessControl(policy, refused).check(user, perm, fresh=True) for user, perm in cases]
    decisions += [await AccessControl(Policy.unconfigured(), refused).check(VIEWER, P.APPROVE_TOPUP)]
    assert {d.verdict for d in decisions} == set(Verdict) - {Verdict.OPEN_VIEW}
    for decision in decisions:
        again = Decision.from_note(decision.note())
        assert again == decision
        assert (reason_text(again), rule_text(again)) == (reason_text(decision), rule_text(decision))
    assert Decision.from_note("no role grants approve_topup") is None  # a record written before: words
