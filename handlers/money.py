"""Who may move money: `whoami`, plus the top-up and auto-recharge subcommands gathered for the router."""

from __future__ import annotations

from typing import Any

from bot.parsing import Parsed
from formatting.access import whoami_blocks, whoami_text
from handlers import autorecharge, topup
from handlers.common import Req, answer, usage_error
from handlers.registry import Subcommand


async def run_whoami(req: Req, parsed: Parsed) -> None:
    """Your roles and, for each permission, allowed or denied and the rule that decided."""
    if parsed.args or parsed.options:
        await usage_error(req, "`whoami` takes no arguments", "`/telnyx whoami`", "/telnyx whoami")
        return
    roles = await req.svc.access.roles_of(req.user_id)
    decisions = await req.svc.access.explain(req.user_id)
    blocks = whoami_blocks(req.user_id, roles, decisions, configured=req.svc.policy.configured)
    await answer(req, whoami_text(req.user_id, roles, decisions), blocks)


SUBCOMMANDS = [
    *autorecharge.SUBCOMMANDS,
    *topup.SUBCOMMANDS,
    Subcommand("whoami", "/telnyx whoami", "Your roles, and what each permission allows you.", "/telnyx whoami",
               run_whoami, shareable=False),
]  # fmt: skip


def register(app: Any) -> None:
    """Buttons and modals of the money commands."""
    autorecharge.register(app)
    topup.register(app)
