"""The fake's Web API over real HTTP, through slack_sdk's AsyncWebClient as the bot uses it."""

import asyncio

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from devkit.slackfake import FakeSlack
from tests.devkit.slackfake.conftest import TOKEN


async def test_api_url_ends_in_slash_and_binds_localhost(slack: FakeSlack) -> None:
    assert slack.api_url.startswith("http://127.0.0.1:")
    assert slack.api_url.endswith("/api/")


async def test_auth_test_describes_the_bot(client: AsyncWebClient) -> None:
    resp = await client.auth_test()
    assert resp["team_id"] == "T0TEST"
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"
    assert resp["url"].startswith("http://127.0.0.1:")


async def test_missing_token_is_not_authed(slack: FakeSlack) -> None:
    anonymous = AsyncWebClient(base_url=slack.api_url)
    with pytest.raises(SlackApiError) as err:
        await anonymous.auth_test()
    assert err.value.response["error"] == "not_authed"


async def test_wrong_token_is_invalid_auth_and_never_recorded(slack: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong-secret", base_url=slack.api_url)
    with pytest.raises(SlackApiError) as err:
        await wrong.chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "invalid_auth"
    assert slack.messages("C1") == []
    assert "xoxb-wrong-secret" not in repr(slack.calls)


async def test_token_as_form_field_is_accepted(slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(slack.api_url + "auth.test", data={"token": TOKEN}) as resp:
            body = await resp.json()
    assert body["ok"] is True
    assert "token" not in slack.calls_to("auth.test")[0].args


async def test_post_message_is_recorded_and_shown(slack: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Balance* $10.00"}}]
    resp = await client.chat_postMessage(channel="C0GENERAL", text="Balance $10.00", blocks=blocks)
    call = slack.calls_to("chat.postMessage")[0]
    assert call.ok and call.args["blocks"] == blocks and call.args["channel"] == "C0GENERAL"
    [message] = slack.messages("C0GENERAL")
    assert message.ts == resp["ts"]
    assert message.visible_text() == "*Balance* $10.00"
    assert message.user == "U0BOT" and not message.is_ephemeral
    slack.assert_no_errors()


async def test_form_encoded_blocks_are_decoded(slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        data = {"channel": "C1", "text": "t", "blocks": '[{"type": "divider"}]'}
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with session.post(slack.api_url + "chat.postMessage", data=data, headers=headers) as resp:
            assert (await resp.json())["ok"] is True
    assert slack.calls_to("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]


async def test_post_to_a_user_opens_the_dm(slack: FakeSlack, client: AsyncWebClient) -> None:
    resp = await client.chat_postMessage(channel="U0ALICE", text="Your top-up was approved")
    opened = await client.conversations_open(users="U0ALICE")
    assert resp["channel"] == opened["channel"]["id"] == slack.dm("U0ALICE")
    assert resp["channel"].startswith("D")
    assert [m.text for m in slack.messages("U0ALICE")] == ["Your top-up was approved"]


async def test_ephemeral_needs_user_and_only_that_user_sees_it(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.api_call("chat.postEphemeral", json={"channel": "C1", "text": "psst"})
    assert err.value.response["error"] == "user_not_found"
    await client.chat_postEphemeral(channel="C1", user="U0ALICE", text="only you")
    await client.chat_postMessage(channel="C1", text="everyone")
    assert [m.text for m in slack.messages("C1", user="U0ALICE")] == ["only you", "everyone"]
    assert [m.text for m in slack.messages("C1", user="U0BOB")] == ["everyone"]


async def test_chat_update_replaces_by_ts(slack: FakeSlack, client: AsyncWebClient) -> None:
    first = await client.chat_postMessage(channel="C1", text="Pending approval")
    await client.chat_postMessage(channel="C1", text="other")
    await client.chat_update(channel="C1", ts=first["ts"], text="Approved by <@U0FIN1>")
    assert [m.text for m in slack.messages("C1")] == ["Approved by <@U0FIN1>", "other"]
    assert slack.messages("C1")[0].edited
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C1", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


async def test_bot_cannot_post_where_it_is_not_a_member(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.add_channel("C0FINANCE", name="finance", is_member=False)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0FINANCE", text="approve?")
    assert err.value.response["error"] == "not_in_channel"


async def test_users_info_and_usergroups(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.add_user("U0ALICE", name="alice", real_name="Alice Example", tz="Europe/Paris")
    slack.set_usergroup("S0FINANCE", ["U0FIN1", "U0FIN2"])
    user = (await client.users_info(user="U0ALICE"))["user"]
    assert (user["real_name"], user["tz"]) == ("Alice Example", "Europe/Paris")
    assert user["tz_offset"] in (3600, 7200)
    assert (await client.usergroups_users_list(usergroup="S0FINANCE"))["users"] == ["U0FIN1", "U0FIN2"]
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U0NOBODY")
    assert err.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as err:
        await client.usergroups_users_list(usergroup="S0NONE")
    assert err.value.response["error"] == "no_such_subteam"


async def test_fail_next_ratelimited_then_retry_handler_succeeds(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=0)
    plain = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as err:
        await plain.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "0"
    slack.fail_next("chat.postMessage", retry_after=0)
    retrying = AsyncWebClient(
        token=TOKEN,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    await retrying.chat_postMessage(channel="C1", text="hi")
    assert [c.ok for c in slack.calls_to("chat.postMessage")] == [False, False, True]
    assert [m.text for m in slack.messages("C1")] == ["hi"]
    slack.assert_no_errors()  # injected faults are not the bot's errors


async def test_fail_next_any_error(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_next("users.info", error="fatal_error")
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U0ALICE")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "fatal_error"


async def test_unknown_method_is_reported(slack: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError):
        await client.api_call("reactions.add", json={"name": "x"})
    with pytest.raises(AssertionError, match="reactions.add: unknown_method"):
        slack.assert_no_errors()


async def test_wait_for_wakes_on_the_call_and_times_out_clearly(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    task = asyncio.create_task(slack.wait_for("chat.postMessage", count=2))
    await client.chat_postMessage(channel="C1", text="one")
    await client.chat_postMessage(channel="C1", text="two")
    calls = await asyncio.wait_for(task, 2)
    assert [c.args["text"] for c in calls] == ["one", "two"]
    with pytest.raises(AssertionError, match="expected 1 views.open call"):
        await slack.wait_for("views.open", timeout=0.05)
