"""Workflow Builder custom steps in the fake: executions, their tokens, and functions.complete* as Slack does.

`FakeSlack.start_function(callback_id, definition, inputs)` opens an execution the way a workflow run does:
an id (`Fx...`) and a token for it (`xwfp-...`) that acts as the bot while the execution runs. Its
definition is the manifest's `functions.<callback_id>` entry: inputs are checked against it when the step
starts (a workflow cannot be published without its required inputs), outputs when it completes, as Slack
answers `parameter_validation_failed`. A completed execution takes no second completion
(`execution_not_in_running_state`) and its token stops working (`invalid_auth`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from devkit.slackfake.state import ApiError

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"

# What a value of each parameter type must look like; a type not listed takes any JSON value.
_IDS = {
    "slack#/types/user_id": re.compile(r"[UW][A-Z0-9]+"),
    "slack#/types/channel_id": re.compile(r"[CGD][A-Z0-9]+"),
    "slack#/types/usergroup_id": re.compile(r"S[A-Z0-9]+"),
}


@dataclass
class FunctionExecution:
    """One run of a custom step: its inputs, its token, and how it ended."""

    id: str
    callback_id: str
    definition: dict[str, Any]
    inputs: dict[str, Any]
    token: str = field(repr=False)
    workflow_execution_id: str = ""
    state: str = RUNNING
    outputs: dict[str, Any] | None = None
    error: str | None = None
    completed_with: str | None = None  # "function_token" or "bot_token": which token completed it
    token_revoked: bool = False  # set by a test: Slack refuses the token from now on

    @property
    def running(self) -> bool:
        """True until functions.completeSuccess or completeError is accepted."""
        return self.state == RUNNING

    def token_works(self) -> bool:
        """The execution's token acts as the bot while the execution runs, unless revoked."""
        return self.running and not self.token_revoked

    def event(self, *, app_id: str, event_ts: str) -> dict[str, Any]:
        """The `function_executed` event (the inner `event` object) Slack sends the app for this run."""
        return {
            "type": "function_executed",
            "function": {
                "id": f"Fn{self.callback_id.upper()[:10]}",
                "callback_id": self.callback_id,
                "title": self.definition.get("title", ""),
                "description": self.definition.get("description", ""),
                "type": "app",
                "input_parameters": _parameter_list(self.definition.get("input_parameters") or {}),
                "output_parameters": _parameter_list(self.definition.get("output_parameters") or {}),
                "app_id": app_id,
                "date_created": 1_700_000_000,
                "date_updated": 1_700_000_000,
                "date_deleted": 0,
            },
            "inputs": self.inputs,
            "function_execution_id": self.id,
            "workflow_execution_id": self.workflow_execution_id,
            "event_ts": event_ts,
            "bot_access_token": self.token,
        }


def _parameter_list(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """A manifest's parameter map as the event lists it: [{"name", "type", "title", ...}]."""
    return [{"name": name, "is_required": False, **spec} for name, spec in parameters.items()]


def user_context(user: str) -> dict[str, str]:
    """A `slack#/types/user_context` value as Slack fills it in: the user's id and a secret."""
    return {"id": user, "secret": secrets.token_hex(16)}


def parameter_problems(parameters: dict[str, Any], values: Any, *, pointer: str) -> list[str]:
    """What Slack would refuse in `values` against a parameter map: missing required ones, unknown names,
    values of the wrong type. Empty when valid."""
    if not isinstance(values, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    problems = [
        f"missing required parameter {name!r} [json-pointer:{pointer}/{name}]"
        for name, spec in parameters.items()
        if spec.get("is_required") and values.get(name) is None
    ]
    for name, value in values.items():
        spec = parameters.get(name)
        if spec is None:
            problems.append(f"unknown parameter {name!r} [json-pointer:{pointer}/{name}]")
        elif value is not None and not _fits(str(spec.get("type")), value):
            problems.append(f"{name!r} is not a valid {spec.get('type')} [json-pointer:{pointer}/{name}]")
    return problems


def _fits(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "slack#/types/user_context":
        return isinstance(value, dict) and bool(_IDS["slack#/types/user_id"].fullmatch(str(value.get("id"))))
    if kind in _IDS:
        return isinstance(value, str) and bool(_IDS[kind].fullmatch(value))
    return True


class Functions:
    """Every execution the fake started, by id and by token."""

    def __init__(self) -> None:
        self.executions: dict[str, FunctionExecution] = {}
        self._by_token: dict[str, FunctionExecution] = {}
        self._counter = 0

    def start(
        self, callback_id: str, definition: dict[str, Any], inputs: dict[str, Any]
    ) -> FunctionExecution:
        """A new running execution; inputs a workflow could not have (missing, unknown, mistyped) raise."""
        problems = parameter_problems(definition.get("input_parameters") or {}, inputs, pointer="/inputs")
        if problems:
            raise ValueError(f"a workflow cannot run {callback_id} with these inputs: {problems}")
        self._counter += 1
        execution = FunctionExecution(
            id=f"Fx{self._counter:010d}",
            callback_id=callback_id,
            definition=definition,
            inputs=inputs,
            token=f"xwfp-{secrets.token_hex(8)}-{secrets.token_hex(16)}",
            workflow_execution_id=f"Wx{self._counter:010d}",
        )
        self.executions[execution.id] = execution
        self._by_token[execution.token] = execution
        return execution

    def by_token(self, token: str) -> FunctionExecution | None:
        """The execution a token belongs to, whatever its state."""
        return self._by_token.get(token)

    def complete_success(self, args: dict[str, Any], caller: FunctionExecution | None) -> dict[str, Any]:
        """functions.completeSuccess: outputs checked against the definition."""
        execution = self._running(args, caller)
        outputs = args.get("outputs")
        problems = parameter_problems(
            execution.definition.get("output_parameters") or {}, outputs, pointer="/outputs"
        )
        if problems:
            raise ApiError("parameter_validation_failed", problems)
        assert isinstance(outputs, dict)  # parameter_problems refuses anything else
        execution.state, execution.outputs = COMPLETED, outputs
        execution.completed_with = "bot_token" if caller is None else "function_token"
        return {"ok": True}

    def complete_error(self, args: dict[str, Any], caller: FunctionExecution | None) -> dict[str, Any]:
        """functions.completeError: a non-empty error message is required."""
        execution = self._running(args, caller)
        error = args.get("error")
        if not isinstance(error, str) or not error.strip():
            raise ApiError("invalid_arguments", ["error must be a non-empty string [json-pointer:/error]"])
        execution.state, execution.error = FAILED, error
        execution.completed_with = "bot_token" if caller is None else "function_token"
        return {"ok": True}

    def _running(self, args: dict[str, Any], caller: FunctionExecution | None) -> FunctionExecution:
        execution_id = args.get("function_execution_id")
        if not isinstance(execution_id, str) or not execution_id:
            raise ApiError("invalid_arguments", ["function_execution_id is required"])
        execution = self.executions.get(execution_id)
        if execution is None:
            raise ApiError("function_execution_not_found")
        if caller is not None and caller is not execution:
            raise ApiError("access_denied", ["a step's token completes only its own execution"])
        if not execution.running:
            raise ApiError("execution_not_in_running_state")
        return execution
