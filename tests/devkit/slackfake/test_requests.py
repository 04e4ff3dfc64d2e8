"""Signed requests: their signatures verify, and a bare Bolt AsyncApp served on 127.0.0.1 answers them."""

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from devkit.slackfake import FakeSlack, SendOptions, SlackClientApp, SlackRequests
from devkit.slackfake.requests import stale_timestamp, wrong_signature
from devkit.slackfake.values import text_input
from tests.devkit.slackfake.conftest import TOKEN

SECRET = "test-signing-secret"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Balance* $10.00"}}
SHARE = {
    "type": "actions",
    "block_id": "share",
    "elements": [
        {
            "type": "button",
            "action_id": "share_in_channel",
            "text": {"type": "plain_text", "text": "Share"},
            "value": "bal-1",
        }
    ],
}
TOPUP_MODAL = {
    "type": "modal",
    "callback_id": "topup_modal",
    "title": {"type": "plain_text", "text": "Request a top-up"},
    "submit": {"type": "plain_text", "text": "Request"},
    "blocks": [
        {
            "type": "input",
            "block_id": "amount",
            "label": {"type": "plain_text", "text": "Amount"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}

IN_MODAL = {
    "type": "modal",
    "id": "V0MODAL",
    "title": {"type": "plain_text", "text": "Auto-recharge"},
    "blocks": [
        {
            "type": "section",
            "block_id": "ar",
            "text": {"type": "mrkdwn", "text": "Auto-recharge is off"},
            "accessory": {
                "type": "button",
                "action_id": "ar_toggle",
                "text": {"type": "plain_text", "text": "Turn on"},
                "value": "on",
            },
        }
    ],
}


def tiny_app(slack: FakeSlack, submitted: list[str]) -> AsyncApp:
    """A bare AsyncApp shaped like the bot: ack first, then respond or call the Web API."""
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=slack.api_url), signing_secret=SECRET)

    @app.command("/telnyx")
    async def command(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        text = body["text"]
        if text == "help":
            await ack(text="Try `/telnyx balance`")
            return
        await ack()
        if text == "balance":
            await respond(text="Balance $10.00", blocks=[SECTION, SHARE])
        elif text == "topup":
            await client.views_open(trigger_id=body["trigger_id"], view=TOPUP_MODAL)

    @app.action("share_in_channel")
    async def share(
        ack: AsyncAck, respond: AsyncRespond, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        await ack()
        assert "message" not in body  # the clicked message was ephemeral: Slack leaves it out
        await respond(text=f"Shared {action['value']}", response_type="in_channel", delete_original=False)

    @app.view("topup_modal")
    async def submit(ack: AsyncAck, view: dict[str, Any]) -> None:
        amount = view["state"]["values"]["amount"]["value"]["value"]
        if not amount.replace(".", "", 1).isdigit():
            await ack(response_action="errors", errors={"amount": "Enter an amount like 50.00"})
            return
        await ack()
        submitted.append(amount)

    @app.shortcut("lookup_invoice")
    async def lookup(ack: AsyncAck, respond: AsyncRespond, shortcut: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"Looking up {shortcut['message']['text']}")

    @app.shortcut("open_topup")
    async def open_topup(ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=shortcut["trigger_id"], view=TOPUP_MODAL)

    return app


@pytest.fixture
async def submitted() -> list[str]:
    return []


@pytest.fixture
async def req(slack: FakeSlack, submitted: list[str]) -> AsyncIterator[SlackRequests]:
    async with SlackClientApp(tiny_app(slack, submitted)) as served:
        assert served.url.startswith("http://127.0.0.1:")
        async with SlackRequests(
            app_url=served.url, signing_secret=SECRET, fake=slack, team_id="T0TEST"
        ) as r:
            yield r


async def test_signed_command_is_answered_and_respond_lands_in_the_fake(
    slack: FakeSlack, req: SlackRequests
) -> None:
    resp = await req.command("/telnyx", "balance", user="U0ALICE", channel="C0GENERAL")
    assert resp.status == 200 and resp.elapsed < 3
    assert resp.response_url and resp.response_url.startswith(slack.base_url)
    await slack.wait_for("response_url")
    [reply] = slack.messages("C0GENERAL", user="U0ALICE")
    assert reply.ephemeral_to == "U0ALICE" and reply.blocks == [SECTION, SHARE]
    assert slack.messages("C0GENERAL", user="U0BOB") == []
    assert slack.calls_to("auth.test")  # Bolt authorizes against the fake
    slack.assert_no_errors()


async def test_bad_signature_and_stale_timestamp_get_401(slack: FakeSlack, req: SlackRequests) -> None:
    assert (await req.command("/telnyx", "balance", options=wrong_signature())).status == 401
    assert (await req.command("/telnyx", "balance", options=stale_timestamp())).status == 401
    other = SlackRequests(app_url=req.app_url, signing_secret="not-the-secret", fake=slack)
    async with other:
        assert (await other.command("/telnyx", "balance")).status == 401
    assert slack.calls_to("response_url") == []


async def test_command_ack_text_is_shown_to_the_user(slack: FakeSlack, req: SlackRequests) -> None:
    resp = await req.command("/telnyx", "help", user="U0ALICE", channel="C1")
    assert resp.text == "Try `/telnyx balance`"  # Bolt sends a text-only ack as text/plain
    [message] = slack.messages("C1")
    assert message.text == "Try `/telnyx balance`" and message.ephemeral_to == "U0ALICE"
    assert slack.calls_to("command_ack")[0].ok


async def test_click_a_button_in_a_recorded_ephemeral_message(slack: FakeSlack, req: SlackRequests) -> None:
    await req.command("/telnyx", "balance", user="U0ALICE", channel="C0GENERAL")
    await slack.wait_for("response_url")
    [card] = slack.messages("C0GENERAL")
    resp = await req.click(card, "share_in_channel", user="U0ALICE")
    assert resp.status == 200
    assert (
        resp.payload["actions"][0]["value"] == "bal-1" and resp.payload["actions"][0]["block_id"] == "share"
    )
    assert resp.payload["container"] == {
        "type": "message",
        "message_ts": card.ts,
        "channel_id": "C0GENERAL",
        "is_ephemeral": True,
    }
    await slack.wait_for("response_url", count=2)
    assert [m.text for m in slack.messages("C0GENERAL", user="U0BOB")] == ["Shared bal-1"]
    slack.assert_no_errors()


async def test_click_unknown_action_names_what_is_there(slack: FakeSlack, req: SlackRequests) -> None:
    await req.command("/telnyx", "balance")
    await slack.wait_for("response_url")
    with pytest.raises(LookupError, match="share_in_channel"):
        await req.click(slack.messages("C0GENERAL")[0], "approve")


async def test_modal_open_and_submit(slack: FakeSlack, req: SlackRequests, submitted: list[str]) -> None:
    await req.command("/telnyx", "topup", user="U0ALICE")
    [call] = await slack.wait_for("views.open")
    view_id = call.response["view"]["id"]
    bad = await req.view_submission(view_id, {"amount": {"value": text_input("lots")}}, user="U0ALICE")
    assert bad.json == {"response_action": "errors", "errors": {"amount": "Enter an amount like 50.00"}}
    assert [v["id"] for v in slack.view_stack("U0ALICE")] == [view_id]
    good = await req.view_submission(
        slack.views[view_id], {"amount": {"value": text_input("50.00")}}, user="U0ALICE"
    )
    assert good.status == 200 and submitted == ["50.00"]
    assert slack.view_stack("U0ALICE") == []
    slack.assert_no_errors()


async def test_message_and_global_shortcuts(slack: FakeSlack, req: SlackRequests) -> None:
    resp = await req.message_shortcut(
        "lookup_invoice", "Invoice INV-42 looks wrong", user="U0ALICE", channel="C1"
    )
    assert resp.status == 200 and resp.payload["type"] == "message_action"
    await slack.wait_for("response_url")
    assert [m.text for m in slack.messages("C1", user="U0ALICE")] == [
        "Invoice INV-42 looks wrong",
        "Looking up Invoice INV-42 looks wrong",
    ]
    resp = await req.global_shortcut("open_topup", user="U0BOB")
    assert resp.status == 200 and "response_url" not in resp.payload
    await slack.wait_for("views.open")
    assert slack.view_stack("U0BOB")[0]["callback_id"] == "topup_modal"


async def test_unhandled_payload_gets_404_from_bolt(req: SlackRequests) -> None:
    assert (await req.global_shortcut("nobody_listens")).status == 404


async def test_signature_verifies_with_slack_sdk_and_retry_headers_are_sent(slack: FakeSlack) -> None:
    seen: list[tuple[dict[str, str], str]] = []

    async def capture(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.text()))
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", capture)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        async with SlackRequests(f"http://{host}:{port}/slack/events", SECRET, fake=slack) as req:
            await req.command("/telnyx", "balance")
            await req.block_action("topup_approve", "req-1", channel="C1", options=SendOptions(retry_num=1))
            await req.click(IN_MODAL, "ar_toggle", user="U0BOB")
    finally:
        await runner.cleanup()
    verifier = SignatureVerifier(SECRET)
    for headers, body in seen:
        ts = headers["X-Slack-Request-Timestamp"]
        assert abs(int(ts) - time.time()) < 60
        assert verifier.is_valid(body=body, timestamp=ts, signature=headers["X-Slack-Signature"])
    command = parse_qs(seen[0][1])
    assert (
        command["command"] == ["/telnyx"]
        and command["text"] == ["balance"]
        and command["team_id"] == ["T0TEST"]
    )
    payload = json.loads(parse_qs(seen[1][1])["payload"][0])
    assert payload["type"] == "block_actions" and payload["actions"][0]["value"] == "req-1"
    assert payload["trigger_id"] and payload["response_url"].startswith(slack.base_url)
    assert seen[1][0]["X-Slack-Retry-Num"] == "1" and seen[1][0]["X-Slack-Retry-Reason"] == "http_timeout"
    in_view = json.loads(parse_qs(seen[2][1])["payload"][0])
    assert in_view["container"] == {"type": "view", "view_id": "V0MODAL"}
    assert in_view["view"]["id"] == "V0MODAL" and in_view["user"]["id"] == "U0BOB"
    assert in_view["actions"][0]["value"] == "on" and in_view["actions"][0]["block_id"] == "ar"
    assert "response_url" not in in_view and "X-Slack-Retry-Num" not in seen[2][0]
