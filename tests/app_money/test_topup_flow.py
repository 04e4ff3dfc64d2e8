"""Top-ups end to end over HTTP: request, the card, approve and pay once, deny with a reason, four eyes."""

from decimal import Decimal

from bot import ids
from devkit.slackfake.values import text_input
from tests.app.harness import text_of
from tests.app_money.helpers import (
    ADMIN,
    ALICE,
    APPROVALS,
    FIN1,
    FIN2,
    GENERAL,
    REQUESTER,
    audit_posts,
    balance,
    buttons,
    card,
    click,
    dm,
    open_deny_modal,
    payments,
    request_topup,
    seen_by,
)


async def test_request_posts_a_card_with_amount_requester_reason_balance_and_a_confirmed_approve(bot):
    answer = text_of(await bot.command('topup 150 "launch week traffic"', user=REQUESTER))
    assert "Your top-up request for *$150.00* was sent to <#C0APPROVALS>" in answer
    posted, state = card(bot), bot.sandbox.state
    text = text_of([posted])
    money = f"*Balance*\n${state.balance:,.2f}", f"*Available credit*\n${state.available_credit:,.2f}"
    for shown in ("$150.00", "<@U0REQUEST>", "launch week traffic", *money):
        assert shown in text, shown
    assert buttons(posted) == [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]
    approve = next(e for b in posted.blocks if b["type"] == "actions" for e in b["elements"])
    assert (
        "$150.00" in approve["confirm"]["text"]["text"] and "$150.00" in approve["confirm"]["confirm"]["text"]
    )
    assert payments(bot) == 0
    assert "topup.request" in audit_posts(bot) and "amount: $150.00" in audit_posts(bot)


async def test_request_from_the_balance_button_opens_a_form_with_inline_amount_errors(bot):
    [answer] = await bot.command("balance", user=REQUESTER)
    await bot.click(answer, ids.ACTION_REQUEST_TOPUP, user=REQUESTER)
    [form] = bot.slack.view_stack(REQUESTER)
    assert form["callback_id"] == ids.VIEW_TOPUP_REQUEST
    for typed, error in (
        ("lots", "is not an amount"),
        ("12.345", "more than two decimals"),
        ("900", "At most $500.00 per top-up"),
    ):
        values = {ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input(typed)}}
        resp = await bot.requests.view_submission(form, values, user=REQUESTER)
        assert resp.json["response_action"] == "errors", typed
        assert error in resp.json["errors"][ids.BLOCK_TOPUP_AMOUNT]
    assert bot.slack.messages(APPROVALS) == [] and bot.slack.view_stack(REQUESTER) == [form]
    values = {
        ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("$75.50")},
        ids.BLOCK_TOPUP_REASON: {ids.INPUT: text_input("SMS burst")},
    }
    resp = await bot.requests.view_submission(form, values, user=REQUESTER)
    await bot.idle()
    assert resp.ok and bot.slack.view_stack(REQUESTER) == []  # closed
    assert "$75.50" in text_of([card(bot)]) and "SMS burst" in text_of([card(bot)])
    # the answer goes back through the balance click's response_url, where the requester was
    assert "was sent to <#C0APPROVALS>" in seen_by(bot, REQUESTER, GENERAL)


async def test_approve_pays_once_redraws_the_card_and_tells_the_requester(bot):
    posted = await request_topup(bot)
    start = balance(bot)
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN2)  # finance through the S0FINANCE group
    assert payments(bot) == 1 and balance(bot) == start + Decimal("150.00")
    updates = bot.slack.calls_to("chat.update")  # "being sent", then "paid"
    assert [(u.args["channel"], u.args["ts"]) for u in updates] == [(APPROVALS, posted.ts)] * len(updates)
    assert not any(c.args.get("replace_original") for c in bot.slack.calls_to("response_url"))
    text = text_of([posted])
    transaction = bot.sandbox.state.payments[0]
    assert "Paid" in text and "Approved by <@U0FIN2>" in text and "|2026-11-28 12:00 UTC>" in text
    assert transaction["id"] in text and transaction["processor_status"] in text
    assert f"New balance: *${balance(bot):,.2f}*" in text
    assert buttons(posted) == []
    assert "Your top-up request for *$150.00*" in dm(bot, REQUESTER) and transaction["id"] in dm(
        bot, REQUESTER
    )
    posts = audit_posts(bot)
    for action in ("topup.approve", "topup.succeeded"):
        assert action in posts, action


