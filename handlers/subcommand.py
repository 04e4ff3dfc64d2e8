"""What a `/telnyx` subcommand is: its help line, who may run it, and the function that runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncBoltContext

from bot.access import Permission
from bot.parsing import Parsed
from formatting.help import HelpEntry

# runs with the request's Bolt context (the access check has passed) and the parsed arguments
Run = Callable[[AsyncBoltContext, Parsed], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    """One `/telnyx <name>`: how to call it, what it does, and who may."""

    name: str
    usage: str
    description: str
    example: str
    run: Run
    permission: Permission | None = Permission.VIEW  # None: anyone, even without a role (whoami)
    shareable: bool = True  # its answer may be re-run by "Share in channel"
    # it changes something (a top-up request): a replayed copy of the same signed request is ignored.
    # Read commands are not guarded: a replay only answers again, and the check costs a database write.
    replay_guarded: bool = False

    @property
    def help(self) -> HelpEntry:
        return HelpEntry(usage=self.usage, description=self.description, example=self.example)
