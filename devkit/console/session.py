"""ConsoleSession: one person at a time typing into the fake Slack, and everything the app does shown.

After each input the session waits until the app is idle (its listeners ack first and work after),
prints every new or changed message, saves uploaded files, and walks any modal opened for the current
person. In a script, the first error stops the run: an unknown console command, a refused Slack call
(invalid blocks...), an app that answers an HTTP error or logs an error. A Telnyx error the app explains
to the user is output, not an error.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from devkit.console.blocks import ButtonSpec, Look
from devkit.console.lines import Lines
from devkit.console.people import DEFAULT_CHANNEL, DEFAULT_USER, PEOPLE, Names
from devkit.console.render import REAL_MARK, SANDBOX_MARK, render_home, render_message, render_view
from devkit.console.stack import ConsoleStack
from devkit.console.watch import Watcher, save_file

SETTLE_TIMEOUT = 30.0  # seconds the console waits for the app after one input
QUIET = 0.05  # no call for this long, no listener running and the outbox drained: the app is done


class ConsoleError(Exception):
    """A mistake at the console (unknown command, no such button); the message says what to type."""


class EndOfInput(Exception):
    """The script or the keyboard ended while a question was open."""


@dataclass(frozen=True)
class Target:
    """Where a numbered element lives: a message (channel, ts) or a modal (view id)."""

    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


class _ErrorLog(logging.Handler):
    """Collects ERROR records (a listener that crashed, a failed background task) for the exit code."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ConsoleSession:
    """Reads lines, sends them to the app as Slack would, and prints what happens."""

    def __init__(self, stack: ConsoleStack, out: Console, lines: Lines, *, downloads: Path) -> None:
        self.stack = stack
        self.out = out
        self.lines = lines
        self.downloads = downloads
        self.user = DEFAULT_USER
        self.channel = DEFAULT_CHANNEL
        self.in_dm = False
        self.names = Names.presets()
        self.mark = REAL_MARK if stack.real else SANDBOX_MARK
        self.buttons: dict[int, tuple[ButtonSpec, Target]] = {}
        self.next_button = 1
        self.drawn: dict[int, int] = {}  # button number -> which render drew it
        self.renders = 0
        self.saved: dict[str, str] = {}
        self.walked: tuple[str, str] | None = None
        self.homes: dict[str, str] = {}  # person -> hash of the Home tab last shown to them
        self.problems: list[str] = []
        self.watcher = Watcher(stack.fake)
        self._asking = 0
        self._flush_due = False
        self._errors = _ErrorLog()

    # lifecycle

    def attach(self) -> None:
        """Start watching the fake and the app's error log."""
        self.stack.fake.listeners.append(self._on_call)
        logging.getLogger().addHandler(self._errors)

    def detach(self) -> None:
        """Stop watching."""
        if self._on_call in self.stack.fake.listeners:
            self.stack.fake.listeners.remove(self._on_call)
        logging.getLogger().removeHandler(self._errors)

    async def run(self) -> int:
        """Read and run lines until the input ends or `quit`; the exit code (1 after a script error)."""
        from devkit.console.commands import execute

        self.attach()
        try:
            while True:
                line = await self.lines.command(self.prompt)
                if line is None or line.strip().lower() in ("quit", "exit"):
                    return 0
                try:
                    await execute(self, line.strip())
                except EndOfInput:
                    self.problems.append("the input ended while a question was open")
                except ConsoleError as err:
                    self.problems.append(str(err))
                await self.settle()
                if self.problems:
                    self._report()
                    if not self.lines.interactive:
                        return 1
        finally:
            self.detach()

    def _report(self) -> None:
        where = self.lines.where()
        for problem in self.problems:
            self.out.print(Text(f"✗ {where + ': ' if where else ''}{problem}", style="bold red"))
        self.problems.clear()

    @property
    def prompt(self) -> str:
        """'rita@#general> ' ('[REAL] ' first against the real account)."""
        handle = next((p.handle for p in PEOPLE if p.id == self.user), self.user)
        where = "dm" if self.in_dm else self.names.channel(self.channel)
        return ("[REAL] " if self.stack.real else "") + f"{handle}@{where}> "

    # questions

    async def ask(self, prompt: str) -> str:
        """One answer from the keyboard or the script's next line; EndOfInput when there is none."""
        self._asking += 1
        try:
            answer = await self.lines.answer(prompt)
        finally:
            self._asking -= 1
        if answer is None:
            raise EndOfInput()
        return answer

    async def confirm_payment(self, amount: Decimal) -> bool:
        """Asked before every payment on the real account: only 'yes' sends it."""
        self.flush()
        self.out.print(
            Panel(
                Text(
                    f"The app is about to charge {amount:.2f} USD to the stored payment method of the REAL "
                    "Telnyx account. Nothing is sent unless you type yes.",
                    style="bold",
                ),
                title="REAL PAYMENT",
                border_style="bold red",
            )
        )
        answer = await self.ask("Send this payment? (yes/no): ")
        sent = answer.strip().lower() in ("y", "yes")
        self.out.print(
            Text("sending the payment" if sent else "payment declined: nothing was sent", style="bold red")
        )
        return sent

    # waiting and showing

    def _on_call(self, _call: Any) -> None:
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:  # noqa: ASYNC109 - a deadline, not a cancel
        """Wait until the app has finished with the last input (bounded), then show what it did."""
        svc = self.stack.services
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            before = len(self.stack.fake.calls)
            if svc is not None:
                await svc.inflight.wait_idle(max(deadline - loop.time(), 0.01))
                # what the input committed for later (cards, DMs, audit posts) goes out through the outbox
                # worker, which no listener count sees: deliver what is due now rather than hope it lands
                # within QUIET (on a busy machine it did not, and the DM showed after the next prompt)
                try:
                    await svc.outbox.drain(max(deadline - loop.time(), 0.01))
                except TimeoutError:
                    pass  # the deadline below reports it
            await asyncio.sleep(QUIET)
            idle = svc is None or svc.inflight.count == 0
            if idle and len(self.stack.fake.calls) == before and not self._asking:
                break
            if loop.time() > deadline and not self._asking:
                self.problems.append(
                    f"the app was still working after {timeout:.0f} s; its answers show when they arrive"
                )
                break
        self.flush()
        for record in self._errors.records:
            kind = f" ({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else ""
            hint = "" if self.stack.user_settings.log_level == "DEBUG" else "; LOG_LEVEL=DEBUG shows the log"
            self.problems.append(f"the app logged an error: {record.getMessage()}{kind}{hint}")
        self._errors.records.clear()

    def look(self) -> Look:
        """Names (with the DMs opened so far) and the clock, for rendering."""
        for user, channel in self.stack.fake.workspace.dms.items():
            if "," not in user:
                self.names.dms[channel] = user
        return Look(self.names, datetime.now(UTC))

    def flush(self) -> None:
        """Print what changed: files saved, new and changed messages, refused calls."""
        self._flush_due = False
        changes = self.watcher.look()
        for uploaded in changes.files:
            path = save_file(uploaded, self.downloads)
            self.saved[uploaded.id] = str(path)
            # one unwrapped line, so the path can be copied whole
            saved_line = Text(
                f"📎 {uploaded.name} ({len(uploaded.content):,} bytes) saved to {path}", style="bold"
            )
            self.out.print(saved_line, soft_wrap=True)
        look = self.look()
        for message, changed in changes.messages:
            shown = render_message(
                message,
                look,
                viewer=self.user,
                first_button=self.next_button,
                changed=changed,
                mark=self.mark,
                files=self.saved,
            )
            self.remember(shown.buttons, Target(channel=message.channel, ts=message.ts))
            self.out.print(shown.renderable)
        if changes.deleted:
            self.out.print(Text(f"({changes.deleted} message(s) deleted)", style="dim"))
        for call in changes.refused:
            self.out.print(Text(f"Slack refused {call.describe()}", style="bold red"))
            self.problems.append(f"Slack refused a call from the app: {call.describe()}")

    def show_view(self, view: dict[str, Any]) -> None:
        """Print a modal and number its buttons."""
        shown = render_view(view, self.look(), first_button=self.next_button, mark=self.mark)
        self.remember(shown.buttons, Target(view_id=view["id"]))
        self.out.print(shown.renderable)

    def show_home(self, view: dict[str, Any], *, changed: bool = False) -> None:
        """Print the current person's Home tab and number its buttons."""
        shown = render_home(view, self.look(), first_button=self.next_button, mark=self.mark, changed=changed)
        self.remember(shown.buttons, Target(view_id=view["id"]))
        self.homes[self.user] = str(view.get("hash"))
        self.out.print(shown.renderable)

    def home_changed(self) -> dict[str, Any] | None:
        """The current person's Home tab when it was published again since it was last shown to them."""
        if self.user not in self.homes:
            return None
        view = self.stack.fake.home_view(self.user)
        return view if view is not None and str(view.get("hash")) != self.homes[self.user] else None

    def remember(self, buttons: list[ButtonSpec], target: Target) -> None:
        """Keep numbered elements for `click N`, with the order they were drawn in for `click <label>`."""
        self.renders += 1
        for spec in buttons:
            self.buttons[spec.number] = (spec, target)
            self.drawn[spec.number] = self.renders
            self.next_button = max(self.next_button, spec.number + 1)

    def latest_first(self) -> list[tuple[ButtonSpec, Target]]:
        """Numbered elements, the last drawn message first, top to bottom within it."""
        return sorted(self.buttons.values(), key=lambda pair: (-self.drawn[pair[0].number], pair[0].number))
