"""`/telnyx trail [N]`: the bot's own audit trail, newest first (admins only: it names who was refused what)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.access import Permission
from bot.parsing import Parsed
from formatting.audit_trail import trail_blocks, trail_text
from handlers.counts import count_or_answer
from handlers.replies import answer, services
from handlers.subcommand import Subcommand

TRAIL_DEFAULT, TRAIL_MAX = 20, 100
EXAMPLE = "/telnyx trail 50"


async def run_trail(context: AsyncBoltContext, parsed: Parsed) -> None:
    """The last N records: changes, decisions and denials."""
    count = await count_or_answer(
        context, parsed, default=TRAIL_DEFAULT, most=TRAIL_MAX, noun="record", example=EXAMPLE
    )
    if count is None:
        return
    records = await services(context).audit.recent(count)
    await answer(context, trail_text(records), trail_blocks(records))


SUBCOMMANDS = (
    Subcommand(
        "trail",
        "/telnyx trail [N]",
        "The bot's own audit trail: the last N changes, decisions and denials it handled (admins).",
        EXAMPLE,
        run_trail,
        permission=Permission.ADMIN,
        shareable=False,
    ),
)


def register(app: AsyncApp) -> None:
    """No buttons."""
