"""The `/telnyx` command: parse, find the subcommand, check access, run it. Help and unknown commands too."""

from __future__ import annotations

import difflib
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import replay
from bot.parsing import UsageError, parse
from formatting.help import HelpEntry, help_blocks, help_text, unknown_command_blocks, usage_error_blocks
from handlers.common import Req, answer, tracked
from handlers.guard import allowed
from handlers.registry import Subcommand

logger = logging.getLogger(__name__)


def _registry() -> dict[str, Subcommand]:
    from handlers import account, activity, charges, money, usage, webhooks

    subs: list[Subcommand] = [
        *account.SUBCOMMANDS,
        *charges.SUBCOMMANDS,
        *usage.SUBCOMMANDS,
        *activity.SUBCOMMANDS,
        *webhooks.SUBCOMMANDS,
        *money.SUBCOMMANDS,
    ]
    return {s.name: s for s in subs}


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommands() -> dict[str, Subcommand]:
    """Every subcommand by name (built once, on first use, to keep imports one-way)."""
    if not SUBCOMMANDS:
        SUBCOMMANDS.update(_registry())
    return SUBCOMMANDS


def help_entries() -> list[HelpEntry]:
    """The help, in the order users meet the commands."""
    entries = [HelpEntry("/telnyx help", "Show this list.", "/telnyx help")]
    return entries + [s.help for s in subcommands().values()]


async def send_help(req: Req) -> None:
    """Answer the help (ephemeral)."""
    entries = help_entries()
    await answer(req, help_text(entries), help_blocks(entries))


@tracked
async def handle_command(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Route `/telnyx <text>` to its subcommand."""
    await ack()
    req = Req.from_bolt(body, context, respond, client)
    parsed = parse(body.get("text") or "")
    if isinstance(parsed, UsageError):
        await answer(
            req,
            f"That command could not be read: {parsed.problem}.",
            usage_error_blocks(
                parsed.problem, "`/telnyx <subcommand> [arguments] [key=value ...]`", "/telnyx help"
            ),
        )
        return
    if parsed.name in ("", "help"):
        await send_help(req)
        return
    sub = subcommands().get(parsed.name)
    if sub is None:
        close = difflib.get_close_matches(parsed.name, list(subcommands()) + ["help"], n=1, cutoff=0.5)
        suggestion = close[0] if close else None
        await answer(
            req,
            f"`{parsed.name}` is not a /telnyx subcommand."
            + (f" Did you mean `{suggestion}`?" if suggestion else ""),
            unknown_command_blocks(parsed.name, suggestion, help_entries()),
        )
        return
    trigger = str(body.get("trigger_id") or "")
    if (
        sub.replay_guarded
        and trigger
        and not await replay.first_seen(req.svc.store, trigger, req.svc.clock())
    ):
        logger.warning("ignored a replayed /telnyx %s (trigger %s already handled)", sub.name, trigger[:24])
        return
    if sub.permission is not None and not await allowed(req, sub.permission, f"/telnyx {sub.name}"):
        return
    await sub.run(req, parsed)
