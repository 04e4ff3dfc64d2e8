"""`telnyx-bot console [--script FILE] [--downloads DIR] [--seed N]`, and `run_console` for `make run`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.config import Settings
from devkit.console.lines import Keyboard, Lines, Script

if TYPE_CHECKING:  # the app and the fakes load when the console starts, not for `--help`
    from devkit.console.stack import AppFactory, ConsoleStack

DEFAULT_DOWNLOADS = Path("downloads")
SANDBOX_SEED = 7  # the sandbox account the walkthrough and the tests know


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add `console` to the main CLI; its handler is `handler=async fn(settings, args) -> int`."""
    parser = subparsers.add_parser(
        "console",
        help="the app in a local Slack stand-in, on the sandbox account (or the real one with TELNYX_API_KEY)",
        description="Type what you would type in Slack (/telnyx balance); `help` lists the console's commands.",
    )
    parser.add_argument(
        "--script", metavar="FILE", help="run the lines of FILE (- for stdin), then exit; non-zero on error"
    )
    parser.add_argument(
        "--downloads",
        metavar="DIR",
        type=Path,
        default=DEFAULT_DOWNLOADS,
        help="where files the app uploads are saved (default ./downloads)",
    )
    parser.add_argument(
        "--seed", type=int, default=SANDBOX_SEED, help=f"the sandbox account's seed (default {SANDBOX_SEED})"
    )
    parser.set_defaults(handler=_handle)
    return parser


async def _handle(settings: Settings, args: argparse.Namespace) -> int:
    return await run_console(settings, args.script, downloads=args.downloads, seed=args.seed)


def banner(stack: ConsoleStack) -> Panel:
    """Says loudly which account the answers come from, and how to use the console."""
    how = Text.assemble(
        "Type what you would type in Slack, e.g. ",
        ("/telnyx help", "bold"),
        " or ",
        ("/telnyx balance", "bold"),
        ". Buttons are numbered: ",
        ("click 2", "bold"),
        ". Switch person with ",
        ("as rita", "bold"),
        " and channel with ",
        ("in #approvals", "bold"),
        "; ",
        ("people", "bold"),
        " lists who is who, ",
        ("help", "bold"),
        " the console's commands.",
    )
    if stack.real:
        what = Text(
            "REAL TELNYX ACCOUNT (TELNYX_API_KEY is set): answers show your real account's data, and an "
            "approved top-up charges its stored payment method. The console asks you before any payment.",
            style="bold red",
        )
        return Panel(
            Text.assemble(what, "\n\n", how), title="Telnyx for Slack: local console", border_style="bold red"
        )
    what = Text(
        f"SANDBOX: every answer comes from the built-in sandbox account (seed {stack.seed}), not a real Telnyx "
        "account. Nothing you do here costs money. Set TELNYX_API_KEY to use your real account.",
        style="bold yellow",
    )
    return Panel(
        Text.assemble(what, "\n\n", how), title="Telnyx for Slack: local console", border_style="yellow"
    )


def _lines(script: str | None, out: Console, stdin: TextIO) -> Lines:
    if script == "-" or (script is None and not stdin.isatty()):
        return Script(stdin.read().splitlines(), out, name="stdin")
    if script is not None:
        return Script(Path(script).read_text(encoding="utf-8").splitlines(), out, name=script)
    return Keyboard(out)


def _quiet_logs(settings: Settings) -> list[tuple[logging.Handler, int]]:
    """Keep log lines out of the conversation (the console reports errors itself), unless LOG_LEVEL=DEBUG."""
    if settings.log_level == "DEBUG":
        return []
    changed = []
    for handler in logging.getLogger().handlers:
        changed.append((handler, handler.level))
        handler.setLevel(logging.CRITICAL)
    return changed


async def run_console(
    settings: Settings,
    script: str | None,
    *,
    downloads: Path = DEFAULT_DOWNLOADS,
    seed: int = SANDBOX_SEED,
    out: Console | None = None,
    stdin: TextIO | None = None,
    make_app: AppFactory | None = None,
) -> int:
    """Run the console until the input ends: the keyboard, or `script` (a file, or - for stdin)."""
    from devkit.console.session import ConsoleSession
    from devkit.console.stack import ConsoleStack, real_app

    out = out or Console(highlight=False)
    try:
        lines = _lines(script, out, stdin or sys.stdin)
    except OSError as err:
        out.print(Text(f"cannot read the script {script}: {err.strerror}", style="bold red"))
        return 2
    quieted = _quiet_logs(settings)
    try:
        # at the keyboard the sandbox spends as time passes; a script sees the seed's account, unmoved
        stack = ConsoleStack(settings, seed=seed, make_app=make_app or real_app, live=lines.interactive)
        session = ConsoleSession(stack, out, lines, downloads=downloads)
        stack.confirm = session.confirm_payment  # the real account's payments are asked at this prompt
        async with stack:
            out.print(banner(stack))
            return await session.run()
    finally:
        for handler, level in quieted:
            handler.setLevel(level)
