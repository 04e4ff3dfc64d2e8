"""Alerts over HTTP: rules managed in Slack (admins), each kind firing once in its channel, staying quiet,
re-notifying in the thread, resolving by updating its message; Acknowledge, Snooze, Request top-up; the
scheduler's place in /readyz and /metrics; `alerts check`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot import ids
from bot.alerts.book import State
from bot.store import BalanceSnapshotRow
from devkit.sandbox import Fault
from devkit.slackfake.values import text_input
from tests.app.alerting import (
    ADMIN,
    ALERTS,
    REQUESTER,
    TICK,
    VIEWER,
    actions_of,
    add_rule,
    form,
    open_form,
    posts,
    replies,
    set_available,
    tick,
)
from tests.app.harness import Bot, running_bot, text_of

# --- rules ---------------------------------------------------------------------------------------------


async def test_admins_add_edit_and_delete_rules_and_everyone_else_only_reads_them(bot):
    [empty] = await bot.command("alerts", user=VIEWER)
    assert "No alert rules yet" in text_of([empty]) and ids.ACTION_ALERT_RULE_ADD not in actions_of(empty)
    denied = text_of(await bot.command("alerts add", user=VIEWER))
    assert "manage alert rules" in denied and bot.slack.view_stack(VIEWER) == []

    rule_id = await add_rule(bot, "low_credit", "$1,500")
    answer = text_of(bot.slack.messages("C0GENERAL", ADMIN)[-1:])
    assert "Alert rule added: Low available credit, available credit below $1,500.00" in answer
    [listed] = await bot.command("alerts", user=ADMIN)
    assert "available credit below $1,500.00" in text_of([listed]) and f"<#{ALERTS}>" in text_of([listed])
    assert {ids.ACTION_ALERT_RULE_EDIT, ids.ACTION_ALERT_RULE_DELETE} <= set(actions_of(listed))
    [seen] = await bot.command("alerts", user=VIEWER)
    assert "$1,500.00" in text_of([seen]) and ids.ACTION_ALERT_RULE_EDIT not in actions_of(seen)

    await bot.click(listed, ids.ACTION_ALERT_RULE_EDIT, user=ADMIN)
    [modal] = bot.slack.view_stack(ADMIN)
    threshold = next(b for b in modal["blocks"] if b["block_id"] == ids.BLOCK_ALERT_THRESHOLD)
    assert threshold["element"]["initial_value"] == "$1,500"
    resp = await bot.requests.view_submission(modal, form("runway", "10", renotify="3600"), user=ADMIN)
    assert resp.ok
    await bot.idle()
    [rule] = await bot.svc.alerts.rules()
    assert (rule.id, rule.kind.value, rule.raw_threshold, rule.renotify) == (
        rule_id,
        "runway",
        "10",
        timedelta(hours=1),
    )

    denied = text_of(await bot.click(listed, ids.ACTION_ALERT_RULE_DELETE, user=VIEWER))
    assert "manage alert rules" in denied and len(await bot.svc.alerts.rules()) == 1
    gone = text_of(await bot.click(listed, ids.ACTION_ALERT_RULE_DELETE, user=ADMIN))
    assert "Alert rule deleted: Short runway" in gone and await bot.svc.alerts.rules() == []
    trail = [r.action for r in await bot.svc.audit.recent(10)]
    assert {"alerts.rule.add", "alerts.rule.edit", "alerts.rule.delete"} <= set(trail)


async def test_an_invalid_rule_is_refused_under_each_input_and_nothing_is_stored(bot):
    bot.slack.add_channel(ALERTS, name="alerts")
    modal = await open_form(bot)
    cases = [
        (form(None, "5"), {ids.BLOCK_ALERT_KIND: "Choose what the alert watches."}),
        (form("low_credit", "5,00"), {ids.BLOCK_ALERT_THRESHOLD: "use a dot for cents"}),
        (form("low_credit", ""), {ids.BLOCK_ALERT_THRESHOLD: "needs an amount in USD, e.g. 100.00"}),
        (
            form("runway", "0"),
            {ids.BLOCK_ALERT_THRESHOLD: '"0" is not a number of days: a whole number from 1'},
        ),
        (form("runway", "2.5"), {ids.BLOCK_ALERT_THRESHOLD: "e.g. 7"}),
        (form("spend_spike", "1"), {ids.BLOCK_ALERT_THRESHOLD: '"1" is not a factor: a number above 1'}),
        (
            form("webhook_failures", "150%"),
            {ids.BLOCK_ALERT_THRESHOLD: "a percentage above 0 and at most 100"},
        ),
        (form("webhook_failures", "many"), {ids.BLOCK_ALERT_THRESHOLD: "e.g. 20 or 10%"}),
        (form("autorecharge", "5"), {ids.BLOCK_ALERT_THRESHOLD: "takes no threshold"}),
        (form("invoice_unpaid", "-3"), {ids.BLOCK_ALERT_THRESHOLD: "a whole number from 0 to 365"}),
        (
            form("runway", "7", endpoint="https://x.example/h"),
            {ids.BLOCK_ALERT_ENDPOINT: "Only webhook-failure alerts watch one endpoint"},
        ),
        (
            form("webhook_failures", "5", endpoint="hooks.example"),
            {ids.BLOCK_ALERT_ENDPOINT: "not an endpoint URL"},
        ),
        (form("runway", "7", channel=None), {ids.BLOCK_ALERT_CHANNEL: "Choose the channel"}),
        (form("runway", "7", renotify="17"), {ids.BLOCK_ALERT_RENOTIFY: "Choose one of the intervals"}),
    ]
    for values, errors in cases:
        resp = await bot.requests.view_submission(modal, values, user=ADMIN)
        assert resp.json is not None and resp.json["response_action"] == "errors", values
        got = resp.json["errors"]
        assert set(got) == set(errors), (values, got)
        for block, fragment in errors.items():
            assert fragment in got[block] and len(got[block]) <= 150, got[block]
    await bot.idle()
    assert await bot.svc.alerts.rules() == [] and bot.slack.view_stack(ADMIN) == [modal]


# --- the lifecycle ---------------------------------------------------------------------------------------


async def test_low_credit_fires_once_stays_quiet_renotifies_in_its_thread_and_resolves(bot):
    await add_rule(bot, "low_credit", "100.00")
    assert (await tick(bot)).total.fired == 0 and posts(bot) == []  # the sandbox account is well above
    set_available(bot, "42.00")
    report = await tick(bot)
    assert report.total.fired == 1
    [alert] = posts(bot)
    text = text_of([alert])
    assert "Available credit is $42.00" in text and "Below the alert's $100.00" in text
    assert "Firing since" in text and "What to do" in text
    assert actions_of(alert)[:2] == [ids.ACTION_ALERT_ACK, ids.ACTION_ALERT_SNOOZE]
    assert ids.ACTION_ALERT_TOPUP in actions_of(alert)

    for _ in range(3):  # 30 minutes more of firing: nothing new
        assert (await tick(bot)).total.firing == 1
    assert len(posts(bot)) == 1 and replies(bot, alert) == []

    await tick(bot, timedelta(hours=24))
    [reminder] = replies(bot, alert)
    assert "Still firing after 24 h 30 min" in reminder.text and "$42.00" in reminder.text
    assert "reminded 1x" in text_of(posts(bot))
    await tick(bot)
    assert len(replies(bot, alert)) == 1  # the next reminder is a day away again

    set_available(bot, "500.00")
    assert (await tick(bot)).total.resolved == 1
    [resolved] = posts(bot)
    assert resolved.ts == alert.ts and "Resolved" in text_of([resolved])
    assert actions_of(resolved) == []  # nothing left to click
    assert "Resolved" in replies(bot, alert)[-1].text
    assert len(posts(bot)) == 1


async def test_acknowledge_records_who_and_stops_reminders_until_it_clears(bot):
    await add_rule(bot, "low_credit", "100")
    set_available(bot, "10")
    await tick(bot)
    [alert] = posts(bot)
    stale, [row] = alert.to_dict(), await bot.svc.alerts.open_alerts()  # as a second person still sees it
    said = text_of(await bot.click(alert, ids.ACTION_ALERT_ACK, user=VIEWER, channel=ALERTS))
    assert "Acknowledged" in said
    [acked] = posts(bot)
    assert "acknowledged by <@U0VIEWER>" in text_of([acked]) and ids.ACTION_ALERT_ACK not in actions_of(acked)
    resp = await bot.requests.block_action(
        ids.ACTION_ALERT_ACK, str(row.id), user=ADMIN, channel=ALERTS, message=stale
    )
    assert resp.ok
    await bot.idle()
    again = text_of(bot.slack.messages(ALERTS, ADMIN)[-1:])
    assert "<@U0VIEWER> acknowledged that alert already" in again
    await tick(bot, timedelta(days=3))
    assert replies(bot, alert) == []  # no reminder once acknowledged
    [row] = await bot.svc.alerts.open_alerts()
    assert row.acked_by == "U0VIEWER"
    assert "alerts.acknowledge" in [r.action for r in await bot.svc.audit.recent(5)]


async def test_snooze_says_until_when_and_reminds_once_it_is_over(bot):
    await add_rule(bot, "low_credit", "100")
    set_available(bot, "10")
    await tick(bot)
    [alert] = posts(bot)
    chosen = {
        "type": "static_select",
        "selected_option": {
            "value": f"{(await bot.svc.alerts.open_alerts())[0].id}:3600",
            "text": {"type": "plain_text", "text": "1 hour"},
        },
    }
    resp = await bot.requests.block_action(
        ids.ACTION_ALERT_SNOOZE, None, user=ADMIN, channel=ALERTS, message=alert, action=chosen
    )
    assert resp.ok
    await bot.idle()
    assert "Snoozed until" in text_of(bot.slack.messages(ALERTS, ADMIN))
    assert "snoozed by <@U0ADMIN> until" in text_of(posts(bot))
    await tick(bot, timedelta(minutes=30))
    assert replies(bot, alert) == []
    await tick(bot, timedelta(minutes=31))
    [reminder] = replies(bot, alert)
    assert "Still firing" in reminder.text


async def test_request_topup_from_a_runway_alert_reaches_the_approvals_card_with_the_suggested_amount(bot):
    per_day = Decimal("300")
    state = bot.sandbox.state
    state.balance, state.credit_limit = Decimal("900.00"), Decimal("0")
    await seed_history(bot, per_day, days=3)
    await add_rule(bot, "runway", "7")
    await tick(bot, timedelta(0))
    [alert] = posts(bot)
    assert "Credit runs out in 3.0 days" in text_of([alert]) and "$300.00 a day" in text_of([alert])
    denied = text_of(await bot.click(alert, ids.ACTION_ALERT_TOPUP, user=VIEWER, channel=ALERTS))
    assert "request a top-up" in denied and bot.slack.view_stack(VIEWER) == []
    await bot.click(alert, ids.ACTION_ALERT_TOPUP, user=REQUESTER, channel=ALERTS)
    [modal] = bot.slack.view_stack(REQUESTER)
    # 7 days x $300 + 20% = $2,520, minus $900 available = $1,620: over the policy's $500 cap
    assert "capped at the $500.00" in text_of_view(modal) and "restores a runway of 7 days" in text_of_view(
        modal
    )
    amount = next(b for b in modal["blocks"] if b.get("block_id") == ids.BLOCK_TOPUP_AMOUNT)
    assert amount["element"]["initial_value"] == "500.00"
    resp = await bot.requests.view_submission(
        modal,
        {
            ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("500.00")},
            ids.BLOCK_TOPUP_REASON: {ids.INPUT: text_input("Alert: runway")},
        },
        user=REQUESTER,
    )
    assert resp.ok
    await bot.idle()
    [card] = [m for m in bot.slack.messages("C0APPROVALS") if not m.is_ephemeral]
    assert "$500.00" in text_of([card]) and ids.ACTION_TOPUP_APPROVE in actions_of(card)
    assert bot.payment_requests() == 0  # finance still approves it


def text_of_view(view: dict[str, Any]) -> str:
    from devkit.slackfake.records import visible_text

    return visible_text(view["blocks"])


async def seed_history(bot: Bot, per_day: Decimal, days: int, *, end_balance: Decimal | None = None) -> None:
    """Hourly balance snapshots for `days` days up to the bot's now, falling `per_day` a day."""
    end = end_balance if end_balance is not None else bot.sandbox.state.balance
    async with bot.svc.store.transaction() as session:
        for hour in range(days * 24, -1, -1):
            at = bot.clock[0] - timedelta(hours=hour)
            balance = end + per_day * hour / 24
            session.add(
                BalanceSnapshotRow(
                    at=at,
                    balance=balance.quantize(Decimal("0.01")),
                    available_credit=balance.quantize(Decimal("0.01")),
                    currency="USD",
                )
            )


