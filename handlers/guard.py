"""The access check every command, click, shortcut and submission runs first, on the server."""

from __future__ import annotations

import logging

from bot.access import Decision, Permission
from formatting.access import denied_blocks, denied_text
from handlers.common import Req, answer

logger = logging.getLogger(__name__)


async def check(req: Req, permission: Permission) -> Decision:
    """Decide now (never from a cached answer of an earlier click)."""
    return await req.svc.access.check(req.user_id, permission)


async def allowed(req: Req, permission: Permission, what: str) -> bool:
    """True when the user may; otherwise answer the reason only to them, record the denial, return False."""
    decision = await check(req, permission)
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
