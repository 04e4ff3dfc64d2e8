"""Running the bot's Workflow Builder steps as a workflow would: each step defined as `manifest.yml` defines
it, an execution started in the fake Slack (with its own token), and its signed `function_executed` event."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import yaml

from devkit.slackfake import FunctionExecution, SlackRequests, user_context

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
FUNCTIONS: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["functions"]


class Serving(Protocol):
    """A running bot or another app instance: what it receives requests through, and its idle wait."""

    requests: SlackRequests

    async def idle(self, timeout: float = 10.0) -> None: ...


async def run_step(target: Serving, callback_id: str, user: str, **inputs: Any) -> FunctionExecution:
    """A workflow run by `user` reaches step `callback_id` with `inputs`; return its execution once the app
    has finished the work the event started (a top-up step then waits for finance)."""
    values = {"user": user_context(user), **inputs}
    resp, execution = await target.requests.function_executed(callback_id, FUNCTIONS[callback_id], values)
    assert resp.ok, resp.text
    await target.idle()
    return execution
