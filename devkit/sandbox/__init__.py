"""A stateful, spec-exact fake of the Telnyx v2 account API (13 operations) for the console, tests, benchmarks.

async with Sandbox(SandboxConfig(api_key="KEYSANDBOX", seed=7)) as sb:
    sb.base_url  # TELNYX_BASE_URL
"""

from devkit.sandbox.cli import add_cli, serve
from devkit.sandbox.config import DEFAULT_API_KEY, Fault, SandboxConfig
from devkit.sandbox.server import RecordedRequest, Sandbox

__all__ = ["DEFAULT_API_KEY", "Fault", "RecordedRequest", "Sandbox", "SandboxConfig", "add_cli", "serve"]
