"""Who may move money: `whoami`, the admins' `trail`, and the top-up and auto-recharge subcommands."""

from __future__ import annotations

from typing import Any

from bot.access import Permission
from bot.parsing import Parsed
from formatting.access import whoami_blocks, whoami_text
from formatting.audit_trail import trail_blocks, trail_text
from handlers import autorecharge, topup
from handlers.common import Req, answer, usage_error
from handlers.registry import Subcommand

TRAIL_DEFAULT, TRAIL_MAX = 20, 100


async def run_whoami(req: Req, parsed: Parsed) -> None:
    """Your roles and, for each permission, allowed or denied and the rule that decided."""
    if parsed.args or parsed.options:
        await usage_error(req, "`whoami` takes no arguments", "`/telnyx whoami`", "/telnyx whoami")
        return
    roles = await req.svc.access.roles_of(req.user_id)
    decisions = await req.svc.access.explain(req.user_id)
    blocks = whoami_blocks(req.user_id, roles, decisions, configured=req.svc.policy.configured)
    await answer(req, whoami_text(req.user_id, roles, decisions), blocks)


async def run_trail(req: Req, parsed: Parsed) -> None:
    """The bot's own audit trail, newest first (admins only: it names who was refused what)."""
    accepted = f"a number of records from 1 to {TRAIL_MAX} (default {TRAIL_DEFAULT})"
    raw = parsed.args[0] if parsed.args else str(TRAIL_DEFAULT)
    if parsed.options or len(parsed.args) > 1 or not raw.isdigit() or not 1 <= int(raw) <= TRAIL_MAX:
        await usage_error(req, "`trail` takes at most one number", accepted, "/telnyx trail 50")
        return
    records = await req.svc.audit.recent(int(raw))
    await answer(req, trail_text(records), trail_blocks(records))


SUBCOMMANDS = [
    *autorecharge.SUBCOMMANDS,
    *topup.SUBCOMMANDS,
    Subcommand(
        "whoami",
        "/telnyx whoami",
        "Your roles, and what each permission allows you.",
        "/telnyx whoami",
        run_whoami,
        permission=None,
        shareable=False,
    ),
    Subcommand(
        "trail",
        "/telnyx trail [N]",
        "The bot's own audit trail: the last N changes, decisions and denials it handled (admins).",
        "/telnyx trail 50",
        run_trail,
        permission=Permission.ADMIN,
        shareable=False,
    ),
]


def register(app: Any) -> None:
    """Buttons and modals of the money commands."""
    autorecharge.register(app)
    topup.register(app)
