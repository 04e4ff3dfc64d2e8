"""The console as a user starts it, with no SLACK_/TELNYX_ variables in a fresh folder:
`python -m bot console --script docs/walkthrough.txt` (a subprocess), `telnyx-bot run` (what `make run`
runs), the keyboard (Ctrl-D ends it), and a real terminal (a pty: Ctrl-C ends it while it waits)."""

from __future__ import annotations

import builtins
import io
import logging
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from bot.__main__ import main
from bot.config import Settings
from devkit.console import run_console
from tests.devkit.console.conftest import flat
from tests.devkit.console.fixture_app import make_fixture_app

# one worker runs the whole module under pytest-xdist: its module-scoped fixture is started once
pytestmark = pytest.mark.xdist_group(__name__)

ROOT = Path(__file__).resolve().parents[3]
WALKTHROUGH = ROOT / "docs" / "walkthrough.txt"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def clean_env() -> dict[str, str]:
    """The environment of a fresh machine: no Slack or Telnyx settings; the checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELNYX_"))}
    env.pop("DATABASE_URL", None)
    env.pop("ACCESS_POLICY", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """The walkthrough, started first: it spends seconds importing, while the other tests run."""
    folder = tmp_path_factory.mktemp("walkthrough")
    with (folder / "out.txt").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--script", str(WALKTHROUGH)],
            cwd=folder,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield proc, folder
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class Terminal:
    """The console on a pseudo-terminal, read until a text shows up."""

    def __init__(self, cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = clean_env() | {"TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "100"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
        )
        os.close(slave)
        self.seen = ""
        self.read_to = 0  # what expect() has already matched

    def expect(self, text: str, timeout: float = 90.0) -> str:
        """Wait until `text` shows after what was expected before; return the output up to it."""
        deadline = time.monotonic() + timeout
        while text not in self.seen[self.read_to :]:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never showed; the terminal shows:\n{self.seen[-3000:]}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                self.seen += ANSI.sub("", chunk.decode(errors="replace").replace("\r", ""))
        start = self.read_to
        self.read_to = self.seen.index(text, start) + len(text)
        return self.seen[start : self.read_to]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def test_at_a_terminal_it_answers_and_ctrl_c_stops_it_while_it_waits(
    walkthrough: object, tmp_path: Path
) -> None:
    term = Terminal(tmp_path)
    try:
        term.expect("vera@#general> ")
        term.type("as rita\n")
        term.expect("rita@#general> ")
        term.type("/telnyx balance\n")
        shown = term.expect("rita@#general> ")  # the answer, then the next prompt
        assert "Telnyx account balance" in shown and "[1] Request top-up" in shown
        term.proc.send_signal(signal.SIGINT)  # Ctrl-C at the prompt
        assert term.proc.wait(timeout=30) == 0  # the pending input() does not keep it alive
    finally:
        term.close()


@pytest.fixture
def root_logging_restored() -> Iterator[None]:
    """`telnyx-bot run` in this process configures the root logger (its stderr handler, redaction filters,
    the level): undone afterwards, or that handler, on a stream pytest has closed by then, would go on
    receiving the records of the tests after this one."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    filters = {handler: list(handler.filters) for handler in handlers}
    yield
    for added in [handler for handler in root.handlers if handler not in handlers]:
        root.removeHandler(added)
        added.close()
    for handler in handlers:
        handler.filters[:] = filters[handler]
    root.setLevel(level)


def test_make_run_without_tokens_starts_the_console(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    root_logging_restored: None,
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TELNYX_")) or name in ("DATABASE_URL", "ACCESS_POLICY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setattr(sys, "stdin", io.StringIO("/telnyx balance\nclick refresh\nfly away\n/telnyx help\n"))
    code = main(["run"])
    out = flat(capsys.readouterr().out)
    assert code == 1  # lines on stdin run as a script; the bad one stops it
    assert "Telnyx for Slack: local console" in out and "vera@#general> /telnyx balance" in out
    assert out.count("Telnyx account balance") == 2 and "only visible to you · changed" in out  # Refresh
    assert "✗ stdin line 3: 'fly' is not a console command" in out
    assert "> /telnyx help" not in out


class Typing:
    """A terminal's stdin (isatty) for run_console; `input()` hands out the lines, then Ctrl-D (EOFError)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.prompts: list[str] = []

    def isatty(self) -> bool:
        return True

    def input(self, prompt: str = "") -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


async def test_at_the_keyboard_mistakes_do_not_stop_it_and_dialogs_are_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    typing = Typing(["dance", "/telnyx topup 10", "click 1", "no", "/telnyx balance"])
    monkeypatch.setattr(builtins, "input", typing.input)
    out = Console(record=True, width=100, color_system=None)
    code = await run_console(
        Settings.from_mapping({}), None, out=out, stdin=typing, make_app=make_fixture_app
    )  # type: ignore[arg-type]
    text = out.export_text()
    assert code == 0  # Ctrl-D
    assert "✗ 'dance' is not a console command" in text  # reported, and the session goes on
    assert "? Approve?: Pay $10 now?  [Pay / Back]" in text and "(not clicked)" in text
    assert "Account balance" in text
    assert typing.prompts == ["vera@#general> "] * 3 + [
        "  Pay? (yes/no): ",
        "vera@#general> ",
        "vera@#general> ",
    ]


def test_the_readme_walkthrough_runs_and_exits_0(walkthrough: tuple[subprocess.Popen[bytes], Path]) -> None:
    proc, folder = walkthrough
    code = proc.wait(timeout=300)
    text = (folder / "out.txt").read_text()
    assert code == 0, text[-3000:]
    out = flat(text)
    assert "SANDBOX: every answer comes from the built-in sandbox account" in out
    assert "✗" not in out  # no console error anywhere
    for seen in (
        "Telnyx account balance",
        "Telnyx invoices",
        "Grand total",
        "Usage: messaging",
        "Failures by endpoint and cause",
        "Webhook delivery: message.finalized",
        "Your access",
        '⚠ Recharge when balance is below: "a hundred" is not an amount: write it in digits',
        "Auto-recharge saved",
        "You may not approve a top-up.",
        "✅ Paid",
        "Telnyx · DM with Rita Requester",
        "⛔ Denied",
        "Alert rule added: Low available credit",
        "Telnyx in #alerts",
        "Available credit is",
        "acknowledged by @Vera Viewer",
        "Home tab of Telnyx",
        "Alerts firing: 1",
        "Top-ups waiting for approval: none.",
    ):
        assert seen in out, seen
    [csv] = (folder / "downloads").glob("telnyx-charges-*.csv")
    assert f"saved to downloads/{csv.name}" in out
