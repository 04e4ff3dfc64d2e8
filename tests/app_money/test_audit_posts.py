"""What the audit channel and the approval card say, in words people read (issue 12), over HTTP."""

from bot import ids
from devkit.sandbox import Fault
from tests.app.harness import text_of
from tests.app_money.helpers import ALICE, AUDIT, FIN1, audit_posts, click, request_topup


async def test_audit_posts_show_money_dates_people_and_unset_values_as_people_read_them(bot):
    posted = await request_topup(bot)
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, FIN1)
    await bot.idle()
    posts = audit_posts(bot)
    assert "amount: $150.00" in posts and "reason: launch week" in posts  # a new request: its values
    assert "decided_by: — → <@U0FIN1>" in posts
    assert "decided_at: — → <!date^" in posts  # each reader's own time zone, like every other time
    assert "new_balance: — → $" in posts
    assert "(none)" not in posts and "+00:00" not in posts


async def test_a_refusal_is_posted_and_listed_saying_refused_once(bot):
    posted = await request_topup(bot)
    await click(bot, posted, ids.ACTION_TOPUP_APPROVE, ALICE)  # a viewer may not approve
    await bot.idle()
    [refusal] = [m for m in bot.slack.messages(AUDIT) if "approve_topup" in m.visible_text()]
    first = refusal.visible_text().splitlines()[0]
    assert first == ":no_entry: <@U0ALICE> was refused *approve_topup* on `approve a top-up`"
    trail = text_of(await bot.command("trail 5", user="U0ADMIN"))
    [line] = [line for line in trail.splitlines() if "approve_topup" in line]
    assert "<@U0ALICE> was refused *approve_topup* on `approve a top-up`" in line
    assert "denied" not in first + line


async def test_an_approval_card_whose_balance_could_not_be_read_says_so(bot):
    bot.sandbox.set_fault("/v2/balance", Fault(status=503))
    text = text_of([await request_topup(bot)])
    assert "*Balance*\n_unavailable right now_: it could not be read from Telnyx" in text
    assert "Approve $150.00" in text  # the card is still there to decide on
