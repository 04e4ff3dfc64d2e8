"""`/telnyx digest`: scheduled digests in a channel (admins add, list and remove them) and `digest now`, a
preview only the asker sees (anyone who may view the account). The scheduler posts them (bot/digests);
`deliver_digest` is the outbox's delivery of one.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.access import Permission
from bot.digests import (
    MAX_SUBSCRIPTIONS,
    Cadence,
    Digest,
    Problem,
    Reason,
    book_of,
    gather,
    next_due,
    preview_period,
    read_channel,
    read_wanted,
)
from bot.outbox import Delivery, Permanent
from bot.parsing import Parsed
from bot.services import Services
from formatting.digest import (
    EXAMPLE_NOW,
    EXAMPLE_OFF,
    EXAMPLES,
    USAGE,
    announce_text,
    cannot_post_blocks,
    cannot_post_text,
    digest_blocks,
    digest_text,
    duplicate_text,
    nothing_to_remove_text,
    problem_words,
    removed_text,
    subscribed_blocks,
    subscribed_text,
    subscriptions_blocks,
    subscriptions_text,
    too_many_text,
)
from formatting.layout import section
from handlers.access import allowed, require
from handlers.replies import action_value, announce, answer, decorate, services, usage_error, user
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)
MANAGE = "manage digests"
LIST = "list the digests"


async def _say(context: AsyncBoltContext, text: str) -> None:
    await answer(context, text, [section(text)])


async def run_digest(context: AsyncBoltContext, parsed: Parsed) -> None:
    """`digest now`: a preview; `digest daily|weekly ...`, `digest list`, `digest off ...`: admins."""
    action = parsed.args[0].lower() if parsed.args else ""
    rest = list(parsed.args[1:])
    if parsed.options:
        bad = next(iter(parsed.options))
        await usage_error(
            context, f"`{bad}=` is not something `digest` takes", USAGE, EXAMPLES[Cadence.DAILY]
        )
    elif action == "now":
        await _preview(context, rest)
    elif action in (Cadence.DAILY, Cadence.WEEKLY):
        if await allowed(context, Permission.ADMIN, MANAGE, fresh=True):
            await _subscribe(context, Cadence(action), rest)
    elif action == "list":
        if await allowed(context, Permission.ADMIN, LIST):
            await _list(context, rest)
    elif action == "off":
        if await allowed(context, Permission.ADMIN, MANAGE, fresh=True):
            await _off(context, rest)
    else:
        problem = (
            f"`digest {parsed.args[0]}` is not a digest command"
            if parsed.args
            else "`digest` needs what to do: now, daily, weekly, list or off"
        )
        await usage_error(context, problem, USAGE, EXAMPLES[Cadence.DAILY])


async def _preview(context: AsyncBoltContext, rest: list[str]) -> None:
    words = [word.lower() for word in rest]
    if len(words) > 1 or (words and words[0] not in (Cadence.DAILY, Cadence.WEEKLY)):
        await usage_error(
            context,
            f"`digest now {' '.join(rest)}` is not a preview",
            "`/telnyx digest now` (the last day) or `/telnyx digest now weekly` (the last 7 days)",
            EXAMPLE_NOW,
        )
        return
    svc = services(context)
    now = svc.clock()
    digest = await gather(svc, preview_period(Cadence(words[0]) if words else Cadence.DAILY, now), now=now)
    await answer(context, digest_text(digest), digest_blocks(digest, preview=True))


async def _subscribe(context: AsyncBoltContext, cadence: Cadence, rest: list[str]) -> None:
    """Check the words, refuse a duplicate or a channel the bot cannot post in, then store it."""
    wanted = read_wanted(cadence, rest)
    if isinstance(wanted, Problem):
        await usage_error(context, *problem_words(wanted))
        return
    svc = services(context)
    book = book_of(svc)
    subs = await book.subscriptions()
    same = next((s for s in subs if (s.schedule, s.channel) == (wanted.schedule, wanted.channel)), None)
    if same is not None:
        await _say(context, duplicate_text(same))
        return
    if len(subs) >= MAX_SUBSCRIPTIONS:
        await _say(context, too_many_text(MAX_SUBSCRIPTIONS))
        return
    error = await announce(context, wanted.channel, announce_text(wanted.schedule, user(context)))
    if error is not None:
        await answer(
            context, cannot_post_text(wanted.channel, error), cannot_post_blocks(wanted.channel, error)
        )
        return
    now = svc.clock()
    sub = await book.add(wanted.schedule, wanted.channel, user(context), now)
    await answer(context, subscribed_text(sub), subscribed_blocks(sub, next_due(sub.schedule, now)))


async def _list(context: AsyncBoltContext, rest: list[str]) -> None:
    if rest:
        await usage_error(
            context, "`digest list` takes nothing after it", "`/telnyx digest list`", EXAMPLE_NOW
        )
        return
    svc = services(context)
    now = svc.clock()
    listed = [(sub, next_due(sub.schedule, now)) for sub in await book_of(svc).subscriptions()]
    await answer(context, subscriptions_text(listed), subscriptions_blocks(listed))


async def _off(context: AsyncBoltContext, rest: list[str]) -> None:
    """Remove one digest by its id, or every digest of a channel."""
    accepted = (
        "`/telnyx digest off <id>` (the id `/telnyx digest list` shows) or `/telnyx digest off #channel`"
    )
    if len(rest) != 1:
        problem = "`digest off` needs which digest" if not rest else "`digest off` takes one id or channel"
        await usage_error(context, problem, accepted, EXAMPLE_OFF)
        return
    target = rest[0]
    svc = services(context)
    book = book_of(svc)
    subs = await book.subscriptions()
    chosen = [s.id for s in subs if s.id == target]
    read = read_channel(target) if not chosen else None
    if read is Reason.CHANNEL_NAME:
        await usage_error(
            context,
            f"`{target[:40]}` reached the bot as plain text, without the channel's id",
            accepted + ", picking the channel as you type `#` so Slack turns it into a link",
            EXAMPLE_OFF,
        )
        return
    channel = None if read is None or isinstance(read, Reason) else read  # Reason is a str too
    if channel is not None:
        chosen = [s.id for s in subs if s.channel == channel]
    removed = await book.remove(chosen, user(context)) if chosen else []
    if not removed:
        await _say(context, nothing_to_remove_text(channel or target, channel is not None))
        return
    await _say(context, removed_text(removed))


async def deliver_digest(svc: Services, client: AsyncWebClient, row: Delivery) -> None:
    """Post a queued digest in its channel (the outbox retries Slack's failures with the same digest)."""
    if await book_of(svc).subscription(str(row.payload["subscription"])) is None:
        logger.info("digest %s removed before it was posted: not posting", row.payload["subscription"])
        return
    try:
        digest = Digest.from_payload(row.payload["digest"])
    except ValidationError as err:
        raise Permanent(f"the queued digest cannot be read: {err.error_count()} problems") from None
    await client.chat_postMessage(
        channel=str(row.payload["channel"]),
        text=digest_text(digest),
        blocks=decorate(svc, digest_blocks(digest), None),
    )


SUBCOMMANDS = (
    Subcommand(
        "digest",
        "/telnyx digest now | daily HH:MM Zone #channel | weekly <day> HH:MM Zone #channel | list | off <id>",
        "A digest of the account: balance and runway, spend against the period before, top costs, webhook "
        "health, top-ups waiting, unpaid invoices. `now` previews it (only you see it); admins post it in a "
        "channel every day or week.",
        EXAMPLE_NOW,
        run_digest,
        shareable=False,
    ),
)


async def handle_off_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Turn off on the Home tab (admins, after a confirm dialog): the same removal as `digest off <id>`."""
    subscription_id = action_value(body)
    removed = await book_of(services(context)).remove([subscription_id], user(context))
    if not removed:
        await _say(context, nothing_to_remove_text(subscription_id, False))
        return
    await _say(context, removed_text(removed))


def register(app: AsyncApp) -> None:
    """Turn off on the Home tab; the digests themselves are posted by the scheduler through the outbox."""
    app.action(ids.ACTION_DIGEST_OFF, middleware=[require(Permission.ADMIN, MANAGE, fresh=True)])(
        handle_off_button
    )
