"""`/telnyx runway`: how long the available credit lasts at the current pace (issue 14, first part)."""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.errors import TelnyxError
from bot.parsing import Parsed
from bot.runway import (
    Snapshot,
    Spend,
    current_pace,
    recharges,
    runway,
    sparkline,
)
from bot.services import Services
from formatting.runway import runway_blocks, runway_text
from handlers.replies import answer, services, usage_error
from handlers.subcommand import Subcommand

EXAMPLE = "/telnyx runway"


async def pace(svc: Services) -> tuple[Spend, list[Snapshot]]:
    """The daily spend and the history it came from, computed once a minute for every reader (a burst of
    `balance` commands reads the database and Telnyx's charges once)."""
    return (
        await svc.forecasts.get(("runway",), lambda: current_pace(svc.history, svc.telnyx, svc.clock()))
    ).value


async def run_runway(context: AsyncBoltContext, parsed: Parsed) -> None:
    """The daily spend, when available credit reaches zero and the threshold, the sparkline, recharges."""
    if parsed.args or parsed.options:
        await usage_error(context, "`runway` takes no arguments", "`/telnyx runway`", EXAMPLE)
        return
    svc = services(context)
    now = svc.clock()
    fresh, (spend, history) = await asyncio.gather(svc.telnyx.balance(), pace(svc))
    balance = fresh.value
    try:
        prefs = (await svc.telnyx.auto_recharge_prefs()).value
    except TelnyxError:
        prefs = None  # the forecast stands without it
    threshold = svc.settings.low_balance_threshold
    forecast = runway(balance.available_credit, threshold, spend, now.date())
    recharging = None
    if prefs is not None and prefs.enabled and prefs.recharge_amount and prefs.threshold_amount is not None:
        recharging = recharges(balance.balance, prefs.threshold_amount, prefs.recharge_amount, spend)
    blocks = runway_blocks(
        balance,
        forecast,
        threshold=threshold,
        spark=sparkline(history, now.date()),
        prefs=prefs,
        recharges=recharging,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
        now=now,
    )
    await answer(context, runway_text(balance, forecast), blocks, share="runway")


SUBCOMMANDS = (
    Subcommand(
        "runway",
        "/telnyx runway",
        "How long the available credit lasts at the current pace: daily spend, the date it runs out, the "
        "last 14 days, and what auto-recharge will do.",
        EXAMPLE,
        run_runway,
    ),
)


def register(app: AsyncApp) -> None:
    """No buttons."""
