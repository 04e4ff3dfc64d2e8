"""`/telnyx runway` over HTTP: the forecast from the bot's own balance history, or from Telnyx's charges."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.store import BalanceSnapshotRow
from tests.app.harness import NOW, text_of


async def _history(bot, per_day: Decimal, days: int) -> None:
    """A snapshot every hour for `days` days up to NOW, spending `per_day`, with a $500 top-up midway."""
    balance = Decimal("2000")
    async with bot.svc.store.transaction() as session:
        for hour in range(days * 24, -1, -1):
            session.add(
                BalanceSnapshotRow(
                    at=NOW - timedelta(hours=hour), balance=balance, available_credit=balance, currency="USD"
                )
            )
            balance -= per_day / 24
            if hour == days * 12:
                balance += Decimal("500")


async def test_runway_reads_the_spend_from_the_balance_history_and_says_so(bot):
    await _history(bot, Decimal("120"), 3)
    [answer] = await bot.command("runway")
    text = text_of([answer])
    assert "Average daily spend" in text and "$120.00" in text  # the top-up is not counted as spend
    assert "3.0 days of the bot's own balance history" in text
    available = bot.sandbox.state.available_credit
    days = (available / Decimal("120")).quantize(Decimal("0.1"))
    assert f"in {days} days" in text
    assert "Balance, last 14 days" in text and answer.ephemeral_to == "U0ALICE"


async def test_without_a_day_of_history_the_forecast_rests_on_telnyx_charges(bot):
    [answer] = await bot.command("runway")
    text = text_of([answer])
    assert "Telnyx's charges of the last 7 days" in text
    assert bot.sandbox.request_count("/v2/charges_summary") == 1


async def test_runway_takes_no_arguments(bot):
    text = text_of(await bot.command("runway 7"))
    assert "takes no arguments" in text and "Example" in text
    assert bot.sandbox.request_count() == 0


async def test_each_scheduler_tick_takes_one_balance_snapshot(bot):
    tick = timedelta(seconds=bot.svc.settings.scheduler_tick_seconds)
    before = bot.sandbox.request_count("/v2/balance")
    first = await bot.svc.scheduler.tick()
    again = await bot.svc.scheduler.tick()  # the same tick: its snapshot is claimed already
    assert first.snapshot and not again.snapshot
    assert bot.sandbox.request_count("/v2/balance") == before + 1  # read by the tick that won the claim
    bot.clock[0] = NOW + tick
    assert (await bot.svc.scheduler.tick()).snapshot
    history = await bot.svc.history.since(NOW - timedelta(days=1))
    assert [s.at for s in history] == [NOW, NOW + tick]
    assert {s.balance for s in history} == {bot.sandbox.state.balance}


async def test_the_balance_answer_carries_the_runway_and_a_burst_computes_it_once(bot):
    await _history(bot, Decimal("120"), 3)
    answers = [await bot.command("balance", user=user) for user in ("U0ALICE", "U0VIEWER", "U0REQUEST")]
    for [answer] in answers:
        text = text_of([answer])
        assert "Runway:" in text and "at $120.00 a day" in text and "last 14 days" in text
        assert "3.0 days of the bot's own balance history" in text
    assert bot.sandbox.request_count("/v2/charges_summary") == 0  # the history was enough
