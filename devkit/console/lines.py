"""Where the console's input comes from: the keyboard, or a script (a file or lines on stdin).

In a script, the lines after a command answer its questions (a modal's inputs, a confirm dialog), and
every line read is echoed after its prompt, so the output reads like the session a person would type.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from typing import Protocol

from rich.console import Console
from rich.text import Text


class Lines(Protocol):
    """A source of lines; `None` means the input has ended."""

    interactive: bool

    async def command(self, prompt: str) -> str | None:
        """The next command (comments and blank lines are skipped in scripts)."""
        ...

    async def answer(self, prompt: str) -> str | None:
        """The answer to a question (a blank line is an answer: keep the value, or skip)."""
        ...

    def where(self) -> str:
        """'script line 12' for error messages; '' at the keyboard."""
        ...


class Keyboard:
    """A person typing; `input()` runs in a thread so the app keeps running (and printing) meanwhile."""

    interactive = True

    def __init__(self, out: Console) -> None:
        self.out = out
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:  # pragma: no cover - not on every platform
            pass

    async def _read(self, prompt: str) -> str | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str | None] = loop.create_future()

        def settle(line: str | None) -> None:
            if not answer.done():
                answer.set_result(line)

        def read() -> None:
            try:
                line: str | None = input(prompt)
            except EOFError:
                line = None
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (Ctrl-C): nobody waits
                loop.call_soon_threadsafe(settle, line)

        # a daemon thread, not asyncio.to_thread: a pending input() must not keep the process alive on Ctrl-C
        threading.Thread(target=read, name="console-input", daemon=True).start()
        line = await answer
        if line is None:
            self.out.print()
        return line

    async def command(self, prompt: str) -> str | None:
        return await self._read(prompt)

    async def answer(self, prompt: str) -> str | None:
        return await self._read(prompt)

    def where(self) -> str:
        return ""


class Script:
    """Lines of a script, echoed as they are used."""

    interactive = False

    def __init__(self, lines: Iterable[str], out: Console, name: str = "script") -> None:
        self.lines = [line.rstrip("\n").rstrip("\r") for line in lines]
        self.out = out
        self.name = name
        self.index = 0  # lines used so far

    def _next(self, *, skip_blank: bool) -> str | None:
        while self.index < len(self.lines):
            line = self.lines[self.index]
            self.index += 1
            if line.lstrip().startswith("#"):
                continue
            if skip_blank and not line.strip():
                continue
            return line
        return None

    def _echo(self, prompt: str, line: str) -> None:
        self.out.print(Text(prompt, style="bold green").append(line, style="bold"), soft_wrap=True)

    async def command(self, prompt: str) -> str | None:
        line = self._next(skip_blank=True)
        if line is not None:
            self._echo(prompt, line.strip())
        return line

    async def answer(self, prompt: str) -> str | None:
        line = self._next(skip_blank=False)
        if line is not None:
            self._echo(prompt, line.strip())
        return line

    def where(self) -> str:
        return f"{self.name} line {self.index}"
