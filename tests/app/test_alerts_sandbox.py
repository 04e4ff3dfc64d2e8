"""Alerts against the sandbox account as it changes over time (its knobs, over HTTP): webhook failures
per endpoint, and the runway the bot reads from its own snapshots against the sandbox's own pace."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.store import BalanceSnapshotRow
from tests.app.alerting import add_rule, posts, replies, tick
from tests.app.harness import Bot, text_of


@pytest.fixture
async def knobs(bot: Bot) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bot.sandbox.url) as client:
        yield client


async def knob(client: httpx.AsyncClient, name: str, body: dict[str, Any]) -> None:
    response = await client.post(f"/_sandbox/{name}", json=body)
    assert response.status_code == 200, response.text


async def test_webhook_failures_fire_per_endpoint_over_the_threshold_and_resolve_when_the_hour_passes(
    bot, knobs
):
    await add_rule(bot, "webhook_failures", "10")
    failing, flaky = "https://hooks.example.com/orders", "https://flaky.example.net/in"
    await knob(knobs, "webhook_failures", {"endpoint": failing, "count": 12})
    await knob(knobs, "webhook_failures", {"endpoint": flaky, "count": 3})
    await tick(bot, timedelta(0))
    [alert] = posts(bot)  # the flaky endpoint stays under 10 failures
    text = text_of([alert])
    assert "Webhook deliveries failing to hooks.example.com/orders" in text
    assert "12 of 12 deliveries in the last hour failed (100.0%" in text and "server error (5xx)" in text
    assert "/telnyx webhooks " in text  # what to do: diagnose one
    await tick(bot)
    assert len(posts(bot)) == 1 and replies(bot, alert) == []
    await knob(knobs, "clock", {"advance_seconds": 7200})
    await tick(bot, timedelta(hours=2))  # an hour without failures: cleared
    assert "Resolved" in text_of(posts(bot)) and "Resolved" in replies(bot, alert)[-1].text


async def test_a_failure_rate_rule_watches_its_one_endpoint(bot, knobs):
    watched = "https://flaky.example.net/in"
    await add_rule(bot, "webhook_failures", "50%", endpoint=watched)
    await knob(knobs, "webhook_failures", {"endpoint": "https://other.example.org/x", "count": 30})
    await tick(bot, timedelta(0))
    assert posts(bot) == []  # another endpoint's failures are not this rule's
    await knob(knobs, "webhook_failures", {"endpoint": watched, "count": 6})
    await tick(bot)
    [alert] = posts(bot)
    assert "failing to flaky.example.net/in" in text_of([alert]) and "(100.0%;" in text_of([alert])


async def test_the_runway_from_the_bots_own_snapshots_is_within_10_percent_of_the_sandbox_pace(bot, knobs):
    """A week of hourly ticks while the sandbox spends $300 a day with auto-recharge topping it up."""
    await knob(knobs, "spend", {"per_day": "300.00"})
    await knob(knobs, "balance", {"balance": "400.00"})
    await bot.sandbox.state.update_auto_recharge(
        {"enabled": True, "threshold_amount": "100.00", "recharge_amount": "200.00"}
    )
    for _ in range(7 * 24):
        await knob(knobs, "clock", {"advance_seconds": 3600})
        bot.clock[0] += timedelta(hours=1)
        await bot.svc.scheduler.tick()
    recharged = [p for p in bot.sandbox.state.payments if p.get("auto_recharge")]
    assert len(recharged) >= 7  # rises the forecast must leave out
    bot.svc.forecasts.invalidate("runway")
    text = text_of(await bot.command("runway"))
    pace = Decimal(re.search(r"\$([0-9,.]+) a day", text).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert abs(pace - Decimal("300")) <= Decimal("30"), text
    assert "7.0 days of the bot's own balance history" in text or "6.9 days" in text


async def test_a_runway_alert_fires_as_the_sandbox_spends_down_and_resolves_after_a_top_up(bot, knobs):
    await bot.sandbox.state.update_auto_recharge({"enabled": False})
    await knob(knobs, "spend", {"per_day": "1000.00"})
    await knob(knobs, "balance", {"balance": "5000.00"})
    await add_rule(bot, "runway", "30")
    for _ in range(3 * 24):  # hourly ticks until the bot's own history shows the pace
        await knob(knobs, "clock", {"advance_seconds": 3600})
        if (await tick(bot, timedelta(hours=1))).total.fired:
            break
    [alert] = posts(bot)
    days = Decimal(re.search(r"Credit runs out in ([0-9.]+) days", text_of([alert])).group(1))  # type: ignore[union-attr]
    assert days < 30 and "Shorter than the alert's 30 days" in text_of([alert])
    await knob(knobs, "balance", {"balance": "500000.00"})  # a top-up: a rise, left out of the pace
    await tick(bot, timedelta(hours=1))
    assert "Resolved" in text_of(posts(bot))
    assert [m.text.startswith(":white_check_mark: Resolved") for m in replies(bot, alert)] == [True]


# Each kind through its whole life: it fires once, stays quiet, reminds in the thread once the interval has
# passed, and resolves by updating its message. Per kind: (threshold, make it fire, keep it firing an hour
# later, make it clear).
Step = Callable[[Bot, httpx.AsyncClient], Awaitable[None]]


async def nothing(bot: Bot, knobs: httpx.AsyncClient) -> None:
    return None


async def low_credit(bot: Bot, knobs: httpx.AsyncClient) -> None:
    await knob(knobs, "balance", {"balance": str(Decimal("20.00") - bot.sandbox.state.credit_limit)})


async def credit_restored(bot: Bot, knobs: httpx.AsyncClient) -> None:
    await knob(knobs, "balance", {"balance": "500000.00"})


async def spending(bot: Bot, knobs: httpx.AsyncClient) -> None:
    """Three days of the bot's history at $300 a day, ending at the account's balance."""
    await seed(bot, [(hour, Decimal("12.50")) for hour in range(72)])


async def spike(bot: Bot, knobs: httpx.AsyncClient) -> None:
    """A week at $120 a day, then $600 in the last 24 hours."""
    await seed(bot, [(hour, Decimal("25") if hour < 24 else Decimal("5")) for hour in range(8 * 24)])


async def spike_over(bot: Bot, knobs: httpx.AsyncClient) -> None:
    bot.clock[0] += timedelta(hours=25)  # the spike leaves the last 24 hours


async def failures(bot: Bot, knobs: httpx.AsyncClient) -> None:
    await knob(knobs, "clock", {"advance_seconds": int((bot.clock[0] - account_time(bot)).total_seconds())})
    await knob(knobs, "webhook_failures", {"endpoint": "https://hooks.example.com/x", "count": 12})


async def failures_over(bot: Bot, knobs: httpx.AsyncClient) -> None:
    bot.clock[0] += timedelta(hours=2)
    await knob(knobs, "clock", {"advance_seconds": int((bot.clock[0] - account_time(bot)).total_seconds())})


async def recharge_off(bot: Bot, knobs: httpx.AsyncClient) -> None:
    await bot.sandbox.state.update_auto_recharge({"enabled": False})


async def recharge_on(bot: Bot, knobs: httpx.AsyncClient) -> None:
    await bot.sandbox.state.update_auto_recharge({"enabled": True})


async def invoices_paid(bot: Bot, knobs: httpx.AsyncClient) -> None:
    for invoice in bot.sandbox.state.invoices:
        invoice["paid"] = True


def account_time(bot: Bot) -> datetime:
    return bot.sandbox.state.account_clock.now()


async def seed(bot: Bot, falls: list[tuple[int, Decimal]]) -> None:
    """Hourly snapshots back from the bot's now: `falls[i] = (hours ago, what was spent in that hour)`."""
    balance = bot.sandbox.state.balance
    rows = []
    for hours_ago, spent in sorted(falls):
        rows.append(
            BalanceSnapshotRow(
                at=bot.clock[0] - timedelta(hours=hours_ago),
                balance=balance,
                available_credit=balance,
                currency="USD",
            )
        )
        balance += spent
    async with bot.svc.store.transaction() as session:
        session.add_all(rows)


