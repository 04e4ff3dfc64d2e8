"""The bot posts replies only to Slack's hosts (issue 12): a response_url a payload or a modal's metadata
names elsewhere gets nothing, and the asker gets the answer by direct message instead."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession, web

from bot import ids
from devkit.slackfake.values import text_input
from tests.app.harness import text_of

SECRET_PATH = "T0TEST/1234/s3cr3tpath"


@asynccontextmanager
async def counting_server() -> AsyncIterator[tuple[str, list[str]]]:
    """Another server on 127.0.0.1 that answers anything 200 and counts what it receives: (base URL, paths)."""
    received: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        received.append(request.path)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    finally:
        await runner.cleanup()


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "not posting to a response_url" in r.getMessage()]


async def test_a_command_whose_response_url_is_not_slack_posts_nothing_there(bot, caplog):
    async with counting_server() as (elsewhere, received):
        fields = bot.requests.build.command("/telnyx", "help", user="U0ALICE", channel="C0GENERAL")
        fields["response_url"] = f"{elsewhere}/{SECRET_PATH}"
        assert (await bot.requests.post_form(fields)).ok
        await bot.idle()
        assert received == []
    assert "/telnyx balance" in text_of(bot.slack.messages("U0ALICE"))  # the help, by direct message
    [logged] = refusals(caplog)
    assert elsewhere.removeprefix("http://") in logged and SECRET_PATH not in caplog.text


async def test_a_modal_whose_metadata_names_another_host_posts_nothing_there(bot, caplog):
    [answer] = await bot.command("balance", user="U0REQUEST")
    await bot.click(answer, ids.ACTION_REQUEST_TOPUP, user="U0REQUEST")
    [form] = bot.slack.view_stack("U0REQUEST")
    async with counting_server() as (elsewhere, received):
        meta = {**json.loads(form["private_metadata"]), "url": f"{elsewhere}/{SECRET_PATH}"}
        forged = {**form, "private_metadata": json.dumps(meta)}
        values = {ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("75")}}
        assert (await bot.requests.view_submission(forged, values, user="U0REQUEST")).ok
        await bot.idle()
        assert received == []
    assert "was sent to <#C0APPROVALS>" in text_of(bot.slack.messages("U0REQUEST"))
    [logged] = refusals(caplog)
    assert elsewhere.removeprefix("http://") in logged and SECRET_PATH not in caplog.text


async def test_response_urls_on_the_configured_slack_host_are_still_used(bot, caplog):
    caplog.set_level(logging.WARNING)
    [answer] = await bot.command("help")
    assert answer.ephemeral_to == "U0ALICE" and not refusals(caplog)


@asynccontextmanager
async def forwarding_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTP forward proxy on 127.0.0.1 that passes each request on and notes its target: (URL, targets)."""
    targets: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        target = str(request.url)  # a proxy is sent the absolute URL
        targets.append(target)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with (
            ClientSession() as session,
            session.request(request.method, target, headers=headers, data=await request.read()) as answer,
        ):
            return web.Response(
                status=answer.status, body=await answer.read(), content_type=answer.content_type
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", targets
    finally:
        await runner.cleanup()


async def test_replies_go_through_the_proxy_the_environment_names(bot, monkeypatch):
    async with forwarding_proxy() as (proxy, targets):
        monkeypatch.setenv("HTTPS_PROXY", proxy)  # read for each reply, as slack_sdk's webhook client does
        sent = await bot.requests.command("/telnyx", "help", user="U0ALICE", channel="C0GENERAL")
        await bot.idle()
    assert sent.ok and sent.response_url in targets  # (Bolt's Web API calls take the proxy too)
    [reply] = bot.slack.calls_to("response_url")
    assert reply.ok and "/telnyx balance" in text_of(bot.slack.messages("C0GENERAL"))
