"""`/telnyx trail [N]`: the bot's own audit trail, newest first (admins only: it names who was refused what)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.access import Permission
from bot.parsing import Parsed
from formatting.audit_trail import trail_blocks, trail_text
from handlers.replies import answer, services, usage_error
from handlers.subcommand import Subcommand

TRAIL_DEFAULT, TRAIL_MAX = 20, 100


async def run_trail(context: AsyncBoltContext, parsed: Parsed) -> None:
    """The last N records: changes, decisions and denials."""
    accepted = f"a number of records from 1 to {TRAIL_MAX} (default {TRAIL_DEFAULT})"
    raw = parsed.args[0] if parsed.args else str(TRAIL_DEFAULT)
    if parsed.options or len(parsed.args) > 1 or not raw.isdigit() or not 1 <= int(raw) <= TRAIL_MAX:
        await usage_error(context, "`trail` takes at most one number", accepted, "/telnyx trail 50")
        return
    records = await services(context).audit.recent(int(raw))
    await answer(context, trail_text(records), trail_blocks(records))


SUBCOMMANDS = (
    Subcommand(
        "trail",
        "/telnyx trail [N]",
        "The bot's own audit trail: the last N changes, decisions and denials it handled (admins).",
        "/telnyx trail 50",
        run_trail,
        permission=Permission.ADMIN,
        shareable=False,
    ),
)


def register(app: AsyncApp) -> None:
    """No buttons."""
