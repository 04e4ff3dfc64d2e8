"""Twenty concurrent Approve clicks spread over two app instances on one database make exactly one payment;
requests and their history survive a restart. Each runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

from bot import ids
from bot.approvals import TopupState
from devkit.sandbox import Fault
from tests.app.harness import text_of
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
from tests.app_money.instances import app_instance

S = TopupState


async def test_twenty_concurrent_approvals_on_two_instances_make_exactly_one_payment(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as one, app_instance(bot, url, schema=schema) as two:
        await request_on(one, '480 "quarter end"')
        posted, start = card(bot), balance(bot)
        bot.sandbox.set_fault(PAYMENTS, Fault(latency=0.3))  # Telnyx takes its time: clicks land mid-payment
        approvers = (FIN1, FIN2, ADMIN)  # listed, through a group, admin
        clicks = [
            (one, two)[i % 2].requests.click(
                posted, ids.ACTION_TOPUP_APPROVE, user=approvers[i % 3], channel=APPROVALS
            )
            for i in range(20)
        ]
        answers = await asyncio.gather(*clicks)
        assert (
            all(r.ok for r in answers) and max(r.elapsed for r in answers) < 3.0
        )  # every click acked in time
        await asyncio.gather(one.idle(), two.idle())
        assert payments(bot) == 1 and balance(bot) == start + Decimal("480.00")
        final = await two.svc.approvals.get(card_id(posted))
        assert final is not None and final.state is S.SUCCEEDED
        steps = Counter(t.to_state for t in await one.svc.approvals.history(final.id))
        assert steps == {S.PENDING: 1, S.EXECUTING: 1, S.SUCCEEDED: 1}
        # the card shows the one decision; the 19 other clickers were told who already approved it
        assert "Paid" in text_of([posted]) and f"Approved by <@{final.decided_by}>" in text_of([posted])
        assert buttons(posted) == []
        late = [m for m in bot.slack.messages(APPROVALS) if m.is_ephemeral]
        assert len(late) == 19
        assert all(f"Approved by <@{final.decided_by}>" in text_of([m]) for m in late)
        assert dm(bot, REQUESTER).count("Your top-up request for *$480.00*") == 1


async def test_requests_and_their_history_survive_a_restart(bot, database):
    url, schema = database
    async with app_instance(bot, url, schema=schema) as before:
        await request_on(before, '200 "quarter end"')
        posted = card(bot)
    # that process is gone (server stopped, engine closed); a new one starts on the same database
    async with app_instance(bot, url, schema=schema) as after:
        await after.requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS)
        await after.idle()
        assert payments(bot) == 1 and "Paid" in text_of([posted]) and buttons(posted) == []
        history = await after.svc.approvals.history(card_id(posted))
        assert [(t.to_state, t.actor) for t in history] == [
            (S.PENDING, REQUESTER),
            (S.EXECUTING, FIN1),
            (S.SUCCEEDED, FIN1),
        ]
        trail = [(r.action, r.actor) for r in reversed(await after.svc.audit.recent())]
        assert trail[0] == ("topup.request", REQUESTER) and trail[-1] == ("topup.succeeded", FIN1)
