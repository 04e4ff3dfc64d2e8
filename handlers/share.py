"""Share in channel: run the same command again and post its answer to the channel, credited to the sharer.

Slack does not send the content of an ephemeral message with a click, so the button carries the command
text and the answer is built again (from the shared read cache, so it is the same data seconds later).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.parsing import Parsed, parse
from handlers.access import allowed
from handlers.replies import SHARED_BY, action_value, user
from handlers.subcommand import Subcommand


def listener(subcommands: dict[str, Subcommand]) -> Any:
    """The Share button's listener over these subcommands."""

    async def handle_share(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Post the answer the button belongs to into the channel, with "Shared by @user"."""
        await ack()
        parsed = parse(action_value(body))
        if not isinstance(parsed, Parsed):
            return  # not a value this app sends
        sub = subcommands.get(parsed.name)
        if sub is None or not sub.shareable:
            return
        # the permission of the command shared, checked now (listener middleware cannot know which)
        if sub.permission is not None and not await allowed(
            context, sub.permission, f"share /telnyx {sub.name}"
        ):
            return
        context[SHARED_BY] = user(context)
        await sub.run(context, parsed)

    return handle_share


def register(app: AsyncApp, subcommands: dict[str, Subcommand]) -> None:
    """The Share button of every answer."""
    app.action(ids.ACTION_SHARE)(listener(subcommands))
