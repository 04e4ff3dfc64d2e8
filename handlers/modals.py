"""Modal submissions: who and where, the typed values, and a way to answer (they have no response_url).

The click that opened the modal keeps its response_url and channel in `private_metadata`; the answer
goes there, or to a direct message when it is missing or expired.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import ids
from handlers.common import Req

logger = logging.getLogger(__name__)


def reply_via(client: AsyncWebClient, user: str, url: str | None) -> Any:
    """A stand-in for `respond` in a modal submission: the stored response_url, or a DM without one."""

    async def send(text: str, blocks: Any = None, response_type: str = "ephemeral", **kw: Any) -> None:
        if url:
            replace = kw.get("replace_original", False)
            hook = AsyncWebhookClient(url)
            sent = await hook.send(
                text=text, blocks=blocks, response_type=response_type, replace_original=replace
            )
            if sent.status_code == 200:
                return
            logger.warning("response_url answered %s: sending a direct message instead", sent.status_code)
        await client.chat_postMessage(channel=user, text=text, blocks=blocks)

    return send


def field_value(body: dict[str, Any], block_id: str) -> str:
    """The text typed into the input `block_id` of a submitted modal."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((values.get(block_id) or {}).get(ids.INPUT) or {}).get("value") or "").strip()


def modal_req(body: dict[str, Any], context: Any, client: AsyncWebClient) -> tuple[Req, dict[str, Any]]:
    """The Req of a modal submission, answering through the response_url kept in its private_metadata."""
    meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    req = Req.from_bolt(body, context, None, client)  # type: ignore[arg-type]  # no response_url here
    req.respond = reply_via(client, req.user_id, meta.get("url"))
    req.channel_id = meta.get("ch") or req.channel_id
    return req, meta