LIVES: dict[str, tuple[str, Step, Step, Step]] = {
    "low_credit": ("100", low_credit, nothing, credit_restored),
    "runway": ("30", spending, nothing, credit_restored),
    "spend_spike": ("2", spike, nothing, spike_over),
    "webhook_failures": ("10", failures, failures, failures_over),
    "autorecharge": ("", recharge_off, nothing, recharge_on),
    "invoice_unpaid": ("0", nothing, nothing, invoices_paid),
}


@pytest.mark.parametrize("kind", list(LIVES))
async def test_each_kind_fires_once_stays_quiet_reminds_in_its_thread_and_resolves(bot, knobs, kind):
    threshold, fire, keep, clear = LIVES[kind]
    await recharge_on(bot, knobs)  # a known start for the auto-recharge kind
    await add_rule(bot, kind, threshold, renotify="3600")
    await tick(bot)  # the rule's first look: whatever the account shows now (noted changes included)
    await fire(bot, knobs)
    await tick(bot)
    firing = await bot.svc.alerts.open_alerts()
    assert firing, f"{kind} did not fire"
    alert = next(m for m in posts(bot) if m.ts == firing[0].message_ts)
    shown = len(posts(bot))
    await tick(bot, timedelta(minutes=10))
    assert len(posts(bot)) == shown and replies(bot, alert) == []  # quiet while it keeps firing
    bot.clock[0] += timedelta(minutes=51)
    await keep(bot, knobs)
    await tick(bot, timedelta(0))
    assert [r.text.startswith(":repeat: Still firing") for r in replies(bot, alert)] == [True], kind
    await clear(bot, knobs)
    await tick(bot)
    assert await bot.svc.alerts.open_alerts() == []
    resolved = next(m for m in posts(bot) if m.ts == alert.ts)
    assert "Resolved" in text_of([resolved]) and resolved.edited
    assert replies(bot, alert)[-1].text.startswith(":white_check_mark: Resolved")
    assert len(posts(bot)) == shown  # resolving posts nothing new at the top level