# --- the other kinds -------------------------------------------------------------------------------------


async def test_a_spend_spike_fires_against_the_week_before(bot):
    await add_rule(bot, "spend_spike", "2")
    async with bot.svc.store.transaction() as session:
        balance = Decimal("10000")
        for hour in range(8 * 24, -1, -1):
            at = bot.clock[0] - timedelta(hours=hour)
            session.add(BalanceSnapshotRow(at=at, balance=balance, available_credit=balance, currency="USD"))
            balance -= (
                Decimal("25") if hour <= 24 else Decimal("5")
            )  # $600 in the last day, $120 a day before
    await tick(bot, timedelta(0))
    [alert] = posts(bot)
    text = text_of([alert])
    assert "Spend spike: $600.00 in the last 24 hours" in text and "5.0x the daily average of $120.00" in text


async def test_auto_recharge_turned_off_fires_until_it_is_on_again_and_a_change_is_noted_once(bot):
    await add_rule(bot, "autorecharge")
    await bot.sandbox.state.update_auto_recharge({"enabled": True, "recharge_amount": "275.00"})
    await tick(bot)
    [changed] = posts(bot)
    assert "Auto-recharge settings changed" in text_of([changed]) and "recharge_amount" in text_of([changed])
    assert "→ 275.00" in text_of([changed]) and actions_of(changed) == []  # an event: told, nothing to do
    await bot.sandbox.state.update_auto_recharge({"enabled": False})
    await tick(bot)
    [_, off] = posts(bot)  # turning it off is the "off" alert, not a second "changed" message
    assert "Auto-recharge is turned off" in text_of([off]) and "Turned off by account_owner" in text_of([off])
    await tick(bot)
    assert len(posts(bot)) == 2  # neither is repeated
    await bot.sandbox.state.update_auto_recharge({"enabled": True})
    await tick(bot)
    assert len(posts(bot)) == 2 and "Resolved" in text_of([posts(bot)[1]])


