"""Share in channel: run the same command again and post its answer to the channel, credited to the sharer.

Slack does not send the content of an ephemeral message with a click, so the button carries the command
text and the answer is built again (from the shared read cache, so it is the same data seconds later).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.parsing import Parsed, parse
from handlers.common import Req, tracked
from handlers.guard import allowed


@tracked
async def handle_share(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Post the answer the button belongs to into the channel, with "Shared by @user"."""
    from handlers.router import subcommands

    await ack()
    req = Req.from_bolt(body, context, respond, client)
    parsed = parse((body.get("actions") or [{}])[0].get("value", ""))
    if not isinstance(parsed, Parsed):
        return  # not a value this app sends
    sub = subcommands().get(parsed.name)
    if sub is None or not sub.shareable:
        return
    if sub.permission is not None and not await allowed(req, sub.permission, f"share /telnyx {sub.name}"):
        return
    await sub.run(replace(req, shared_by=req.user_id), parsed)


def register(app: Any) -> None:
    """The Share button of every answer."""
    app.action(ids.ACTION_SHARE)(handle_share)
