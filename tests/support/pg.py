"""A schema of its own on the PostgreSQL server for each test, so parallel runs never see each other's rows.

The schemas are dropped together when the session ends (`drop_schemas`, from tests/conftest.py): one
statement for all of them instead of a DROP and an engine for each test, 40 ms a test on a server that
commits every statement to disk. Names are random, so another run on the same server is never in the way.
"""

from __future__ import annotations

import asyncio
import secrets

import asyncpg

_MADE: dict[str, list[str]] = {}  # server URL -> schemas this process made there


def _dsn(url: str) -> str:
    """asyncpg's form of the app's `postgresql+asyncpg://` URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def new_schema(url: str, prefix: str) -> str:
    """Create an empty schema named `<prefix>_<random>` on the server at `url`; its name."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    _MADE.setdefault(url, []).append(schema)
    return schema


def drop_schemas() -> None:
    """Drop every schema `new_schema` made in this process, and everything in them."""
    if _MADE:
        asyncio.run(_drop(dict(_MADE)))
        _MADE.clear()


async def _drop(made: dict[str, list[str]]) -> None:
    for url, schemas in made.items():
        connection = await asyncpg.connect(_dsn(url))
        try:
            await connection.execute("DROP SCHEMA " + ", ".join(f'"{s}"' for s in schemas) + " CASCADE")
        finally:
            await connection.close()