async def test_an_invoice_unpaid_past_the_days_fires_and_resolves_once_paid(bot):
    invoices = bot.sandbox.state.invoices
    unpaid = [i for i in invoices if not i["paid"]]
    assert unpaid, "the sandbox has an unpaid invoice"
    oldest = min(unpaid, key=lambda i: i["period_end"])
    await add_rule(bot, "invoice_unpaid", "0")
    await tick(bot)
    found = [m for m in posts(bot) if oldest["invoice_id"] in text_of([m])]
    assert len(found) == 1 and "is unpaid" in text_of(found)
    oldest["paid"] = True
    await tick(bot)
    [paid] = [m for m in posts(bot) if oldest["invoice_id"] in text_of([m])]
    assert "Resolved" in text_of([paid])


# --- failures, check, health, metrics ----------------------------------------------------------------------


async def test_a_telnyx_failure_skips_the_rule_for_the_tick_and_keeps_its_alert(bot):
    await add_rule(bot, "low_credit", "100")
    set_available(bot, "10")
    await tick(bot)
    [alert] = posts(bot)
    set_available(bot, "900")  # it would clear, but Telnyx cannot be read
    bot.sandbox.set_fault("/v2/balance", Fault(status=503, times=10))
    report = await tick(bot)
    assert [r.skipped is not None for r in report.rules] == [True]
    [still] = await bot.svc.alerts.open_alerts()
    assert still.state is State.FIRING and "Resolved" not in text_of(posts(bot))
    bot.sandbox.faults.clear()
    assert (await tick(bot)).total.resolved == 1
    assert "Resolved" in text_of(posts(bot)) and posts(bot)[0].ts == alert.ts


