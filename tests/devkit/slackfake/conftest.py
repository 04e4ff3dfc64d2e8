"""Fixtures: a fake Slack on 127.0.0.1:0 and a slack_sdk client pointed at it."""

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from devkit.slackfake import FakeSlack

TOKEN = "xoxb-test-token"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN, team_id="T0TEST", bot_user_id="U0BOT") as fake:
        yield fake


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    web = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    yield web
    if web.session is not None:
        await web.session.close()
