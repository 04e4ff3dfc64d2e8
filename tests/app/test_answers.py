"""Answers that say what is true (issue 12, "Wrong or misleading answers"), over HTTP against the sandbox."""

from datetime import timedelta

from tests.app.harness import NOW, text_of

TODAY = NOW.date()


async def test_the_failure_summary_states_its_rate_over_the_deliveries_it_counts(bot):
    state = bot.sandbox.state
    everything, failed = len(state.webhook_deliveries), len(state.failed_delivery_ids())
    assert 0 < failed < everything
    rate = f"({failed} of {everything} deliveries failed)"
    listing = text_of(await bot.command("webhooks"))
    assert f"showing 15 of {everything} deliveries" in listing and rate in listing
    assert rate in text_of(await bot.command("webhooks failed"))  # a failed-only list: the same rate
    since = (TODAY - timedelta(days=6)).isoformat()
    week = [d for d in state.webhook_deliveries if d["started_at"] >= since]
    week_failed = sum(d["status"] == "failed" for d in week)
    assert 0 < week_failed < len(week)
    delivered = text_of(await bot.command("webhooks delivered last-7-days"))
    assert "Failures by endpoint and cause" not in delivered  # no failures grouped as if among the rows
    assert f"Of the {len(week)} deliveries in this window, *{week_failed} failed*" in delivered
