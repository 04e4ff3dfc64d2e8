"""`/telnyx balance` and its Refresh button."""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.parsing import Parsed
from bot.runway import runway, sparkline
from formatting.balance import balance_blocks, balance_text
from formatting.runway import basis_text, runway_line
from handlers.access import check, require
from handlers.replies import SHARED_BY, answer, services, usage_error
from handlers.runway import pace
from handlers.subcommand import Subcommand


async def run_balance(context: AsyncBoltContext, parsed: Parsed, *, replace: bool = False) -> None:
    """Reply with the balance, available credit, credit limit and pending amount."""
    if parsed.args or parsed.options:
        await usage_error(context, "`balance` takes no arguments", "`/telnyx balance`", "/telnyx balance")
        return
    svc = services(context)
    fresh, (spend, history) = await asyncio.gather(svc.telnyx.balance(), pace(svc))
    now = svc.clock()
    forecast = runway(fresh.value.available_credit, svc.settings.low_balance_threshold, spend, now.date())
    line = runway_line(fresh.value, forecast, sparkline(history, now.date()))
    # Request top-up only for someone who may use it; a copy shared in the channel shows it to nobody
    mine = context.get(SHARED_BY) is None
    can_request = mine and (await check(context, Permission.REQUEST_TOPUP)).allowed
    blocks = balance_blocks(
        fresh.value,
        low_threshold=svc.settings.low_balance_threshold,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
        now=now,
        can_request=can_request,
        runway=(line, basis_text(forecast)),
    )
    await answer(context, balance_text(fresh.value), blocks, share="balance", replace=replace)


async def handle_refresh(ack: AsyncAck, context: AsyncBoltContext) -> None:
    """The balance's Refresh button: drop the cached balance and redraw the same message."""
    await ack()
    await services(context).telnyx.invalidate("balance")
    await run_balance(context, Parsed("balance"), replace=True)


SUBCOMMANDS = (
    Subcommand(
        "balance",
        "/telnyx balance",
        "Balance, available credit, credit limit and pending amount.",
        "/telnyx balance",
        run_balance,
    ),
)


def register(app: AsyncApp) -> None:
    """The Refresh button."""
    app.action(ids.ACTION_REFRESH_BALANCE, middleware=[require(Permission.VIEW, "refresh the balance")])(
        handle_refresh
    )
