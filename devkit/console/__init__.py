"""The local console: the real app (`create_app`, the same handlers) in a local Slack stand-in.

`telnyx-bot console` (and `make run` without Slack tokens) runs the app against a FakeSlack and the
Telnyx sandbox (or the real account when TELNYX_API_KEY is set) and reads what one would type in Slack.
The CLI entry points load light; the rest (the app, the fakes, the sandbox) loads on first use.
"""

from typing import Any

from devkit.console.cli import add_cli, banner, run_console

_LAZY = {
    "ConsoleError": "devkit.console.session",
    "ConsoleSession": "devkit.console.session",
    "ConsoleStack": "devkit.console.stack",
    "Rendered": "devkit.console.render",
    "render_message": "devkit.console.render",
    "render_view": "devkit.console.render",
}

__all__ = ["add_cli", "banner", "run_console", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the heavier parts when they are first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'devkit.console' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