async def test_alerts_check_evaluates_every_rule_now_for_admins_only(bot):
    await add_rule(bot, "low_credit", "100")
    await add_rule(bot, "invoice_unpaid", "365")
    set_available(bot, "10")
    denied = text_of(await bot.command("alerts check", user=VIEWER))
    assert "check the alert rules now" in denied and posts(bot) == []
    said = text_of(await bot.command("alerts check", user=ADMIN))
    assert "Low available credit" in said and "1 fired" in said and "all clear" in said
    assert len(posts(bot)) == 1
    again = text_of(await bot.command("alerts check", user=ADMIN))
    assert "1 still firing" in again and len(posts(bot)) == 1


async def test_bad_alerts_arguments_say_what_is_accepted(bot):
    text = text_of(await bot.command("alerts remove 3", user=ADMIN))
    assert "is not an alerts command" in text and "/telnyx alerts add" in text


async def test_the_scheduler_is_in_readyz_and_metrics(bot):
    await add_rule(bot, "low_credit", "100")
    set_available(bot, "10")
    await tick(bot)
    checks = await bot.svc.health.readiness(bot.svc)
    scheduler = next(c for c in checks if c.name == "scheduler")
    assert scheduler.ok and "last tick" in scheduler.detail
    bot.svc.scheduler.last_tick_at -= 3 * TICK.total_seconds()
    scheduler = next(c for c in await bot.svc.health.readiness(bot.svc) if c.name == "scheduler")
    assert not scheduler.ok and "overdue" in scheduler.detail
    exposition = (await bot.svc.metrics.exposition(bot.svc)).decode()
    assert 'telnyx_bot_alerts_total{event="fired"} 1.0' in exposition
    assert 'telnyx_bot_scheduler_ticks_total{result="done"} 1.0' in exposition
    assert 'telnyx_bot_scheduler_claims_total{result="won"} 2.0' in exposition  # the snapshot and the rule


