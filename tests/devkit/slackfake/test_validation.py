"""Messages and views are refused the way Slack refuses them, so tests see what a user would."""

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from devkit.slackfake import FakeSlack
from devkit.slackfake.validation import block_problems, message_problems, view_problems


def section(text: str = "x", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str, value: str = "v") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": "Go"},
        "value": value,
    }


def modal(blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Top up"},
        "blocks": blocks or [section()],
        **extra,
    }


async def post_error(client: AsyncWebClient, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="fallback", **kwargs)
    return err.value.response.data


async def test_fifty_one_blocks_are_invalid_fifty_are_fine(slack: FakeSlack, client: AsyncWebClient) -> None:
    body = await post_error(client, blocks=[section()] * 51)
    assert body["error"] == "invalid_blocks"
    assert body["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    await client.chat_postMessage(channel="C1", text="fallback", blocks=[section()] * 50)
    assert len(slack.messages("C1")) == 1
    failed = slack.calls_to("chat.postMessage")[0]
    assert (failed.ok, failed.error) == (False, "invalid_blocks")
    with pytest.raises(AssertionError, match="invalid_blocks"):
        slack.assert_no_errors()


async def test_a_bad_block_is_invalid(client: AsyncWebClient) -> None:
    body = await post_error(client, blocks=[section(), {"type": "section"}])
    assert body["error"] == "invalid_blocks"
    assert body["errors"] == ["text or fields attribute must be specified [json-pointer:/blocks/1]"]
    body = await post_error(client, blocks=[{"type": "no_such_block"}])
    assert body["errors"] == ["unsupported type 'no_such_block' [json-pointer:/blocks/0/type]"]


async def test_long_section_field_is_invalid_though_slack_sdk_allows_it(client: AsyncWebClient) -> None:
    fields = [{"type": "mrkdwn", "text": "ok"}, {"type": "mrkdwn", "text": "x" * 2001}]
    body = await post_error(client, blocks=[{"type": "section", "fields": fields}])
    assert body["errors"] == ["must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]"]


async def test_long_section_text_is_invalid(client: AsyncWebClient) -> None:
    body = await post_error(client, blocks=[section("x" * 3001)])
    assert body["error"] == "invalid_blocks"
    assert "3000" in body["errors"][0]


def test_long_button_value_and_duplicate_ids() -> None:
    actions = {"type": "actions", "elements": [button("a", "v" * 2001)]}
    assert block_problems([actions], limit=50) and "2000" in block_problems([actions], limit=50)[0]
    twice = {"type": "actions", "elements": [button("a"), button("a")]}
    assert block_problems([twice], limit=50) == ["duplicate action_id 'a' [json-pointer:/blocks/0]"]
    same_block_id = [section(block_id="b"), section(block_id="b")]
    assert block_problems(same_block_id, limit=50) == [
        "duplicate block_id 'b' [json-pointer:/blocks/1/block_id]"
    ]
    assert (
        block_problems([section(), {"type": "actions", "elements": [button("a"), button("b")]}], limit=50)
        == []
    )


def test_text_must_be_a_text_object() -> None:
    assert block_problems([{"type": "section", "text": "bare"}], limit=50) == [
        "must be a text object [json-pointer:/blocks/0/text]"
    ]


def test_message_needs_text_or_blocks() -> None:
    assert message_problems({"text": ""}) == ("no_text", [])
    assert message_problems({"text": "hi"}) == (None, [])
    assert message_problems({"blocks": [section()]}) == (None, [])
    assert message_problems({"text": "x" * 40001}) == ("msg_too_long", [])


async def test_blocks_without_fallback_text_are_a_warning(slack: FakeSlack, client: AsyncWebClient) -> None:
    await client.api_call("chat.postMessage", json={"channel": "C1", "blocks": [section()]})
    [call] = slack.calls_to("chat.postMessage")
    assert call.ok and call.warnings and "missing_text_fallback" in call.warnings[0]


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (modal(title={"type": "plain_text", "text": "t" * 25}), "title must be between 1 and 24 characters"),
        (modal(submit={"type": "plain_text", "text": "s" * 25}), "submit cannot exceed 24 characters"),
        (modal(private_metadata="m" * 3001), "private_metadata cannot exceed 3000 characters"),
        (modal([section()] * 101), "no more than 100 items allowed [json-pointer:/view/blocks]"),
        ({"type": "modal", "blocks": [section()]}, "missing required field: title"),
        (modal([{"type": "bogus"}]), "unsupported type 'bogus' [json-pointer:/view/blocks/0/type]"),
        (
            modal(
                [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "Amount"},
                        "element": {"type": "plain_text_input", "action_id": "value"},
                    }
                ]
            ),
            "must provide submit when input blocks are present",
        ),
    ],
)
def test_view_problems(view: dict[str, Any], expected: str) -> None:
    assert any(expected in p for p in view_problems(view)), view_problems(view)


def test_valid_views_pass() -> None:
    assert view_problems(modal([section()] * 100)) == []
    assert view_problems({"type": "home", "blocks": [section()] * 100}) == []
    assert view_problems(modal(private_metadata="m" * 3000)) == []


async def test_invalid_view_answers_invalid_arguments(slack: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.views_open(
            trigger_id=slack.trigger_id(), view=modal(title="A title far too long to fit")
        )
    body = err.value.response.data
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"][0].startswith("[ERROR] title must be between 1 and 24")
    assert slack.views == {}
