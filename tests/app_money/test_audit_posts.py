"""What the audit channel and the approval card say, in words people read (issue 12), over HTTP."""

from bot import ids
from tests.app_money.helpers import FIN1, audit_posts, click, request_topup


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
