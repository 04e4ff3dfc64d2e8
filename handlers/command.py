"""The `/telnyx` command: parse, find the subcommand, check access, run it. Help and unknown commands too."""

from __future__ import annotations

import difflib
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids, replay
from bot.errors import TelnyxError
from bot.metrics import CommandOutcome
from bot.parsing import UsageError, parse
from formatting.help import (
    HelpEntry,
    help_blocks,
    help_text,
    unknown_command_blocks,
    usage_error_blocks,
    usage_problem_text,
)
from handlers.access import allowed
from handlers.outcome import note, outcome_of
from handlers.replies import TRIGGER, answer, services
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)
UNKNOWN = "unknown"  # the metrics' subcommand for a command line that names none of them (never the text)
SUBCOMMAND = "subcommand"  # context key: the subcommand being run, for the metrics


def help_entries(subcommands: dict[str, Subcommand]) -> list[HelpEntry]:
    """The help, in the order users meet the commands."""
    entries = [HelpEntry("/telnyx help", "Show this list.", "/telnyx help")]
    return entries + [s.help for s in subcommands.values()]


def listener(subcommands: dict[str, Subcommand]) -> Any:
    """The `/telnyx` listener over these subcommands."""

    async def handle_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Route `/telnyx <text>` to its subcommand, then count what it came to."""
        await ack()
        metrics = services(context).metrics
        try:
            await route(context, body, subcommands)
        except TelnyxError:
            metrics.command(context.get(SUBCOMMAND) or UNKNOWN, CommandOutcome.TELNYX_ERROR)
            raise
        except Exception:
            metrics.command(context.get(SUBCOMMAND) or UNKNOWN, CommandOutcome.ERROR)
            raise
        name = context.get(SUBCOMMAND)
        if name is not None:
            metrics.command(name, outcome_of(context))

    return handle_command


async def route(context: AsyncBoltContext, body: dict[str, Any], subcommands: dict[str, Subcommand]) -> None:
    """Answer help, an unreadable or unknown command, or run the subcommand if the user may; the
    subcommand's name (for the metrics) goes in `context[SUBCOMMAND]`, None for a replay not run."""
    parsed = parse(body.get("text") or "")
    if isinstance(parsed, UsageError):
        context[SUBCOMMAND] = UNKNOWN
        note(context, CommandOutcome.USAGE_ERROR)
        problem = usage_problem_text(parsed)
        await answer(
            context,
            f"That command could not be read: {problem}.",
            usage_error_blocks(problem, "`/telnyx <subcommand> [arguments] [key=value ...]`", "/telnyx help"),
        )
        return
    if parsed.name in ("", "help"):
        context[SUBCOMMAND] = "help"
        entries = help_entries(subcommands)
        await answer(context, help_text(entries), help_blocks(entries))
        return
    sub = subcommands.get(parsed.name)
    if sub is None:
        context[SUBCOMMAND] = UNKNOWN
        note(context, CommandOutcome.USAGE_ERROR)
        close = difflib.get_close_matches(parsed.name, [*subcommands, "help"], n=1, cutoff=0.5)
        suggestion = close[0] if close else None
        await answer(
            context,
            f"`{parsed.name}` is not a /telnyx subcommand."
            + (f" Did you mean `{suggestion}`?" if suggestion else ""),
            unknown_command_blocks(parsed.name, suggestion, help_entries(subcommands)),
        )
        return
    context[SUBCOMMAND] = sub.name
    svc = services(context)
    trigger = str(context.get(TRIGGER) or "")
    if sub.replay_guarded and trigger and not await replay.first_seen(svc.store, trigger, svc.clock()):
        logger.warning("ignored a replayed /telnyx %s (trigger %s already handled)", sub.name, trigger[:24])
        context[SUBCOMMAND] = None  # not counted: the command it repeats was
        return
    if sub.permission is not None and not await allowed(context, sub.permission, f"/telnyx {sub.name}"):
        note(context, CommandOutcome.DENIED)
        return
    await sub.run(context, parsed)


def register(app: AsyncApp, subcommands: dict[str, Subcommand]) -> None:
    """The `/telnyx` command."""
    app.command(ids.COMMAND)(listener(subcommands))
