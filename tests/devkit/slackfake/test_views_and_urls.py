"""Trigger ids, views, response URLs and the file upload pair, over real HTTP."""

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from devkit.slackfake import FakeSlack
from tests.devkit.slackfake.conftest import TOKEN

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Loading..."}}


def modal(text: str = "Top up", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "cb",
        "title": {"type": "plain_text", "text": text},
        "blocks": [SECTION],
        **extra,
    }


async def open_error(client: AsyncWebClient, trigger_id: str) -> str:
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id=trigger_id, view=modal())
    return err.value.response["error"]


async def test_trigger_opens_one_view_once(slack: FakeSlack, client: AsyncWebClient) -> None:
    trigger = slack.trigger_id("U0ALICE")
    view = (await client.views_open(trigger_id=trigger, view=modal()))["view"]
    assert view["id"] in slack.views and view["hash"] and view["callback_id"] == "cb"
    assert slack.view_stack("U0ALICE") == [slack.views[view["id"]]]
    assert await open_error(client, trigger) == "exchanged_trigger_id"
    assert await open_error(client, "123.456.unknown") == "invalid_trigger_id"


async def test_trigger_expires() -> None:
    async with FakeSlack(bot_token=TOKEN, trigger_ttl=0.0) as slack:
        client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
        assert await open_error(client, slack.trigger_id()) == "expired_trigger_id"


async def test_views_update_push_and_hash_conflict(slack: FakeSlack, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=slack.trigger_id(), view=modal()))["view"]
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Ready")))[
        "view"
    ]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert slack.views[opened["id"]]["title"]["text"] == "Ready"
    with pytest.raises(SlackApiError) as err:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Stale"))
    assert err.value.response["error"] == "hash_conflict"
    pushed = (await client.views_push(trigger_id=slack.trigger_id(), view=modal("Confirm")))["view"]
    assert pushed["root_view_id"] == opened["id"] and pushed["previous_view_id"] == opened["id"]
    assert [v["id"] for v in slack.view_stack("U0ALICE")] == [opened["id"], pushed["id"]]


async def test_views_publish_home(slack: FakeSlack, client: AsyncWebClient) -> None:
    await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": [SECTION]})
    home = slack.home_view("U0ALICE")
    assert home is not None and home["type"] == "home"
    with pytest.raises(SlackApiError):
        await client.views_publish(user_id="U0ALICE", view=modal())


async def respond(url: str, **body: Any) -> tuple[int, str]:
    resp = await AsyncWebhookClient(url).send_dict(body)
    return resp.status_code, resp.body


async def test_response_url_is_ephemeral_unless_in_channel(slack: FakeSlack) -> None:
    url = slack.response_url(channel="C0GENERAL", user="U0ALICE")
    assert url.startswith(slack.base_url + "/response/")
    assert (await respond(url, text="only Alice"))[0] == 200
    assert (await respond(url, text="for all", response_type="in_channel"))[0] == 200
    alice, bob = slack.messages("C0GENERAL", user="U0ALICE"), slack.messages("C0GENERAL", user="U0BOB")
    assert [m.text for m in alice] == ["only Alice", "for all"]
    assert [m.text for m in bob] == ["for all"]
    assert alice[0].ephemeral_to == "U0ALICE"
    slack.assert_no_errors()


async def test_response_url_replace_and_delete_original(slack: FakeSlack, client: AsyncWebClient) -> None:
    card = await client.chat_postMessage(channel="C1", text="Approve $50?")
    url = slack.response_url(channel="C1", user="U0FIN1", original_ts=card["ts"])
    await respond(url, text="Approved by <@U0FIN1>", replace_original=True)
    [message] = slack.messages("C1")
    assert (message.ts, message.text, message.is_ephemeral) == (card["ts"], "Approved by <@U0FIN1>", False)
    await respond(url, delete_original=True)
    assert slack.messages("C1") == []


async def test_command_response_url_replaces_its_first_reply(slack: FakeSlack) -> None:
    url = slack.response_url(channel="C1", user="U0ALICE")
    await respond(url, text="Loading...")
    await respond(url, text="Balance: $10.00", replace_original=True)
    assert [m.text for m in slack.messages("C1")] == ["Balance: $10.00"]


async def test_response_url_works_five_times(slack: FakeSlack) -> None:
    url = slack.response_url()
    statuses = [(await respond(url, text=f"n{i}"))[0] for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert slack.calls_to("response_url")[-1].error == "used_url"


async def test_response_url_validates_blocks(slack: FakeSlack) -> None:
    status, body = await respond(slack.response_url(), text="t", blocks=[SECTION] * 51)
    assert status == 400 and "invalid_blocks" in body
    assert slack.messages("C0GENERAL") == []
    with pytest.raises(AssertionError, match="response_url: invalid_blocks"):
        slack.assert_no_errors()


async def test_files_upload_v2_end_to_end(slack: FakeSlack, client: AsyncWebClient) -> None:
    csv = b"date,amount\n2025-01-01,10.00\n"
    resp = await client.files_upload_v2(
        channel="C0GENERAL",
        filename="charges.csv",
        content=csv,
        title="Charges",
        initial_comment="Here you go",
    )
    [uploaded] = slack.files
    assert resp["file"]["id"] == uploaded.id
    assert (uploaded.name, uploaded.title, uploaded.content) == ("charges.csv", "Charges", csv)
    assert (uploaded.channel_id, uploaded.initial_comment) == ("C0GENERAL", "Here you go")
    [message] = slack.messages("C0GENERAL")
    assert message.files == [uploaded.id] and message.text == "Here you go"
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    slack.assert_no_errors()


async def test_complete_without_upload_fails(slack: FakeSlack, client: AsyncWebClient) -> None:
    step1 = await client.files_getUploadURLExternal(filename="a.csv", length=3)
    with pytest.raises(SlackApiError) as err:
        await client.files_completeUploadExternal(
            files=[{"id": step1["file_id"], "title": "a"}], channel_id="C1"
        )
    assert err.value.response["error"] == "file_not_found"
    assert slack.files == []
