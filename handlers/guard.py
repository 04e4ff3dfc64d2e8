"""The access check every command, click, shortcut and submission runs first, on the server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Decision, Permission
from formatting.access import denied_blocks, denied_text
from handlers.common import Req, answer, tracked

logger = logging.getLogger(__name__)


async def check(req: Req, permission: Permission, *, fresh: bool = False) -> Decision:
    """Decide now (never from a cached answer of an earlier click; `fresh`: group membership looked up live)."""
    return await req.svc.access.check(req.user_id, permission, fresh=fresh)


async def allowed(req: Req, permission: Permission, what: str, *, fresh: bool = False) -> bool:
    """True when the user may; otherwise answer the reason only to them, record the denial, return False.

    `fresh` for decisions that move money: user-group membership is looked up live, not from the cache.
    """
    decision = await check(req, permission, fresh=fresh)
    if decision.allowed:
        return True
    logger.info("denied %s to %s: %s", what, req.user_id, decision.rule)
    await req.svc.audit.record(
        actor=req.user_id,
        action=f"denied: {permission.value}",
        target=what,
        before=None,
        after=None,
        result="denied",
        detail=decision.reason,
    )
    await answer(req, denied_text(what, decision), denied_blocks(what, decision))
    return False


Click = Callable[[Req, str], Awaitable[None]]


def on_click(
    permission: Permission, what: str, *, valid: Callable[[str], object] = bool, fresh: bool = False
) -> Callable[[Click], Any]:
    """A button listener: ack, then for a value this app sends, check access now and run `fn(req, value)`."""

    def decorate(fn: Click) -> Any:
        @tracked
        async def listener(
            ack: AsyncAck,
            body: dict[str, Any],
            context: AsyncBoltContext,
            respond: AsyncRespond,
            client: AsyncWebClient,
        ) -> None:
            await ack()
            value = str((body.get("actions") or [{}])[0].get("value") or "")
            if not valid(value):
                return  # not a value this app ever sends: nothing to answer
            req = Req.from_bolt(body, context, respond, client)
            if await allowed(req, permission, what, fresh=fresh):
                await fn(req, value)

        listener.__name__, listener.__qualname__, listener.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        return listener

    return decorate
