"""Putting a file into the conversation, streamed, with a clear answer when Slack will not take it.

Slack's external upload is three steps: ask for an upload URL (`files.getUploadURLExternal`), POST the
bytes there, then share the file (`files.completeUploadExternal`). slack_sdk's `files_upload_v2` reads
the whole file into memory first; an export can be large, so the bytes are streamed from disk instead.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from formatting.help import usage_error_blocks
from handlers.replies import answer, services, slack, user

logger = logging.getLogger(__name__)


class UploadFailed(Exception):
    """The upload URL did not take the bytes."""


async def file_destination(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    """Where a file made from a click goes: the asker's DM with the app unless the answer clicked on was
    posted in the channel for everyone (only Share in channel makes anything public)."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") is False and context.channel_id:
        return context.channel_id
    opened = await slack(context).conversations_open(users=user(context))
    return str(opened["channel"]["id"])


async def upload_csv(
    context: AsyncBoltContext, channel: str, filename: str, content: bytes | Path, title: str
) -> bool:
    """Upload to `channel`; on failure tell the user why. True when uploaded."""
    # a local temporary file: stat and open are microseconds, not worth a thread
    size = content.stat().st_size if isinstance(content, Path) else len(content)  # noqa: ASYNC240
    client = slack(context)
    try:
        ticket = await client.files_getUploadURLExternal(filename=filename, length=size)
        with content.open("rb") if isinstance(content, Path) else io.BytesIO(content) as stream:
            # streamed in chunks from the file
            async with services(context).http().post(ticket["upload_url"], data=stream) as resp:
                if resp.status != 200:
                    raise UploadFailed(f"HTTP {resp.status}")
        await client.files_completeUploadExternal(
            files=[{"id": ticket["file_id"], "title": title}],
            channel_id=channel,
            initial_comment=f"<@{user(context)}> here is {title}.",
        )
    except (SlackApiError, UploadFailed, aiohttp.ClientError) as err:
        error = err.response.get("error", "unknown_error") if isinstance(err, SlackApiError) else str(err)
        logger.warning("file upload to %s failed: %s", channel, error)
        problem = f"Slack refused the file upload ({error})"
        accepted = "a channel the bot is a member of, or a direct message with the bot"
        await answer(
            context, problem, usage_error_blocks(problem, accepted, "/invite @Telnyx, then click again")
        )
        return False
    return True
