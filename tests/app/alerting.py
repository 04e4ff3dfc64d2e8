"""Shared steps of the alert tests: add a rule through its form, run a tick, read the alert channel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot import ids
from devkit.slackfake.records import Message
from devkit.slackfake.values import static_select, text_input
from tests.app.harness import Bot

ADMIN, VIEWER, REQUESTER, FIN = "U0ADMIN", "U0VIEWER", "U0REQUEST", "U0FIN1"
ALERTS = "C0ALERTS"
TICK = timedelta(seconds=600)


def form(
    kind: str | None,
    threshold: str = "",
    *,
    endpoint: str = "",
    channel: str | None = ALERTS,
    renotify: str | None = "86400",
) -> dict[str, Any]:
    """The rule form's values as Slack submits them."""
    return {
        ids.BLOCK_ALERT_KIND: {ids.INPUT: static_select(kind)},
        ids.BLOCK_ALERT_THRESHOLD: {ids.INPUT: text_input(threshold)},
        ids.BLOCK_ALERT_ENDPOINT: {ids.INPUT: text_input(endpoint)},
        ids.BLOCK_ALERT_CHANNEL: {ids.INPUT: {"type": "channels_select", "selected_channel": channel}},
        ids.BLOCK_ALERT_RENOTIFY: {ids.INPUT: static_select(renotify)},
    }


async def open_form(bot: Bot, user: str = ADMIN) -> dict[str, Any]:
    await bot.command("alerts add", user=user)
    [modal] = bot.slack.view_stack(user)
    assert modal["callback_id"] == ids.VIEW_ALERT_RULE
    return modal


async def add_rule(bot: Bot, kind: str, threshold: str = "", **fields: Any) -> str:
    """Add a rule through `/telnyx alerts add` and its form; return its id."""
    bot.slack.add_channel(ALERTS, name="alerts")
    before = {r.id for r in await bot.svc.alerts.rules()}
    modal = await open_form(bot)
    resp = await bot.requests.view_submission(modal, form(kind, threshold, **fields), user=ADMIN)
    assert resp.ok and resp.json is None, resp.json
    await bot.idle()
    [rule_id] = {r.id for r in await bot.svc.alerts.rules()} - before
    return rule_id


async def tick(bot: Bot, after: timedelta = TICK) -> Any:
    """Let `after` pass on the bot's clock and run the scheduler's tick; wait for its posts."""
    bot.clock[0] += after
    report = await bot.svc.scheduler.tick()
    await bot.idle()
    return report


def posts(bot: Bot) -> list[Message]:
    """The alert channel's top-level messages (as they look now)."""
    return [
        m
        for m in bot.slack.messages(ALERTS)
        if not m.is_ephemeral and m.thread_ts in (None, m.ts) and not m.text.startswith(":bell:")
    ]


def replies(bot: Bot, message: Message) -> list[Message]:
    return [m for m in bot.slack.messages(ALERTS) if m.thread_ts == message.ts and m.ts != message.ts]


def actions_of(message: Message) -> list[str]:
    return [e["action_id"] for _, e in message.elements()]


def set_available(bot: Bot, available: str) -> None:
    state = bot.sandbox.state
    state.balance = Decimal(available) - state.credit_limit
