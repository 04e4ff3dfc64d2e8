"""The Home tab over HTTP: what each role sees (blocks valid, within 100), a person without a role, the
alert buttons clicked from Home, republishing after an alert fires or a decision (coalesced), the
`views.publish` hash: a stale publish refused and done again over the current view."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update

from bot import ids
from bot.digests.job import book_of
from bot.store import utcnow
from bot.store.tables import HomeViewerRow
from devkit.slackfake.records import visible_text
from tests.app.alerting import add_rule, set_available, tick
from tests.app.harness import TOKEN, Bot, running_bot, text_of
from tests.formatting.checks import check_limits

ALICE, VIEWER, REQUESTER, FIN, ADMIN = "U0ALICE", "U0VIEWER", "U0REQUEST", "U0FIN1", "U0ADMIN"
APPROVALS = "C0APPROVALS"


def fast(bot: Bot) -> None:
    """No pause between publishes of one Home (the coalescing test keeps it)."""
    assert bot.svc.home is not None
    bot.svc.home.min_gap = timedelta(0)


async def open_home(bot: Bot, user: str) -> dict[str, Any]:
    """`user` opens the Home tab; return the view published for them."""
    resp = await bot.requests.app_home_opened(user=user)
    assert resp.ok, resp.text
    await bot.idle()
    view = bot.slack.home_view(user)
    assert view is not None, "no Home was published"
    return view


def seen(view: dict[str, Any]) -> str:
    """Everything the Home shows, entities decoded as Slack shows them."""
    return html.unescape(visible_text(view["blocks"]))


def actions_in(view: dict[str, Any]) -> list[str]:
    """The action ids of every interactive element, top to bottom."""
    found = []
    for block in view["blocks"]:
        for element in block.get("elements") or []:
            if block["type"] == "actions":
                found.append(element["action_id"])
        if isinstance(block.get("accessory"), dict):
            found.append(block["accessory"]["action_id"])
    return found


def check_view(view: dict[str, Any]) -> None:
    """Valid for slack_sdk, and within Slack's limits (100 blocks, each block's own)."""
    kept = {k: view[k] for k in ("type", "blocks")}
    parsed = View(**kept)
    assert parsed.to_dict()["blocks"] == view["blocks"]
    assert 1 <= len(view["blocks"]) <= 100
    for block in view["blocks"]:
        check_limits(block)


async def test_a_viewer_sees_the_balance_runway_and_alerts_and_nothing_to_decide(bot):
    view = await open_home(bot, VIEWER)
    check_view(view)
    shown = seen(view)
    assert "Balance" in shown and "Available credit" in shown and "Runway:" in shown
    assert "Alerts:* none firing" in shown and "As of" in shown
    assert "top-up requests" not in shown and "waiting for approval" not in shown
    assert "Alert rules" not in shown
    assert actions_in(view) == [ids.ACTION_HOME_REFRESH]
    [call] = bot.slack.calls_to("views.publish")
    assert call.args["user_id"] == VIEWER


async def test_a_requester_sees_their_own_requests_with_their_states_and_can_ask_for_more(bot):
    await bot.command('topup 150 "launch week"', user=REQUESTER)
    bot.clock[0] += timedelta(minutes=5)
    await bot.command('topup 20.5 "tests"', user=REQUESTER)
    await bot.command('topup 75 "someone else"', user=ADMIN)
    view = await open_home(bot, REQUESTER)
    check_view(view)
    shown = seen(view)
    assert "Your top-up requests" in shown
    assert shown.count("Waiting for finance") == 2 and "$150.00" in shown and "$20.50" in shown
    assert "launch week" in shown and "someone else" not in shown  # only their own
    assert shown.index("$20.50") < shown.index("$150.00")  # newest first
    assert actions_in(view) == [ids.ACTION_HOME_REFRESH, ids.ACTION_REQUEST_TOPUP]
    assert "waiting for approval" not in shown and "Alert rules" not in shown


async def test_finance_sees_pending_approvals_with_the_cards_buttons_and_confirm(bot):
    await bot.command('topup 150 "launch week"', user=REQUESTER)
    view = await open_home(bot, FIN)
    check_view(view)
    shown = seen(view)
    assert "Top-ups waiting for approval:* 1" in shown and "*$150.00* for <@U0REQUEST>: launch week" in shown
    assert actions_in(view) == [ids.ACTION_HOME_REFRESH, ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]
    card = [m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral][-1]

    def approve(blocks: list[dict[str, Any]]) -> dict[str, Any]:
        return next(
            e
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == ids.ACTION_TOPUP_APPROVE
        )

    on_home, on_card = approve(view["blocks"]), approve(card.blocks)
    assert on_home["value"] == on_card["value"] and on_home["confirm"] == on_card["confirm"]
    assert "Your top-up requests" not in shown  # finance alone may not ask


async def test_an_approver_sees_their_own_pending_request_without_approve(bot):
    await bot.command('topup 40 "my own"', user=ADMIN)  # admins may request and approve, never their own
    view = await open_home(bot, ADMIN)
    shown = seen(view)
    assert "Your own request: another approver decides" in shown
    assert ids.ACTION_TOPUP_DENY in actions_in(view) and ids.ACTION_TOPUP_APPROVE not in actions_in(view)


async def test_an_admin_sees_the_rules_and_edits_one_from_home(bot):
    rule_id = await add_rule(bot, "low_credit", "100")
    view = await open_home(bot, ADMIN)
    check_view(view)
    shown = seen(view)
    assert "Alert rules:* 1" in shown and "available credit below $100.00" in shown
    assert ids.ACTION_ALERT_RULE_EDIT in actions_in(view)
    await bot.click(view, ids.ACTION_ALERT_RULE_EDIT, user=ADMIN)  # the rule list's own button and listener
    [modal] = bot.slack.view_stack(ADMIN)
    assert modal["callback_id"] == ids.VIEW_ALERT_RULE
    threshold = next(b for b in modal["blocks"] if b["block_id"] == ids.BLOCK_ALERT_THRESHOLD)
    assert threshold["element"]["initial_value"] == "100"
    # a viewer's Home has no Edit, and a forged click is refused by the same access check
    viewer_view = await open_home(bot, VIEWER)
    assert ids.ACTION_ALERT_RULE_EDIT not in actions_in(viewer_view)
    forged = await bot.requests.block_action(
        ids.ACTION_ALERT_RULE_EDIT, rule_id, user=VIEWER, view=viewer_view
    )
    assert forged.ok
    await bot.idle()
    assert bot.slack.view_stack(VIEWER) == []
    assert "You may not manage alert rules" in text_of(bot.slack.messages(VIEWER))  # by DM: no response_url


NO_VIEWERS = """
[roles]
viewer = ["U0VIEWER"]
requester = ["U0REQUEST"]
finance = ["U0FIN1"]
admin = ["U0ADMIN"]
[channels]
approvals = "C0APPROVALS"
[limits]
max_topup = "500.00"
daily_topup = "1000.00"
"""


async def test_someone_without_a_role_sees_why_and_their_whoami_and_nothing_else(tmp_path):
    async with running_bot(tmp_path, policy=NO_VIEWERS) as bot:
        view = await open_home(bot, ALICE)
        check_view(view)
        shown = seen(view)
        assert "gives you no role" in shown and "Your access" in shown and "none" in shown
        assert "view the Telnyx account*: no role grants view" in shown
        assert "Balance" not in shown and "Alerts" not in shown and actions_in(view) == []
        assert bot.sandbox.request_count("/v2/balance", "GET") == 0  # nothing of the account was read
        bot.slack.assert_no_errors()


async def test_the_messages_tab_publishes_nothing(bot):
    resp = await bot.requests.app_home_opened(user=VIEWER, tab="messages")
    assert resp.ok
    await bot.idle()
    assert bot.slack.home_view(VIEWER) is None and bot.slack.calls_to("views.publish") == []


def publishes(bot: Bot, user: str) -> list[Any]:
    """The successful views.publish calls for `user`, oldest first."""
    return [c for c in bot.slack.calls_to("views.publish") if c.ok and c.args["user_id"] == user]


async def test_an_alert_that_fires_is_republished_to_home_and_acted_on_from_there(bot):
    fast(bot)
    first = await open_home(bot, VIEWER)
    assert "none firing" in seen(first)
    rule_id = await add_rule(bot, "low_credit", "100")
    set_available(bot, "42")
    await tick(bot)  # fires: the alert is posted in its channel, and the viewer's Home follows
    view = bot.slack.home_view(VIEWER)
    assert view is not None and len(publishes(bot, VIEWER)) == 2
    check_view(view)
    shown = seen(view)
    assert "Alerts firing:* 1" in shown and "Available credit is $42.00" in shown and "Firing since" in shown
    # the alert message's own buttons; a viewer may not request a top-up, so that one is left out
    assert actions_in(view) == [ids.ACTION_HOME_REFRESH, ids.ACTION_ALERT_ACK, ids.ACTION_ALERT_SNOOZE]
    [alert] = await bot.svc.alerts.open_alerts()
    assert alert.rule_id == rule_id

    await bot.click(view, ids.ACTION_ALERT_ACK, user=VIEWER)  # from Home: no response_url
    assert "Acknowledged: no more reminders" in text_of(bot.slack.messages(VIEWER))  # answered by DM
    [acked] = await bot.svc.alerts.open_alerts()
    assert acked.acked_by == VIEWER
    assert "alerts.acknowledge" in [r.action for r in await bot.svc.audit.recent(5)]
    posted = bot.slack.message_with_ts(str(acked.message_ts))
    assert posted is not None and ids.ACTION_ALERT_ACK not in [e["action_id"] for _, e in posted.elements()]
    view = bot.slack.home_view(VIEWER)
    assert view is not None and "acknowledged by <@U0VIEWER>" in seen(view)
    assert ids.ACTION_ALERT_ACK not in actions_in(view)

    chosen = {"type": "static_select", "selected_option": {"value": f"{acked.id}:3600"}}
    resp = await bot.requests.block_action(
        ids.ACTION_ALERT_SNOOZE, None, user=VIEWER, view=view, action=chosen
    )
    assert resp.ok
    await bot.idle()
    assert "Snoozed until" in text_of(bot.slack.messages(VIEWER))
    view = bot.slack.home_view(VIEWER)
    assert view is not None and "snoozed by <@U0VIEWER> until" in seen(view)

    set_available(bot, "900")
    await tick(bot)  # clears: gone from Home
    view = bot.slack.home_view(VIEWER)
    assert view is not None and "none firing" in seen(view)


async def test_homes_that_do_not_show_a_change_are_left_alone(bot):
    fast(bot)
    await open_home(bot, VIEWER)
    await open_home(bot, FIN)
    await bot.command('topup 150 "launch week"', user=REQUESTER)  # finance's list changes, not the viewer's
    assert len(publishes(bot, FIN)) == 2 and "waiting for approval:* 1" in seen(
        bot.slack.home_view(FIN) or {}
    )
    assert len(publishes(bot, VIEWER)) == 1
    assert publishes(bot, REQUESTER) == []  # never opened Home: nothing published for them


async def test_a_home_not_opened_for_30_days_is_no_longer_followed_until_it_is_opened_again(bot):
    fast(bot)
    await open_home(bot, FIN)
    await open_home(bot, ADMIN)
    now = utcnow()
    async with bot.svc.store.transaction() as session:  # FIN last looked 31 days ago, ADMIN 29
        for user, days in ((FIN, 31), (ADMIN, 29)):
            await session.execute(
                update(HomeViewerRow)
                .where(HomeViewerRow.user_id == user)
                .values(opened_at=now - timedelta(days))
            )
    await bot.svc.sweep_once()
    await bot.command('topup 150 "launch week"', user=REQUESTER)  # both would see the new request
    assert len(publishes(bot, FIN)) == 1 and len(publishes(bot, ADMIN)) == 2
    await open_home(bot, FIN)  # back: published fresh, and followed again
    await bot.command('topup 151 "launch week"', user=REQUESTER)
    assert len(publishes(bot, FIN)) == 3


async def test_refresh_reads_the_balance_again_and_publishes(bot):
    fast(bot)
    view = await open_home(bot, VIEWER)
    reads = bot.sandbox.request_count("/v2/balance", "GET")
    set_available(bot, "321")
    await bot.click(view, ids.ACTION_HOME_REFRESH, user=VIEWER)
    assert bot.sandbox.request_count("/v2/balance", "GET") == reads + 1
    assert len(publishes(bot, VIEWER)) == 2 and "$321.00" in seen(bot.slack.home_view(VIEWER) or {})


async def test_a_publish_over_a_changed_view_is_refused_and_done_again_over_the_current_one(tmp_path):
    async with running_bot(tmp_path) as bot:
        fast(bot)
        view = await open_home(bot, FIN)
        book = bot.svc.home
        assert book is not None
        stored = await book.viewer(FIN)
        assert stored is not None and stored.view_hash == view["hash"]  # Slack's hash of what we published
        # someone else (another instance, an older deployment) publishes over it: our hash is stale now
        other = AsyncWebClient(token=TOKEN, base_url=bot.slack.api_url)
        old = {"type": "section", "text": {"type": "mrkdwn", "text": "old"}}
        elsewhere = await other.views_publish(user_id=FIN, view={"type": "home", "blocks": [old]})
        await bot.command('topup 150 "launch week"', user=REQUESTER)  # FIN's Home must follow
        calls = [c for c in bot.slack.calls_to("views.publish") if c.args["user_id"] == FIN]
        refused, redone = calls[-2], calls[-1]
        assert (refused.ok, refused.error, refused.args["hash"]) == (False, "hash_conflict", view["hash"])
        assert redone.ok and "hash" not in redone.args  # no newer hash known: the fresh render wins
        shown = seen(bot.slack.home_view(FIN) or {})
        assert "waiting for approval:* 1" in shown and "old" not in shown.split("\n")
        latest = await book.viewer(FIN)
        assert latest is not None and latest.view_hash == (bot.slack.home_view(FIN) or {})["hash"]
        assert elsewhere["view"]["hash"] != latest.view_hash

        # Slack sends the event of opening Home with the view shown then; before it arrives, another
        # instance publishes over that view and stores the new hash: the retry passes the newer hash
        event = bot.requests.build.app_home_opened(user=FIN)
        assert event["view"]["hash"] == latest.view_hash
        again = await other.views_publish(user_id=FIN, view={"type": "home", "blocks": [old]})
        await book.published(FIN, again["view"]["hash"], latest.shows)
        resp = await bot.requests.post_event(bot.requests.build.event_callback(event))
        assert resp.ok
        await bot.idle()
        calls = [c for c in bot.slack.calls_to("views.publish") if c.args["user_id"] == FIN]
        refused, redone = calls[-2], calls[-1]
        assert (refused.error, refused.args["hash"]) == ("hash_conflict", latest.view_hash)
        assert redone.ok and redone.args["hash"] == again["view"]["hash"]
        assert "waiting for approval:* 1" in seen(bot.slack.home_view(FIN) or {})
        refused_calls = [c for c in bot.slack.calls if not c.ok]
        assert [c.error for c in refused_calls] == ["hash_conflict"] * 2  # nothing else was refused


async def test_a_burst_of_changes_publishes_a_home_once_per_pause(bot):
    book = bot.svc.home
    assert book is not None
    book.min_gap = timedelta(seconds=2)
    await open_home(bot, FIN)
    await bot.requests.app_home_opened(user=FIN)  # opened again at once: the view shown is the fresh one
    await bot.idle()
    assert len(publishes(bot, FIN)) == 1
    for who, amount in ((REQUESTER, "10"), (ADMIN, "20"), (REQUESTER, "30")):
        await bot.command(f'topup {amount} "burst"', user=who)
    # the three changes wait for the pause after the opening's publish, then go out as one
    await bot.slack.wait_for(
        "views.publish",
        predicate=lambda c: (
            c.ok and c.args["user_id"] == FIN and "approval:* 3" in visible_text(c.args["view"]["blocks"])
        ),
        timeout=10,
    )
    await bot.idle()
    assert (await bot.svc.outbox.backlog())[0] == 0  # nothing left to publish: the three went out as one
    done = publishes(bot, FIN)
    assert 2 <= len(done) < 4, [c.time for c in done]  # fewer publishes than changes
    gaps = [(b.time - a.time).total_seconds() for a, b in zip(done, done[1:], strict=False)]
    assert all(gap >= 1.9 for gap in gaps), gaps


async def test_a_rate_limited_publish_waits_for_retry_after(bot):
    fast(bot)
    await open_home(bot, FIN)
    bot.slack.fail_next("views.publish", "ratelimited", retry_after=1)
    await bot.command('topup 150 "launch week"', user=REQUESTER)
    [refused] = [c for c in bot.slack.calls_to("views.publish") if not c.ok]
    await bot.slack.wait_for("views.publish", count=2, predicate=lambda c: c.ok, timeout=10)
    retried = publishes(bot, FIN)[-1]
    assert refused.status == 429 and (retried.time - refused.time).total_seconds() >= 0.9
    assert "waiting for approval:* 1" in seen(bot.slack.home_view(FIN) or {})


async def test_an_admin_sees_the_digests_on_home_and_turns_one_off_there(bot):
    fast(bot)
    answer = text_of(await bot.command("digest daily 09:00 Europe/Berlin <#C0GENERAL|general>", user=ADMIN))
    assert "digest" in answer.lower()
    [sub] = await book_of(bot.svc).subscriptions()
    view = await open_home(bot, ADMIN)
    check_view(view)
    assert "Digests:* 1" in seen(view) and "Daily at 09:00 (Europe/Berlin)" in seen(view)
    assert ids.ACTION_DIGEST_OFF in actions_in(view)
    assert "Digests" not in seen(await open_home(bot, VIEWER))  # admins only
    forged = await bot.requests.click(view, ids.ACTION_DIGEST_OFF, user=VIEWER)
    assert forged.ok
    await bot.idle()
    assert [s.id for s in await book_of(bot.svc).subscriptions()] == [sub.id]  # refused: still there
    resp = await bot.requests.click(view, ids.ACTION_DIGEST_OFF, user=ADMIN)
    assert resp.ok
    await bot.idle()
    assert await book_of(bot.svc).subscriptions() == []
    republished = bot.slack.home_view(ADMIN)
    assert republished is not None and "Digests:* none" in seen(republished)
    assert "digests.remove" in [r.action for r in await bot.svc.audit.recent(5)]
