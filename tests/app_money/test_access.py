"""Access over HTTP: every permission against every role (listed and through a user group), whoami for each
preset user, the bot without a policy (read-only, saying why), and a bad policy file stopping the start."""

from __future__ import annotations

import pytest

from bot import ids
from bot.access import PolicyError
from tests.app.harness import POLICY, Bot, running_bot, text_of
from tests.app_money.helpers import APPROVALS, GENERAL, audit_posts, card, payments, request_topup

MATRIX_POLICY = """
[roles]
viewer = ["U0VIEWER", "S0VIEWERS"]
requester = ["U0REQUEST", "S0REQUESTERS"]
finance = ["U0FIN1", "S0FINANCE"]
admin = ["U0ADMIN", "S0ADMINS"]
[channels]
approvals = "C0APPROVALS"
audit = "C0AUDIT"
[limits]
max_topup = "500.00"
daily_topup = "1000.00"
"""
GROUPS = {
    "S0VIEWERS": ["U0GVIEW"],
    "S0REQUESTERS": ["U0GREQ"],
    "S0FINANCE": ["U0FIN2"],
    "S0ADMINS": ["U0GADMIN"],
}
ALL = {"view", "request_topup", "approve_topup", "change_autorecharge", "admin"}
ROLE = {  # what the issue grants each role, written out here rather than read from the code under test
    None: set(),
    "viewer": {"view"},
    "requester": {"view", "request_topup"},
    "finance": {"view", "approve_topup", "change_autorecharge"},
    "admin": ALL,
}
USERS = {  # user -> (role, how they hold it)
    "U0NOBODY": (None, ""),
    "U0VIEWER": ("viewer", "listed"),
    "U0GVIEW": ("viewer", "group"),
    "U0REQUEST": ("requester", "listed"),
    "U0GREQ": ("requester", "group"),
    "U0FIN1": ("finance", "listed"),
    "U0FIN2": ("finance", "group"),
    "U0ADMIN": ("admin", "listed"),
    "U0GADMIN": ("admin", "group"),
}


async def may_view(bot: Bot, user: str) -> bool:
    text = text_of(await bot.command("balance", user=user))
    return "Telnyx account balance" in text


async def may_request(bot: Bot, user: str) -> bool:
    before = len(bot.slack.messages(APPROVALS))
    await bot.command("topup 1", user=user)
    return len(bot.slack.messages(APPROVALS)) > before


async def may_approve(bot: Bot, user: str) -> bool:
    posted = await request_topup(bot, "1", user="U0GREQ" if user == "U0REQUEST" else "U0REQUEST")
    before = payments(bot)
    await bot.click(posted, ids.ACTION_TOPUP_APPROVE, user=user, channel=APPROVALS)
    return payments(bot) > before


async def may_change_autorecharge(bot: Bot, user: str) -> bool:
    # the Edit button is only shown to those allowed: send the click anyway, as a forged request would
    await bot.requests.block_action(ids.ACTION_AUTORECHARGE_EDIT, "edit", user=user, channel=GENERAL)
    await bot.idle()
    return any(v["callback_id"] == ids.VIEW_AUTORECHARGE for v in bot.slack.view_stack(user))


async def may_administer(bot: Bot, user: str) -> bool:
    return "The bot's audit trail" in text_of(await bot.command("trail", user=user))


CHECKS = {
    "view": may_view,
    "request_topup": may_request,
    "approve_topup": may_approve,
    "change_autorecharge": may_change_autorecharge,
    "admin": may_administer,
}


@pytest.mark.parametrize("user", list(USERS))
async def test_role_matrix_every_permission_for_every_role(tmp_path, user):
    role, _ = USERS[user]
    async with running_bot(tmp_path, policy=MATRIX_POLICY) as bot:
        for group, members in GROUPS.items():
            bot.slack.set_usergroup(group, members)
        for permission, check in CHECKS.items():
            denials = audit_posts(bot).count(f"was refused *{permission}* on")
            allowed = await check(bot, user)
            assert allowed is (permission in ROLE[role]), f"{user} ({role}) {permission}"
            if not allowed:  # the reason went to the user alone, and the denial was recorded
                assert "You may not" in text_of(
                    bot.slack.messages(GENERAL, user)[-1:] + bot.slack.messages(APPROVALS, user)[-1:]
                )
                assert audit_posts(bot).count(f"was refused *{permission}* on") == denials + 1, permission
        bot.slack.assert_no_errors()


WHOAMI = {
    "U0ALICE": ['role viewer via "*" (everyone)'],
    "U0REQUEST": ['role viewer via "*" (everyone)', "role requester (listed as U0REQUEST)"],
    "U0FIN1": ['role viewer via "*" (everyone)', "role finance (listed as U0FIN1)"],
    "U0FIN2": ['role viewer via "*" (everyone)', "role finance via group S0FINANCE"],
    "U0ADMIN": ['role viewer via "*" (everyone)', "role admin (listed as U0ADMIN)"],
}
WHOAMI_RULES = {
    "U0ALICE": {
        "view the Telnyx account": 'role viewer via "*" (everyone)',
        "request top-ups": "no role grants request_topup",
        "administer the bot": "no role grants admin",
    },
    "U0REQUEST": {
        "request top-ups": "role requester (listed as U0REQUEST)",
        "approve or deny top-ups": "no role grants approve_topup",
    },
    "U0FIN1": {
        "approve or deny top-ups": "role finance (listed as U0FIN1)",
        "change auto-recharge": "role finance (listed as U0FIN1)",
        "request top-ups": "no role grants request_topup",
    },
    "U0FIN2": {
        "approve or deny top-ups": "role finance via group S0FINANCE",
        "change auto-recharge": "role finance via group S0FINANCE",
        "administer the bot": "no role grants admin",
    },
    "U0ADMIN": {
        "request top-ups": "role admin (listed as U0ADMIN)",
        "approve or deny top-ups": "role admin (listed as U0ADMIN)",
        "administer the bot": "role admin (listed as U0ADMIN)",
    },
}


