"""Answering the person who asked: on Bolt's context, over one pooled session, with the house decorations.

`reply_middleware` (global) gives every request a `respond` that posts with slack_sdk's `AsyncWebhookClient`
on the app's shared aiohttp session. Bolt's own `respond` opens a new session per reply, which costs more
than the post in a burst. A modal submission has no response_url: the click that opened the modal keeps its
own, and its channel, in `private_metadata` ({"url": ..., "ch": ...}); the answer goes there, or to a
direct message when it is missing or refused. A response_url is only posted to when it is on one of
Slack's hosts (bot/slack_urls.py): whoever wrote the payload or the metadata never picks where the bot
posts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import ids
from bot.errors import TelnyxError
from bot.metrics import CommandOutcome
from bot.redaction import printable
from bot.services import Services
from bot.slack_urls import is_response_url, origin_of
from formatting.errors import error_blocks, error_text
from formatting.help import usage_error_blocks
from formatting.layout import MAX_BLOCKS
from formatting.share import sandbox_context, shared_by_context, with_share_button
from handlers.outcome import note

logger = logging.getLogger(__name__)

SHARED_BY = "shared_by"  # context key: set when "Share in channel" re-runs a command for the channel
TRIGGER = "trigger_id"  # context key: the trigger of a command, click or shortcut (opens a modal)


def services(context: AsyncBoltContext) -> Services:
    """The app's shared parts (bot/app.py puts them in every context)."""
    return cast(Services, context["svc"])


def slack(context: AsyncBoltContext) -> AsyncWebClient:
    """The bot's Web API client."""
    client = context.client
    assert client is not None  # Bolt sets it on every request of a single-workspace app
    return client


def user(context: AsyncBoltContext) -> str:
    """Who asked or clicked."""
    return context.user_id or ""


class Reply:
    """Bolt's `respond`, over the shared session; without a usable response_url, a DM to the user."""

    def __init__(self, svc: Services, client: AsyncWebClient, user_id: str, url: str | None) -> None:
        self._svc, self._client, self._user, self.url = svc, client, user_id, url

    async def __call__(
        self,
        text: str = "",
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **_: Any,
    ) -> WebhookResponse | None:
        dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks or ()]
        if self.url:
            hook = AsyncWebhookClient(self.url, session=self._svc.http(), timeout=10)
            sent = await hook.send(
                text=text,
                blocks=dicts or None,  # a text-only message has no blocks field
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
            )
            if sent.status_code == 200:
                return sent
            logger.warning("response_url answered %s: sending a direct message instead", sent.status_code)
        if delete_original or not self._user:
            return None
        await self._client.chat_postMessage(channel=self._user, text=text, blocks=dicts or None)
        return None


def modal_metadata(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON a modal of this app carries in `private_metadata` ({} when it is not JSON)."""
    raw = (body.get("view") or {}).get("private_metadata") or "{}"
    try:
        meta = json.loads(raw)
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


async def reply_middleware(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt injects by name
) -> None:
    """Give the request its `respond` (see the module docstring) and its trigger id, and acknowledge it.

    Commands, clicks and shortcuts are acknowledged here, before any listener runs (Slack still gets the
    HTTP answer only once the access check has passed or answered). Bolt waits for a listener's ack by
    polling every 10 ms, and a listener that fails within those 10 ms has its ack erased: Slack would get a
    404 for a request that was handled and answered. A modal submission is acknowledged by its listener,
    which may answer with inline errors.
    """
    if body.get("type") not in ("view_submission", "block_suggestion"):
        await ack()
    url = body.get("response_url")
    if body.get("type") == "view_submission":
        meta = modal_metadata(body)
        url = meta.get("url")
        context["channel_id"] = meta.get("ch") or context.channel_id
    svc = services(context)
    if url is not None and not is_response_url(url, svc.settings.slack_api_url):
        where = origin_of(url) if isinstance(url, str) else None
        logger.warning(
            "not posting to a response_url on %s (not a Slack host): answering by direct message instead",
            printable(where or "something that is not an http(s) URL"),
        )
        url = None
    if context.client is not None:
        context["respond"] = Reply(svc, context.client, user(context), url)
    context[TRIGGER] = body.get("trigger_id")
    await next()


def decorate(svc: Services, blocks: Sequence[Any], share: str | None) -> list[Any]:
    """Add the sandbox mark and the Share button to an answer."""
    out = list(blocks)
    if svc.sandbox:
        out.append(sandbox_context())
    if share is not None:
        if len(out) >= MAX_BLOCKS:
            raise ValueError(f"no room for the share button: the answer already has {len(out)} blocks")
        out.extend(with_share_button([], share))
    return out


async def respond(context: AsyncBoltContext, text: str, blocks: Sequence[Any], **options: Any) -> None:
    """Post through the request's respond (reply_middleware gave every request one)."""
    reply = context.respond
    assert reply is not None
    await reply(text=text, blocks=list(blocks), **options)


async def answer(
    context: AsyncBoltContext,
    text: str,
    blocks: Sequence[Block],
    *,
    share: str | None = None,
    replace: bool = False,
) -> None:
    """Answer only the person who asked (account data is private by default), or the channel when shared."""
    svc = services(context)
    sharer = context.get(SHARED_BY)
    if sharer is not None:
        await respond(
            context,
            f"Shared by <@{sharer}>: {text}",
            [shared_by_context(sharer), *decorate(svc, blocks, None)],
            response_type="in_channel",
            replace_original=False,
        )
        return
    await respond(
        context,
        text,
        decorate(svc, blocks, share),
        response_type="ephemeral",
        replace_original=replace,
    )


async def usage_error(context: AsyncBoltContext, problem: str, accepted: str, example: str) -> None:
    """Answer a bad argument: what was wrong, what is accepted, an example. Nothing else happens."""
    note(context, CommandOutcome.USAGE_ERROR)
    await answer(
        context,
        f"{problem}. Accepted: {accepted}. Example: {example}",
        usage_error_blocks(problem, accepted, example),
    )


async def answer_error(context: AsyncBoltContext, err: TelnyxError, *, replace: bool = False) -> None:
    """Say what Telnyx's error means and what to do; never a key, a raw body or a traceback."""
    note(context, CommandOutcome.TELNYX_ERROR)
    logger.warning("telnyx error for %s: %s (status %s)", user(context), type(err).__name__, err.status)
    await respond(
        context,
        error_text(err),
        decorate(services(context), error_blocks(err), None),
        response_type="ephemeral",
        replace_original=replace,
    )


def field_value(body: dict[str, Any], block_id: str) -> str:
    """The text typed into the input `block_id` of a submitted modal."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((values.get(block_id) or {}).get(ids.INPUT) or {}).get("value") or "").strip()


def action_value(body: dict[str, Any]) -> str:
    """The value of the clicked button."""
    return str((body.get("actions") or [{}])[0].get("value") or "")


async def announce(context: AsyncBoltContext, channel: str, text: str) -> str | None:
    """Post `text` in `channel` (a setting's note: where alerts or digests will come from). None, or Slack's
    error when the bot cannot post there (not invited to a private channel, archived ...)."""
    try:
        await slack(context).chat_postMessage(channel=channel, text=text)
    except SlackApiError as err:
        error = str(err.response.get("error") or "error")
        logger.warning("cannot post in %s (%s)", channel, error)
        return error
    return None
