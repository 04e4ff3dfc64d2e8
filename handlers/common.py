"""What every listener shares: the request view, replies, error answers and in-flight tracking."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse

from bot.errors import TelnyxError
from bot.services import Services
from formatting.errors import error_blocks, error_text
from formatting.help import usage_error_blocks
from formatting.layout import MAX_BLOCKS
from formatting.share import sandbox_context, shared_by_context, with_share_button

logger = logging.getLogger(__name__)


@dataclass
class Req:
    """One user's request, whatever its kind (command, click, shortcut, submission)."""

    svc: Services
    user_id: str
    channel_id: str | None
    respond: AsyncRespond
    client: AsyncWebClient
    trigger_id: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    shared_by: str | None = None  # set when "Share in channel" re-runs a command for the channel

    @classmethod
    def from_bolt(
        cls, body: dict[str, Any], context: Any, respond: AsyncRespond, client: AsyncWebClient
    ) -> Req:
        """Read who and where from any Bolt payload."""
        user = body.get("user_id") or (body.get("user") or {}).get("id") or context.get("user_id") or ""
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or context.get("channel_id")
        svc: Services = context["svc"]
        url = body.get("response_url")
        return cls(
            svc=svc,
            user_id=user,
            channel_id=channel,
            respond=responder(svc, url) if url else respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            body=body,
        )


def responder(svc: Services, url: str) -> Any:
    """Like Bolt's respond, posting straight over the app's pooled session.

    Bolt's respond builds a new client (and session) per reply; a burst of hundreds of replies then
    spends more time setting up than sending. Blocks may be slack_sdk objects or already dicts.
    """

    async def respond(text: str = "", blocks: Sequence[Any] | None = None, **options: Any) -> WebhookResponse:
        body: dict[str, Any] = {"text": text, **{k: v for k, v in options.items() if v is not None}}
        if blocks:  # an empty list is not sent: a text-only message has no blocks field
            body["blocks"] = [b.to_dict() if isinstance(b, Block) else b for b in blocks]
        async with svc.http().post(url, json=body, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            return WebhookResponse(
                url=url, status_code=resp.status, body=await resp.text(), headers=dict(resp.headers)
            )

    return respond


def decorate(svc: Services, blocks: Sequence[Any], share: str | None) -> list[Any]:
    """Add the sandbox mark and the Share button to an answer (as dicts, built once per value)."""
    out = list(blocks)
    if svc.sandbox:
        out.append(_sandbox_mark())
    if share is not None:
        if len(out) >= MAX_BLOCKS:
            raise ValueError(f"no room for the share button: the answer already has {len(out)} blocks")
        out.append(_share_actions(share))
    return out


@functools.cache
def _sandbox_mark() -> dict[str, Any]:
    return sandbox_context().to_dict()


@functools.lru_cache(maxsize=256)
def _share_actions(share: str) -> dict[str, Any]:
    return with_share_button([], share)[0].to_dict()


def rendered(req: Req, key: tuple[Any, ...], pins: tuple[object, ...], build: Any) -> tuple[str, list[Any]]:
    """(text, blocks as dicts) built once for identical commands over the same shared data objects.

    `build()` returns (text, blocks); `pins` are the data it reads (the same objects for every waiter of a
    shared read), `key` the rest of what the answer depends on.
    """

    def serialised() -> tuple[str, list[Any]]:
        text, blocks = build()
        return text, [b.to_dict() if isinstance(b, Block) else b for b in blocks]

    return req.svc.answers.get(key, pins, serialised)


async def answer(
    req: Req,
    text: str,
    blocks: Sequence[Block],
    *,
    share: str | None = None,
    replace: bool = False,
) -> None:
    """Answer only the person who asked (account data is private by default), or the channel when shared."""
    if req.shared_by is not None:
        await req.respond(
            text=f"Shared by <@{req.shared_by}>: {text}",
            blocks=[shared_by_context(req.shared_by), *decorate(req.svc, blocks, None)],
            response_type="in_channel",
            replace_original=False,
        )
        return
    await req.respond(
        text=text,
        blocks=decorate(req.svc, blocks, share),
        response_type="ephemeral",
        replace_original=replace,
    )


async def usage_error(req: Req, problem: str, accepted: str, example: str) -> None:
    """Answer a bad argument: what was wrong, what is accepted, an example. Nothing else happens."""
    await answer(
        req,
        f"{problem}. Accepted: {accepted}. Example: {example}",
        usage_error_blocks(problem, accepted, example),
    )


async def answer_error(req: Req, err: TelnyxError, *, replace: bool = False) -> None:
    """Say what Telnyx's error means and what to do; never a key, a raw body or a traceback."""
    logger.warning("telnyx error for %s: %s (status %s)", req.user_id, type(err).__name__, err.status)
    await req.respond(
        text=error_text(err),
        blocks=decorate(req.svc, error_blocks(err), None),
        response_type="ephemeral",
        replace_original=replace,
    )


def tracked(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Count the listener as in flight (a shutdown waits for it) and answer Telnyx errors it lets out."""

    @functools.wraps(fn)
    async def wrapper(**kwargs: Any) -> None:
        svc: Services = kwargs["context"]["svc"]
        svc.inflight.enter()
        try:
            await fn(**kwargs)
        except TelnyxError as err:
            body = kwargs.get("body") or {}
            if not body.get("response_url") and kwargs.get("respond") is None:
                # a modal submission has nowhere to answer; its handler answers its own errors
                logger.error("unanswered Telnyx error in %s: %s", fn.__name__, type(err).__name__)
                return
            req = Req.from_bolt(body, kwargs["context"], kwargs["respond"], kwargs["client"])
            await answer_error(req, err)
        finally:
            svc.inflight.leave()

    return wrapper
