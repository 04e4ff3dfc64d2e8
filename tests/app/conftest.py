"""A running bot per test: sandbox + fake Slack + app over HTTP."""

from collections.abc import AsyncIterator

import pytest

from tests.app.harness import Bot, marked_settings, running_bot


@pytest.fixture
async def bot(tmp_path, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, env=marked_settings(request)) as running:
        yield running
    running.sandbox.assert_requests_valid()
    running.slack.assert_no_errors()
