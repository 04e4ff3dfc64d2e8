"""Deciding from the Home tab is deciding on the card: the same listeners, access checks, confirm dialog and
compare-and-set. An approval from Home makes exactly one payment (also against a click on the card at the
same moment) and redraws the card; deny and Paid / Not charged work from Home too; every Home that shows
the request follows. Each runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot import ids
from bot.approvals import TopupState
from devkit.sandbox import Fault
from devkit.slackfake.records import visible_text
from devkit.slackfake.values import text_input
from tests.app.harness import Bot, text_of
from tests.app_money.helpers import (
    ADMIN,
    APPROVALS,
    FIN1,
    FIN2,
    PAYMENTS,
    REQUESTER,
    balance,
    buttons,
    card,
    card_id,
    dm,
    payments,
    request_on,
)
from tests.app_money.instances import Instance, app_instance

S = TopupState


async def home(instance: Instance, bot: Bot, user: str) -> dict[str, Any]:
    """`user` opens Home on `instance`; the view published for them."""
    resp = await instance.requests.app_home_opened(user=user)
    assert resp.ok
    await instance.idle()
    view = bot.slack.home_view(user)
    assert view is not None
    return view


def seen(bot: Bot, user: str) -> str:
    view = bot.slack.home_view(user)
    assert view is not None
    return html.unescape(visible_text(view["blocks"]))


async def click(instance: Instance, target: Any, action: str, user: str, **where: Any) -> None:
    resp = await instance.requests.click(target, action, user=user, **where)
    assert resp.ok
    await instance.idle()


async def test_an_approval_from_home_pays_once_redraws_the_card_and_follows_every_home(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one:
        assert one.svc.home is not None
        one.svc.home.min_gap = timedelta(0)
        await request_on(one, '150 "launch"')
        posted, start = card(bot), balance(bot)
        old_card = posted.to_dict()
        view = await home(one, bot, FIN1)
        await home(one, bot, REQUESTER)
        assert "Waiting for finance" in seen(bot, REQUESTER)
        assert buttons(view)[-2:] == [ids.ACTION_TOPUP_APPROVE, ids.ACTION_TOPUP_DENY]

        await click(one, view, ids.ACTION_TOPUP_APPROVE, FIN1)  # from Home: a view, no response_url
        assert payments(bot) == 1 and balance(bot) == start + Decimal("150.00")
        assert "Paid" in text_of([posted]) and buttons(posted) == []  # the card is redrawn too
        assert "Paid" in dm(bot, REQUESTER)
        assert "waiting for approval:* none" in seen(bot, FIN1)
        assert "Paid" in seen(bot, REQUESTER) and "Waiting for finance" not in seen(bot, REQUESTER)
        request = await one.svc.approvals.get(card_id(posted))
        assert request is not None and (request.state, request.decided_by) == (S.SUCCEEDED, FIN1)

        # the stale Home and the card clicked again: nothing more is paid; the Home clicker learns by DM
        await click(one, view, ids.ACTION_TOPUP_APPROVE, FIN2)
        await click(one, old_card, ids.ACTION_TOPUP_APPROVE, ADMIN, channel=APPROVALS)
        assert payments(bot) == 1
        assert "Paid" in dm(bot, FIN2)


async def test_home_and_card_clicked_at_the_same_moment_make_one_payment(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
        for instance in (one, two):
            assert instance.svc.home is not None
            instance.svc.home.min_gap = timedelta(0)
        await request_on(one, '480 "launch"')
        posted = card(bot)
        view = await home(two, bot, FIN1)
        bot.sandbox.set_fault(PAYMENTS, Fault(latency=0.3))  # clicks land while the payment is on its way
        clicks = [
            one.requests.click(view, ids.ACTION_TOPUP_APPROVE, user=FIN1),
            two.requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN2, channel=APPROVALS),
            two.requests.click(view, ids.ACTION_TOPUP_APPROVE, user=ADMIN),
            one.requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS),
        ]
        assert all(r.ok for r in await asyncio.gather(*clicks))
        await asyncio.gather(one.idle(), two.idle())
        bot.sandbox.clear_faults()
        assert bot.sandbox.request_count(PAYMENTS, "POST") == 1
        request = await one.svc.approvals.get(card_id(posted))
        assert request is not None and request.state is S.SUCCEEDED
        assert "Paid" in text_of([posted]) and buttons(posted) == []
        assert "waiting for approval:* none" in seen(bot, FIN1)


async def test_deny_from_home_asks_the_reason_in_the_same_modal(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one:
        assert one.svc.home is not None
        one.svc.home.min_gap = timedelta(0)
        await request_on(one, '150 "launch"')
        posted = card(bot)
        view = await home(one, bot, FIN1)
        await click(one, view, ids.ACTION_TOPUP_DENY, FIN1)
        [modal] = bot.slack.view_stack(FIN1)
        assert modal["callback_id"] == ids.VIEW_TOPUP_DENY
        values = {ids.BLOCK_DENY_REASON: {ids.INPUT: text_input("not this month")}}
        resp = await one.requests.view_submission(modal, values, user=FIN1)
        assert resp.ok
        await one.idle()
        assert payments(bot) == 0
        assert (
            "Denied" in text_of([posted]) and "not this month" in text_of([posted]) and buttons(posted) == []
        )
        assert "not this month" in dm(bot, REQUESTER)
        assert "waiting for approval:* none" in seen(bot, FIN1)


async def test_an_unknown_outcome_is_closed_from_home_with_paid(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one:
        assert one.svc.home is not None
        one.svc.home.min_gap = timedelta(0)
        await request_on(one, '150 "launch"')
        posted = card(bot)
        bot.sandbox.set_fault(PAYMENTS, Fault(status=503))
        await click(one, posted, ids.ACTION_TOPUP_APPROVE, FIN1, channel=APPROVALS)
        bot.sandbox.clear_faults()
        view = await home(one, bot, FIN2)
        assert "Payment outcome unknown:* 1" in seen(bot, FIN2)
        assert buttons(view)[-2:] == [ids.ACTION_TOPUP_PAID, ids.ACTION_TOPUP_NOT_CHARGED]
        await click(one, view, ids.ACTION_TOPUP_PAID, FIN2)
        [modal] = bot.slack.view_stack(FIN2)
        assert modal["callback_id"] == ids.VIEW_TOPUP_RESOLVE
        values = {ids.BLOCK_RESOLVE_NOTE: {ids.INPUT: text_input("portal shows the charge")}}
        resp = await one.requests.view_submission(modal, values, user=FIN2)
        assert resp.ok
        await one.idle()
        request = await one.svc.approvals.get(card_id(posted))
        assert request is not None and (request.state, request.resolved_by) == (S.SUCCEEDED, FIN2)
        assert "Paid (outcome confirmed by finance)" in text_of([posted]) and buttons(posted) == []
        assert "Payment outcome unknown" not in seen(bot, FIN2)
        assert payments(bot) == 1  # the one attempt; closing it pays nothing
