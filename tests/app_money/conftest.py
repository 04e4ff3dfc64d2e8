"""A running bot per test (sandbox + fake Slack + app over HTTP), checked for refused calls afterwards;
and a database app instances share, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.app.harness import Bot, marked_settings, running_bot
from tests.app_money.instances import NO_PG, pg_schema, pg_url


@pytest.fixture
async def bot(tmp_path, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, env=marked_settings(request)) as running:
        yield running
    running.sandbox.assert_requests_valid()
    running.slack.assert_no_errors()


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """(url, schema) of a database the instances share: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}", None
        return
    url = pg_url()
    if url is None:
        pytest.skip(NO_PG)
    async with pg_schema(url) as schema:
        yield url, schema
