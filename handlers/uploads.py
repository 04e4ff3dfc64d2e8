"""Putting a file into the conversation, with a clear answer when Slack will not take it."""

from __future__ import annotations

import logging
from pathlib import Path

from slack_sdk.errors import SlackApiError

from formatting.help import usage_error_blocks
from handlers.common import Req, answer

logger = logging.getLogger(__name__)


async def upload_csv(req: Req, filename: str, content: bytes | Path, title: str) -> bool:
    """Upload to the channel the request came from; on failure tell the user why. True when uploaded."""
    kwargs = {"file": str(content)} if isinstance(content, Path) else {"content": content}
    try:
        await req.client.files_upload_v2(
            channel=req.channel_id,
            filename=filename,
            title=title,
            initial_comment=f"<@{req.user_id}> here is {title}.",
            **kwargs,
        )
    except SlackApiError as err:
        error = err.response.get("error", "unknown_error")
        logger.warning("file upload to %s failed: %s", req.channel_id, error)
        problem = f"Slack refused the file upload ({error})"
        accepted = "a channel the bot is a member of, or a direct message with the bot"
        await answer(req, problem, usage_error_blocks(problem, accepted, "/invite @Telnyx, then click again"))
        return False
    return True
