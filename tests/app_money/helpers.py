"""Shared steps of the money tests: request a top-up, click its card, read what each person sees."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import ids
from devkit.slackfake.records import Message
from tests.app.harness import Bot, text_of

if TYPE_CHECKING:
    from tests.app_money.instances import Instance

ALICE, REQUESTER, FIN1, FIN2, ADMIN = "U0ALICE", "U0REQUEST", "U0FIN1", "U0FIN2", "U0ADMIN"
APPROVALS, AUDIT, GENERAL = "C0APPROVALS", "C0AUDIT", "C0GENERAL"
PAYMENTS = "/v2/payment/stored_payment_transactions"


def card(bot: Bot) -> Message:
    """The newest approval card."""
    cards = [m for m in bot.slack.messages(APPROVALS) if not m.is_ephemeral]
    assert cards, "no approval card was posted"
    return cards[-1]


def buttons(message: Message | dict[str, Any]) -> list[str]:
    """The action ids of the buttons a message (or view) shows."""
    blocks = message.blocks if isinstance(message, Message) else message.get("blocks") or []
    return [e["action_id"] for b in blocks if b.get("type") == "actions" for e in b["elements"]]


async def request_topup(bot: Bot, text: str = '150.00 "launch week"', *, user: str = REQUESTER) -> Message:
    """`/telnyx topup <text>` as `user`; return the card it posted."""
    before = len(bot.slack.messages(APPROVALS))
    answer = text_of(await bot.command(f"topup {text}", user=user))
    assert len(bot.slack.messages(APPROVALS)) == before + 1, answer
    return card(bot)


async def click(bot: Bot, message: Message, action_id: str, user: str) -> str:
    """Click a button of a message where it lives; return what the clicker sees change (text)."""
    return text_of(await bot.click(message, action_id, user=user, channel=message.channel))


def seen_by(bot: Bot, user: str, channel: str = APPROVALS) -> str:
    """Every ephemeral answer `user` got in `channel`."""
    return text_of([m for m in bot.slack.messages(channel, user) if m.ephemeral_to == user])


def dm(bot: Bot, user: str) -> str:
    """Every direct message the bot sent `user`."""
    return text_of(bot.slack.messages(user))


def audit_posts(bot: Bot) -> str:
    """Everything posted to the audit channel."""
    return text_of(bot.slack.messages(AUDIT))


def payments(bot: Bot) -> int:
    """How many payment requests reached the sandbox."""
    return bot.sandbox.request_count(PAYMENTS, "POST")


def balance(bot: Bot) -> Decimal:
    """The sandbox account's balance now."""
    return bot.sandbox.state.balance


async def open_deny_modal(bot: Bot, message: Message, user: str = FIN1) -> dict[str, Any]:
    """Click Deny and return the modal it opened for `user`."""
    await click(bot, message, ids.ACTION_TOPUP_DENY, user)
    stack = bot.slack.view_stack(user)
    assert stack and stack[-1]["callback_id"] == ids.VIEW_TOPUP_DENY, "the deny modal did not open"
    return stack[-1]


def card_id(message: Message) -> str:
    """The request id a card names in its last line."""
    return message.blocks[-1]["elements"][0]["text"].split("`")[1]


async def request_on(instance: Instance, text: str, *, user: str = REQUESTER) -> None:
    """`/telnyx topup <text>` in #general served by `instance`; the card is posted before it returns."""
    resp = await instance.requests.command("/telnyx", f"topup {text}", user=user, channel=GENERAL)
    assert resp.ok
    await instance.idle()
