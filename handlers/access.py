"""The access check every command, click, shortcut and submission runs first, on the server.

Buttons, shortcuts and modals declare it as Bolt listener middleware: `middleware=[require(Permission.X,
"what it does")]`. The `/telnyx` command checks the subcommand's permission with `allowed()` after routing.
A refusal is acknowledged, recorded in the audit trail and explained to that person only; the listener
does not run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.access import Decision, Permission
from formatting.access import denied_blocks, denied_text
from handlers.replies import answer, services, user

logger = logging.getLogger(__name__)

Middleware = Callable[..., Awaitable[BoltResponse | None]]


async def check(context: AsyncBoltContext, permission: Permission, *, fresh: bool = False) -> Decision:
    """Decide now (never from an earlier click's answer; `fresh`: user-group membership looked up live)."""
    return await services(context).access.check(user(context), permission, fresh=fresh)


async def allowed(
    context: AsyncBoltContext, permission: Permission, what: str, *, fresh: bool = False
) -> bool:
    """True when the user may; otherwise answer the reason only to them, record the denial, return False.

    `fresh` for decisions that move money: user-group membership is looked up live, not from the cache.
    """
    decision = await check(context, permission, fresh=fresh)
    if decision.allowed:
        return True
    logger.info("denied %s to %s: %s", what, user(context), decision.verdict.value)
    await services(context).audit.record_denial(user(context), permission.value, what, decision.note())
    await answer(context, denied_text(what, decision), denied_blocks(what, decision))
    return False


def require(permission: Permission, what: str, *, fresh: bool = False) -> Middleware:
    """Listener middleware: run the listener only for a user who holds `permission` now."""

    async def access_check(
        ack: AsyncAck,
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt injects by name
    ) -> BoltResponse | None:
        if await allowed(context, permission, what, fresh=fresh):
            await next()
            return None
        return await ack()  # the refusal is answered: Slack gets its 200, the listener does not run

    access_check.__name__ = f"require_{permission.value}"
    return access_check
