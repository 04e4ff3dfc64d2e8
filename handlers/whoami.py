"""`/telnyx whoami`: your roles and, for each permission, allowed or denied and the rule that decided."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.parsing import Parsed
from formatting.access import whoami_blocks, whoami_text
from handlers.replies import answer, services, usage_error, user
from handlers.subcommand import Subcommand


async def run_whoami(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Open to everyone, even without a role: it is how a person finds out what to ask for."""
    if parsed.args or parsed.options:
        await usage_error(context, "`whoami` takes no arguments", "`/telnyx whoami`", "/telnyx whoami")
        return
    svc, me = services(context), user(context)
    roles = await svc.access.roles_of(me)
    decisions = await svc.access.explain(me)
    blocks = whoami_blocks(me, roles, decisions, configured=svc.policy.configured)
    await answer(context, whoami_text(me, roles, decisions), blocks)


SUBCOMMANDS = (
    Subcommand(
        "whoami",
        "/telnyx whoami",
        "Your roles, and what each permission allows you.",
        "/telnyx whoami",
        run_whoami,
        permission=None,
        shareable=False,
    ),
)


def register(app: AsyncApp) -> None:
    """No buttons."""
