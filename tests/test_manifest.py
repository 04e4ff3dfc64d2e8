"""manifest.yml: valid for Slack's manifest schema 1.0.0, and in step with the ids the code registers."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot import ids

ROOT = Path(__file__).resolve().parents[1]
# Vendored with its source: see tests/schemas/SOURCE.md.
SCHEMA = Path(__file__).resolve().parent / "schemas" / "manifest.schema.1.0.0.json"
# The placeholder host the manifest's comments tell HTTP-mode users to replace.
PLACEHOLDER = "https://telnyx-bot.example.com/slack/events"


@pytest.fixture(scope="module")
def manifest_text() -> str:
    return (ROOT / "manifest.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def manifest(manifest_text: str) -> dict[str, Any]:
    return yaml.safe_load(manifest_text)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(validator: jsonschema.protocols.Validator, manifest: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def test_manifest_is_valid_for_schema_1_0_0(
    validator: jsonschema.protocols.Validator, manifest: dict[str, Any]
) -> None:
    assert schema_errors(validator, manifest) == []


def test_schema_catches_a_broken_manifest(
    validator: jsonschema.protocols.Validator, manifest: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["shortcuts"][0]["name"] = "Diagnose webhook delivery"  # 25 characters: over Slack's 24
    del broken["display_information"]["name"]
    errors = schema_errors(validator, broken)
    assert len(errors) == 2, errors


def test_background_color_is_a_hex_color(manifest: dict[str, Any]) -> None:
    # The schema states this pattern under a non-standard "regex" key, which validators ignore.
    assert re.fullmatch(
        r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"]
    )


def test_commands_and_shortcuts_are_the_registered_ids(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == [ids.COMMAND]
    shortcuts = features["shortcuts"]
    message = [s["callback_id"] for s in shortcuts if s["type"] == "message"]
    global_ = [s["callback_id"] for s in shortcuts if s["type"] == "global"]
    assert sorted(message) == sorted(ids.MESSAGE_SHORTCUTS) and len(message) == len(set(message))
    assert sorted(global_) == sorted(ids.GLOBAL_SHORTCUTS)
    assert len(shortcuts) == len(ids.MESSAGE_SHORTCUTS) + len(ids.GLOBAL_SHORTCUTS)


def test_workflow_steps_are_the_registered_functions_acting_for_the_running_user(
    manifest: dict[str, Any],
) -> None:
    functions = manifest["functions"]
    assert sorted(functions) == sorted(ids.FUNCTIONS)
    for callback_id, function in functions.items():
        user = function["input_parameters"][ids.PARAM_USER]
        # filled in by Slack with whoever runs the workflow: a builder cannot name someone else
        assert user["type"] == "slack#/types/user_context" and user["is_required"] is True, callback_id
    topup = functions[ids.FUNCTION_TOPUP]["input_parameters"]
    assert set(topup) == {ids.PARAM_USER, ids.PARAM_AMOUNT, ids.PARAM_REASON}
    assert topup[ids.PARAM_AMOUNT]["type"] == "string"  # parsed by bot.money, never a float
    assert set(functions[ids.FUNCTION_BALANCE]["input_parameters"]) == {ids.PARAM_USER}


def test_schema_catches_a_broken_function(
    validator: jsonschema.protocols.Validator, manifest: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(manifest))
    del broken["functions"][ids.FUNCTION_BALANCE]["output_parameters"]
    del broken["functions"][ids.FUNCTION_TOPUP]["input_parameters"][ids.PARAM_AMOUNT]["type"]
    errors = schema_errors(validator, broken)
    assert len(errors) == 2, errors


def test_command_has_a_usage_hint_and_is_not_escaped(manifest: dict[str, Any]) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert command["should_escape"] is False
    assert "balance" in command["usage_hint"] and "invoices" in command["usage_hint"]


def test_socket_mode_interactivity_and_org_ready_for_workflow_steps(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    # custom steps need an org-ready app that runs them itself, subscribed to their event
    assert settings["org_deploy_enabled"] is True
    assert settings["function_runtime"] == "remote"
    assert settings["event_subscriptions"]["bot_events"] == ["function_executed", ids.EVENT_HOME_OPENED]
    assert manifest["features"]["bot_user"]["display_name"] == "Telnyx"
    assert manifest["display_information"]["name"] == "Telnyx"


def test_the_home_tab_is_on_beside_the_messages_tab(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True  # published on app_home_opened (handlers/home.py)
    assert app_home["messages_tab_enabled"] is True and app_home["messages_tab_read_only_enabled"] is True


def test_only_the_scopes_the_bot_needs(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}  # no user scopes: the bot never acts as a person
    assert sorted(scopes["bot"]) == sorted(
        ["commands", "chat:write", "files:write", "usergroups:read", "im:write"]
    )


def test_http_mode_placeholders_validate_once_uncommented(
    validator: jsonschema.protocols.Validator, manifest_text: str
) -> None:
    http_text = re.sub(r"# (url|request_url): ", r"\1: ", manifest_text)
    http_text = http_text.replace("socket_mode_enabled: true", "socket_mode_enabled: false")
    http = yaml.safe_load(http_text)
    assert http["features"]["slash_commands"][0]["url"] == PLACEHOLDER
    assert http["settings"]["interactivity"]["request_url"] == PLACEHOLDER
    assert http["settings"]["event_subscriptions"]["request_url"] == PLACEHOLDER
    assert schema_errors(validator, http) == []