async def test_a_second_click_or_someone_else_gets_what_already_happened_and_nothing_is_paid(bot):
    posted = await request_topup(bot)
    old_card = posted.to_dict()  # the card as a slow client still shows it, buttons and all
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    for user in (FIN1, FIN2, ADMIN):
        await bot.requests.click(old_card, ids.ACTION_TOPUP_APPROVE, user=user, channel=APPROVALS)
        await bot.idle()
        assert "Approved by <@U0FIN1>" in seen_by(bot, user) and "Paid" in seen_by(bot, user), user
    assert payments(bot) == 1
    await bot.requests.click(old_card, ids.ACTION_TOPUP_DENY, user=FIN2, channel=APPROVALS)
    await bot.idle()
    assert bot.slack.view_stack(FIN2) == [] and payments(bot) == 1


async def test_four_eyes_the_requester_cannot_approve_their_own_request(bot):
    posted = await request_topup(bot, "40", user=ADMIN)  # admin holds every permission, requesting too
    answer = await click(bot, posted, ids.ACTION_TOPUP_APPROVE, ADMIN)
    assert "someone else in finance must approve it (four eyes)" in answer
    assert payments(bot) == 0 and buttons(card(bot)) == [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]
    assert "four eyes: own request" in audit_posts(bot)
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 1 and "Approved by <@U0FIN1>" in text_of([card(bot)])


async def test_a_viewer_or_the_requester_cannot_approve_or_deny(bot):
    posted = await request_topup(bot)
    for user in (ALICE, REQUESTER):
        for action in (ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY):
            answer = await click(bot, posted, action, user)
            assert "You may not" in answer and "finance or admin role" in answer, (user, action)
        assert bot.slack.view_stack(user) == []
    assert payments(bot) == 0 and bot.slack.calls_to("chat.update") == []
    assert buttons(card(bot)) == [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]
    # four refusals recorded; the audit channel gets one post per person, not a flood
    trail = [r for r in await bot.svc.audit.recent() if r.action == "denied: approve_topup"]
    assert sorted(r.actor for r in trail) == sorted([ALICE, ALICE, REQUESTER, REQUESTER])
    assert audit_posts(bot).count("was refused *approve_topup*") == 2


async def test_deny_asks_for_a_reason_then_closes_the_request(bot):
    posted = await request_topup(bot)
    old_card = posted.to_dict()
    modal = await open_deny_modal(bot, posted, FIN1)
    assert "$150.00" in text_of([posted]) and "<@U0REQUEST>" in str(modal["blocks"])
    resp = await bot.requests.view_submission(
        modal, {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input("  ")}}, user=FIN1
    )
    assert resp.json == {
        "response_action": "errors",
        "errors": {ids.BLOCK_DENY_REASON: "Say why: the requester reads it."},
    }
    reason = "Budget frozen until <January> & no SMS"
    await bot.requests.view_submission(
        modal, {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input(reason)}}, user=FIN1
    )
    await bot.idle()
    text = text_of([posted])
    assert "Denied" in text and "Denied by <@U0FIN1>" in text and reason in text and buttons(posted) == []
    assert "&lt;January&gt; &amp;" in str(posted.blocks)  # the reason is shown, never parsed as a mention
    assert reason in dm(bot, REQUESTER) and "Denied" in dm(bot, REQUESTER)
    assert "topup.deny" in audit_posts(bot)
    await bot.requests.click(old_card, ids.ACTION_TOPUP_APPROVE, user=FIN2, channel=APPROVALS)
    await bot.idle()
    assert "Denied by <@U0FIN1>" in seen_by(bot, FIN2) and payments(bot) == 0