@pytest.mark.parametrize("user", list(WHOAMI))
async def test_whoami_shows_roles_and_for_each_permission_the_rule_that_decided(bot, user):
    [answer] = await bot.command("whoami", user=user)
    text = text_of([answer])
    assert answer.ephemeral_to == user
    for role in WHOAMI[user]:
        assert f"• {role}" in text, role
    assert text.count(":white_check_mark:") + text.count(":no_entry_sign:") == 5
    for permission, rule in WHOAMI_RULES[user].items():
        mark = ":no_entry_sign:" if rule.startswith("no role") else ":white_check_mark:"
        assert f"{mark} *{permission}*: {rule}" in text, permission
    assert "No access policy is configured" not in text


async def test_without_a_policy_everyone_views_and_nothing_changes(tmp_path):
    async with running_bot(tmp_path, policy=None) as bot:
        assert "Telnyx account balance" in text_of(await bot.command("balance", user="U0FIN1"))
        assert "no access policy is configured" in text_of(await bot.command("topup 100", user="U0REQUEST"))
        [balance] = await bot.command("balance", user="U0REQUEST")
        assert ids.ACTION_REQUEST_TOPUP not in str(balance.blocks)  # nobody may: no button
        await bot.requests.block_action(ids.ACTION_REQUEST_TOPUP, "topup", user="U0REQUEST", channel=GENERAL)
        await bot.idle()  # a forged click is refused all the same
        assert "no access policy is configured" in text_of(bot.slack.messages(GENERAL, "U0REQUEST")[-1:])
        [prefs] = await bot.command("autorecharge", user="U0ADMIN")
        assert ids.ACTION_AUTORECHARGE_EDIT not in str(
            prefs.blocks
        ) and "no access policy is configured" in text_of([prefs])
        await bot.requests.block_action(ids.ACTION_AUTORECHARGE_EDIT, "edit", user="U0ADMIN", channel=GENERAL)
        await bot.idle()
        assert "ACCESS_POLICY" in text_of(bot.slack.messages(GENERAL, "U0ADMIN")[-1:])
        whoami = text_of(await bot.command("whoami", user="U0ADMIN"))
        assert "No access policy is configured" in whoami and whoami.count(":no_entry_sign:") == 4
        # nothing changed anywhere: no card, no view, no write to Telnyx; the denials are in the trail
        assert bot.slack.messages(APPROVALS) == [] and bot.slack.calls_to("views.open") == []
        assert (
            bot.sandbox.request_count(method="POST") == 0 and bot.sandbox.request_count(method="PATCH") == 0
        )
        denied = [r.action for r in await bot.svc.audit.recent()]
        assert denied == ["denied: change_autorecharge", "denied: request_topup", "denied: request_topup"]
        bot.slack.assert_no_errors()  # nothing went to an audit channel: none is configured


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('max_topup = "500.00"', 'max_topup = "-5"'), "limits.max_topup"),
        (('finance = ["U0FIN1", "S0FINANCE"]', 'finance = ["*"]'), "roles.finance[0]"),
        (('approvals = "C0APPROVALS"', 'approvals = "approvals"'), "channels.approvals"),
        (("approval_ttl_hours = 24", "approval_ttl_hours = 24\nreminder = 2"), "limits.reminder"),
    ],
)
async def test_a_bad_policy_file_stops_the_start_naming_the_field(tmp_path, change, field):
    old, new = change
    assert old in POLICY
    with pytest.raises(PolicyError) as raised:
        async with running_bot(tmp_path, policy=POLICY.replace(old, new)):
            pytest.fail("the app started with a bad policy")
    assert any(field in problem for problem in raised.value.problems), raised.value.problems


async def test_admins_read_the_bots_own_audit_trail(bot):
    posted = await request_topup(bot)
    await bot.click(posted, ids.ACTION_TOPUP_APPROVE, user="U0ALICE", channel=APPROVALS)
    text = text_of(await bot.command("trail 5", user="U0ADMIN"))
    refused = "<@U0ALICE> was refused *approve_topup*"
    assert refused in text and "topup.request" in text
    assert text.index(refused) < text.index("topup.request")  # newest first
    assert "`lots` is not a number" in text_of(await bot.command("trail lots", user="U0ADMIN"))
    assert card(bot) is posted


async def test_someone_without_any_role_may_still_ask_whoami_but_not_view(tmp_path):
    from tests.app.harness import POLICY, running_bot, text_of

    policy = POLICY.replace('viewer = ["*"]', 'viewer = ["U0VIEWER"]')
    async with running_bot(tmp_path, policy=policy) as bot:
        whoami = text_of(await bot.command("whoami", user="U0ALICE"))
        balance = text_of(await bot.command("balance", user="U0ALICE"))
        assert bot.sandbox.request_count("/v2/balance") == 0
    assert "You may not" not in whoami and "view the Telnyx account" in whoami
    assert "You may not" in balance
