"""Scripted console runs: `run_script(text)` drives `run_console` with the script on stdin and returns
the exit code and the rendered output (a recording rich Console, 100 columns)."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from bot.config import Settings
from devkit.console import run_console
from devkit.console import session as console_session
from devkit.console.stack import AppFactory, real_app

PROMPT = re.compile(r"^(?:\[REAL\] )?\w+@\S+> ")


@dataclass
class Run:
    """One console run: its exit code and everything it printed."""

    code: int
    text: str

    @property
    def flat(self) -> str:
        """The output without panel sides and with whitespace collapsed, so wrapped lines read as one."""
        return flat(self.text)

    def _echoes(self, line: str) -> list[int]:
        """Indexes of the output lines that echo `line` (with its prompt, or just the command)."""
        lines = self.text.splitlines()
        found = []
        for i, shown in enumerate(lines):
            prompt = PROMPT.match(shown)
            if prompt and (
                shown.rstrip() == line.rstrip() or shown[prompt.end() :].rstrip() == line.rstrip()
            ):
                found.append(i)
        assert found, f"{line!r} was not echoed; output:\n{self.text}"
        return found

    def answer(self, line: str, nth: int = -1) -> str:
        """What the console printed for one script line (the `nth` time it was typed), up to the next prompt."""
        lines = self.text.splitlines()
        start = self._echoes(line)[nth] + 1
        end = next((i for i in range(start, len(lines)) if PROMPT.match(lines[i])), len(lines))
        return "\n".join(lines[start:end])

    def after(self, line: str) -> str:
        """Everything printed after the last echo of `line`."""
        return "\n".join(self.text.splitlines()[self._echoes(line)[-1] + 1 :])


def flat(text: str) -> str:
    """Text without panel sides, whitespace collapsed."""
    return " ".join(text.replace("│", " ").split())


RunScript = Callable[..., Awaitable[Run]]


@pytest.fixture
def run_script(tmp_path: Path) -> RunScript:
    """Run a script through the console; the app is the product's unless `make_app` says otherwise."""

    async def run(script: str, *, env: dict[str, str] | None = None, make_app: AppFactory = real_app) -> Run:
        out = Console(record=True, width=100, color_system=None)
        code = await run_console(
            Settings.from_mapping(env or {}),
            "-",
            downloads=tmp_path / "downloads",
            out=out,
            stdin=io.StringIO(script),
            make_app=make_app,
        )
        return Run(code, out.export_text())

    return run


@pytest.fixture(autouse=True)
def settle_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """After each input the console waits until no listener runs and the outbox is drained, then QUIET
    (50 ms) with no call to the fake Slack, and once more when the input made calls: 11 s over these tests.
    Every listener and every queued delivery is awaited before that window, so 10 ms tells as much here."""
    monkeypatch.setattr(console_session, "QUIET", 0.01)
