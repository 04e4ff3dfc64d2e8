"""A running bot per test (sandbox + fake Slack + app over HTTP), checked for refused calls afterwards."""

from collections.abc import AsyncIterator

import pytest

from tests.app.harness import Bot, running_bot


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path) as running:
        yield running
    running.sandbox.assert_requests_valid()
    running.slack.assert_no_errors()