async def test_the_runway_alert_does_not_fire_without_a_pace(bot):
    await add_rule(bot, "runway", "30")
    bot.sandbox.set_fault("/v2/charges_summary", Fault(status=500, times=100))
    report = await tick(bot)
    assert report.total.fired == 0 and posts(bot) == []


async def test_a_rule_pointed_at_a_channel_the_bot_cannot_post_in_is_saved_with_a_warning(tmp_path):
    async with running_bot(tmp_path) as bot:  # Slack refuses a call here on purpose
        bot.slack.add_channel("C0PRIVATE", name="private", is_member=False)
        bot.slack.add_channel(ALERTS, name="alerts")
        modal = await open_form(bot)
        resp = await bot.requests.view_submission(modal, form("runway", "7", channel="C0PRIVATE"), user=ADMIN)
        assert resp.ok
        await bot.idle()
        answer = text_of(bot.slack.messages("C0GENERAL", ADMIN)[-1:])
        assert "Alert rule added" in answer and "The bot cannot post in <#C0PRIVATE>" in answer
        assert "not_in_channel" in answer and "/invite @Telnyx" in answer
        assert [c.error for c in bot.slack.calls if not c.ok] == ["not_in_channel"]
        await add_rule(bot, "low_credit", "10")
        [note] = [m for m in bot.slack.messages(ALERTS) if not m.is_ephemeral]
        assert "<@U0ADMIN> set up an alert here: Low available credit" in note.text


async def test_a_forged_alert_button_value_is_answered_plainly_and_changes_nothing(bot):
    await add_rule(bot, "low_credit", "100")
    set_available(bot, "10")
    await tick(bot)
    [alert] = posts(bot)
    for action in (ids.ACTION_ALERT_ACK, ids.ACTION_ALERT_TOPUP):
        resp = await bot.requests.block_action(
            action, "1; DROP TABLE alerts", user=REQUESTER, channel=ALERTS, message=alert
        )
        assert resp.ok
        await bot.idle()
        assert "That alert no longer exists." in text_of(bot.slack.messages(ALERTS, REQUESTER)[-1:])
    [still] = await bot.svc.alerts.open_alerts()
    assert still.acked_by is None and bot.slack.view_stack(REQUESTER) == []
