"""The fake's workflow steps over real HTTP: an execution's token, and functions.completeSuccess /
completeError checked the way Slack checks them (against the step's definition, once per execution)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from devkit.slackfake import FakeSlack, user_context

DEFINITION: dict[str, Any] = {
    "title": "Sample",
    "description": "A sample step",
    "input_parameters": {
        "user": {"type": "slack#/types/user_context", "is_required": True},
        "note": {"type": "string"},
    },
    "output_parameters": {
        "total": {"type": "number", "is_required": True},
        "owner": {"type": "slack#/types/user_id", "is_required": True},
        "label": {"type": "string"},
    },
}


@pytest.fixture
async def step_client(slack: FakeSlack) -> AsyncIterator[tuple[Any, AsyncWebClient]]:
    """A running execution and a client holding the token Slack gave it."""
    execution = slack.start_function("sample", DEFINITION, {"user": user_context("U0ALICE")})
    web = AsyncWebClient(token=execution.token, base_url=slack.api_url)
    yield execution, web
    if web.session is not None:
        await web.session.close()


async def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as err:
        await call
    return str(err.value.response["error"])


async def test_the_steps_token_acts_as_the_bot_until_the_step_completes(slack, step_client):
    execution, web = step_client
    assert execution.token.startswith("xwfp-") and execution.running
    await web.chat_postMessage(channel="C0GENERAL", text="working on it")
    await web.functions_completeSuccess(
        function_execution_id=execution.id, outputs={"total": 1.5, "owner": "U0A"}
    )
    assert (execution.state, execution.outputs) == ("completed", {"total": 1.5, "owner": "U0A"})
    assert execution.completed_with == "function_token"
    assert await refused(web.chat_postMessage(channel="C0GENERAL", text="still?")) == "invalid_auth"


async def test_a_second_completion_is_refused_whichever_token_sends_it(slack, client, step_client):
    execution, web = step_client
    await web.functions_completeError(function_execution_id=execution.id, error="Denied by finance")
    assert (execution.state, execution.error) == ("failed", "Denied by finance")
    again = client.functions_completeSuccess(function_execution_id=execution.id, outputs={})
    assert await refused(again) == "execution_not_in_running_state"
    assert [c.error for c in slack.calls_to("functions.completeSuccess")] == [
        "execution_not_in_running_state"
    ]


@pytest.mark.parametrize(
    ("outputs", "problem"),
    [
        ({"owner": "U0A"}, "missing required parameter 'total'"),
        ({"total": "12", "owner": "U0A"}, "'total' is not a valid number"),
        ({"total": True, "owner": "U0A"}, "'total' is not a valid number"),
        ({"total": 1, "owner": "someone"}, "'owner' is not a valid slack#/types/user_id"),
        ({"total": 1, "owner": "U0A", "extra": 1}, "unknown parameter 'extra'"),
    ],
)
async def test_outputs_are_checked_against_the_definition(slack, step_client, outputs, problem):
    execution, web = step_client
    with pytest.raises(SlackApiError) as err:
        await web.functions_completeSuccess(function_execution_id=execution.id, outputs=outputs)
    assert err.value.response["error"] == "parameter_validation_failed"
    assert any(problem in p for p in err.value.response["errors"]), err.value.response
    assert execution.running  # nothing was completed


async def test_the_bot_token_completes_a_step_and_the_argument_errors_are_slacks(slack, client, step_client):
    execution, _web = step_client
    assert await refused(client.functions_completeError(function_execution_id=execution.id, error=" ")) == (
        "invalid_arguments"
    )
    assert await refused(client.functions_completeError(function_execution_id="Fx404", error="x")) == (
        "function_execution_not_found"
    )
    await client.functions_completeError(function_execution_id=execution.id, error="Nothing was charged.")
    assert execution.completed_with == "bot_token"


async def test_a_steps_token_completes_only_its_own_execution(slack, step_client):
    _execution, web = step_client
    other = slack.start_function("sample", DEFINITION, {"user": user_context("U0BOB")})
    assert await refused(web.functions_completeError(function_execution_id=other.id, error="x")) == (
        "access_denied"
    )
    assert other.running


def test_a_workflow_cannot_start_a_step_without_its_required_inputs(slack):
    with pytest.raises(ValueError, match="missing required parameter 'user'"):
        slack.start_function("sample", DEFINITION, {"note": "hi"})
    with pytest.raises(ValueError, match="not a valid slack#/types/user_context"):
        slack.start_function("sample", DEFINITION, {"user": {"id": "nobody"}})
