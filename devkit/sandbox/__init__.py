"""A stateful, spec-exact fake of the Telnyx v2 account API (13 operations) for the console, tests, benchmarks.

async with Sandbox(SandboxConfig(api_key="KEYSANDBOX", seed=7)) as sb:
    sb.base_url  # TELNYX_BASE_URL

The CLI entry points and the settings load light; the server (aiohttp, the spec, jsonschema) loads on first
use, so `telnyx-bot` does not pay for it on every start.
"""

from typing import Any

from devkit.sandbox.cli import add_cli, serve
from devkit.sandbox.config import DEFAULT_API_KEY, Fault, SandboxConfig

_LAZY = {"RecordedRequest": "devkit.sandbox.server", "Sandbox": "devkit.sandbox.server"}

__all__ = ["DEFAULT_API_KEY", "Fault", "SandboxConfig", "add_cli", "serve", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the server when it is first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'devkit.sandbox' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
