"""The product installs and runs without the development kit (devkit/: console, sandbox, fake Slack)."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Never runtime dependencies: the console, the sandbox's contract checks, and the Telnyx SDK the gateway
# replaced with httpx (the product must run where it is not installed).
DEV_ONLY = ("rich", "jsonschema", "telnyx")

# Runs in a fresh interpreter in which devkit and the dev-only libraries cannot be imported.
BLOCKED = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"devkit", "rich", "jsonschema", "telnyx"}:
            raise ImportError(f"{name} is not installed")
sys.meta_path.insert(0, Block())
"""


def test_the_runtime_dependencies_leave_the_dev_kit_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {
        d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() for d in project["dependencies"]
    }
    assert not runtime & set(DEV_ONLY)
    assert {"rich", "jsonschema"} <= {d.split(">")[0] for d in project["optional-dependencies"]["console"]}


def test_nothing_in_the_product_imports_the_dev_kit() -> None:
    """Only the CLI entry point offers `console` and `sandbox`, importing them lazily when installed."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("bot", "handlers", "formatting")
        for path in (ROOT / package).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith(("from devkit", "import devkit")) and path.name != "__main__.py"
    ]
    assert offenders == []


def test_nothing_imports_the_telnyx_sdk() -> None:
    """The gateway talks httpx; the SDK's import alone cost seconds of start-up and doubled idle memory."""
    sdk = re.compile(r"^\s*(?:import|from)\s+telnyx(?:[.\s]|$)")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("bot", "handlers", "formatting", "devkit", "tests", "bench")
        for path in (ROOT / package).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sdk.match(line)
    ]
    assert offenders == []


def test_without_the_dev_kit_the_bot_builds_and_the_console_says_how_to_install_it(tmp_path) -> None:
    script = (
        BLOCKED
        + """
from bot.app import create_app
from bot.config import Settings
settings = Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s",
                                  "TELNYX_API_KEY": "KEYx", "DATABASE_URL": "sqlite+aiosqlite://"})
create_app(settings)
from bot.__main__ import main
sys.exit(main(["console"]))
"""
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stderr
    assert "pip install '.[console]'" in done.stderr and "Traceback" not in done.stderr
