"""Limits at request and at approval, expiry, and payments that fail or hang: never retried."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bot import ids
from bot.approvals import TopupState
from devkit.sandbox import Fault
from handlers.topup import sweep_expired
from tests.app.harness import NOW, text_of
from tests.app_money.helpers import (
    APPROVALS,
    FIN1,
    FIN2,
    PAYMENTS,
    REQUESTER,
    audit_posts,
    balance,
    buttons,
    card_id,
    click,
    dm,
    payments,
    request_topup,
    seen_by,
)

PENDING_BUTTONS = [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]


async def test_limits_are_checked_when_requesting(bot):
    answer = text_of(await bot.command("topup 500.01", user=REQUESTER))
    assert "$500.01 is above the limit of $500.00 per top-up" in answer
    assert "more than two decimals" in text_of(await bot.command("topup 12.345", user=REQUESTER))
    assert bot.slack.messages(APPROVALS) == []
    assert "topup.request" in audit_posts(bot) and "refused" in audit_posts(bot)


async def test_limits_are_checked_again_at_approval_and_the_request_stays_pending(bot):
    cards = [await request_topup(bot, amount) for amount in ("500", "450", "100")]  # all fine when asked
    await click(bot, cards[0], ids.ACTION_TOPUP_APPROVE, FIN1)
    await click(bot, cards[1], ids.ACTION_TOPUP_APPROVE, FIN2)
    answer = await click(bot, cards[2], ids.ACTION_TOPUP_APPROVE, FIN1)
    assert (
        "Not approved: $100.00 would bring the top-ups approved in the last 24 hours to $1,050.00" in answer
    )
    assert "The request stays pending" in answer
    assert payments(bot) == 2 and buttons(cards[2]) == PENDING_BUTTONS
    # a new request is refused at once, and a day later the window has room again
    assert "above the daily limit of $1,000.00" in text_of(await bot.command("topup 60", user=REQUESTER))
    bot.clock[0] = NOW + timedelta(hours=24, minutes=1)
    fresh = await request_topup(bot, "60")
    await click(bot, fresh, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 3 and "Paid" in text_of([fresh])


async def test_an_expired_request_cannot_be_approved_and_its_card_says_so(bot):
    posted = await request_topup(bot)
    old_card = posted.to_dict()
    bot.clock[0] = NOW + timedelta(hours=24)  # approval_ttl_hours = 24
    answer = await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert "expired" in answer and "can no longer be approved" in answer
    assert "Expired" in text_of([posted]) and buttons(posted) == [] and payments(bot) == 0
    await bot.requests.click(old_card, ids.ACTION_TOPUP_DENY, user=FIN2, channel=APPROVALS)
    await bot.idle()
    assert "Expired" in seen_by(bot, FIN2) and bot.slack.view_stack(FIN2) == []
    request = await bot.svc.approvals.get(card_id(posted))
    assert request is not None and request.state is TopupState.EXPIRED


async def test_the_sweeper_redraws_cards_nobody_clicked(bot):
    posted = await request_topup(bot)
    bot.clock[0] = NOW + timedelta(hours=23)
    assert await sweep_expired(bot.svc) == [] and buttons(posted) == PENDING_BUTTONS
    bot.clock[0] = NOW + timedelta(hours=25)
    [expired] = await sweep_expired(bot.svc)
    await bot.idle()  # the card and the DM follow through the outbox
    assert expired.state is TopupState.EXPIRED
    assert "Expired" in text_of([posted]) and buttons(posted) == []
    assert "topup.expire" in audit_posts(bot) and "by <@system>" in audit_posts(bot)


async def test_payment_refused_with_a_4xx_fails_is_not_retried_and_needs_a_new_request(bot):
    posted = await request_topup(bot)
    old_card, start = posted.to_dict(), balance(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(status=422))
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 1 and balance(bot) == start
    text = text_of([posted])
    assert "Payment failed, nothing charged" in text and "A new request is needed" in text
    assert buttons(posted) == [] and "Payment failed" in dm(bot, REQUESTER)
    assert "topup.failed" in audit_posts(bot)
    bot.sandbox.clear_faults()  # Telnyx is back: a click on the old card still must not pay again
    await bot.requests.click(old_card, ids.ACTION_TOPUP_APPROVE, user=FIN2, channel=APPROVALS)
    await bot.idle()
    assert "did not take the payment" in seen_by(bot, FIN2) and payments(bot) == 1 and balance(bot) == start


async def test_payment_answered_500_is_outcome_unknown_never_nothing_charged(bot):
    posted = await request_topup(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(status=500))
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    assert payments(bot) == 1
    text = text_of([posted])
    assert "Payment outcome unknown" in text and "may or may not have been charged" in text
    assert "Nothing was charged" not in text and "nothing charged" not in text
    assert buttons(posted) == [ids.ACTION_TOPUP_PAID, ids.ACTION_TOPUP_NOT_CHARGED]
    told = dm(bot, REQUESTER)
    assert "outcome unknown" in told.lower() and "Nothing was charged" not in told


@pytest.mark.telnyx_timeout(1)
async def test_payment_hanging_past_the_timeout_is_outcome_unknown_and_never_retried(bot):
    posted = await request_topup(bot)
    bot.sandbox.set_fault(PAYMENTS, Fault(hang=True))
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)  # returns after TELNYX_TIMEOUT=1 s
    assert payments(bot) == 1
    text = text_of([posted])
    assert "Payment outcome unknown" in text and "check the payment history and balance in the Telnyx" in text
    assert buttons(posted) == [ids.ACTION_TOPUP_PAID, ids.ACTION_TOPUP_NOT_CHARGED]
    assert "outcome unknown" in dm(bot, REQUESTER)
    request = await bot.svc.approvals.get(card_id(posted))
    assert request is not None and request.state is TopupState.OUTCOME_UNKNOWN
    assert "topup.outcome_unknown" in audit_posts(bot)
    bot.sandbox.clear_faults()
    fresh = await request_topup(bot, "500")  # the unknown $150 may have been charged: it counts
    await click(bot, fresh, ids.ACTION_TOPUP_APPROVE, FIN2)
    assert payments(bot) == 2 and "Paid" in text_of([fresh])
    assert await bot.svc.approvals.daily_used() == Decimal("650.00")


async def test_a_paid_request_whose_balance_read_breaks_still_records_the_payment(bot):
    posted = await request_topup(bot)

    async def broken_balance() -> None:
        raise RuntimeError("a bug while reading the balance")

    svc = bot.svc
    outcome = await svc.approvals.approve(
        card_id(posted), FIN1, svc.telnyx.create_payment, balance=broken_balance
    )
    assert (
        outcome.changed
        and outcome.request.state is TopupState.SUCCEEDED
        and outcome.request.new_balance is None
    )
    assert outcome.request.transaction_id == bot.sandbox.state.payments[0]["id"] and payments(bot) == 1


async def test_the_app_sweeps_expired_requests_itself_and_tells_the_requester(bot):
    posted = await request_topup(bot)
    assert bot.svc.sweepers, "create_app registers the expiry sweeper"
    bot.clock[0] = NOW + timedelta(hours=25)
    await bot.svc.sweep_once()  # what the housekeeping loop runs every minute while serving
    await bot.idle()  # the card and the DM follow through the outbox
    assert "Expired" in text_of([posted]) and buttons(posted) == []
    dm = text_of(bot.slack.messages(bot.slack.dm("U0REQUEST")))
    assert "expired" in dm.lower()
