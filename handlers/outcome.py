"""What a `/telnyx` command came to, for the metrics: noted on the request's context where it is answered.

The router counts each command once its listener returns: `answered` unless an answer on the way noted a
usage error, a refusal or a Telnyx error; a listener that raised counts as `telnyx_error` or `error`.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.metrics import CommandOutcome

OUTCOME = "command_outcome"  # context key


def note(context: AsyncBoltContext, outcome: CommandOutcome) -> None:
    """Say how the command in hand was answered (the last note wins)."""
    context[OUTCOME] = outcome


def outcome_of(context: AsyncBoltContext) -> CommandOutcome:
    """How the command in hand was answered: `answered` unless noted otherwise."""
    noted = context.get(OUTCOME)
    return noted if isinstance(noted, CommandOutcome) else CommandOutcome.ANSWERED
