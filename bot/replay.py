"""Replayed slash commands: a signed request captured and sent again is handled once.

Slack's signature only proves a request is at most five minutes old, so a captured `/telnyx topup` could
be replayed within that window. Every slash command has a unique `trigger_id`; for the commands that
change something (`/telnyx topup`), the first instance to insert it into `seen_triggers` handles the
command, any later copy (on any instance sharing the database) is ignored. Read commands are not
guarded: a replay only answers again, and a database write per command would slow every burst. Marks are kept for KEEP (twice Slack's window) and then forgotten by the housekeeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Executable, delete

from bot.store import SeenTriggerRow, Store

KEEP = timedelta(minutes=10)
MAX_ID = 128


async def first_seen(store: Store, trigger_id: str, now: datetime) -> bool:
    """True the first time `trigger_id` is offered (on any instance), False for every replay."""
    values = {"trigger_id": trigger_id[:MAX_ID], "seen_at": now}
    # imported for the database in use only: the PostgreSQL dialect's modules cost a SQLite bot 2 MB and
    # 20 ms of start-up (the engine has imported its own dialect already)
    statement: Executable
    if store.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = (
            pg_insert(SeenTriggerRow).values(values).on_conflict_do_nothing(index_elements=["trigger_id"])
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = (
            sqlite_insert(SeenTriggerRow).values(values).on_conflict_do_nothing(index_elements=["trigger_id"])
        )
    async with store.transaction() as session:
        result = await session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def forget_old(store: Store, now: datetime) -> int:
    """Drop marks older than KEEP; return how many."""
    async with store.transaction() as session:
        result = await session.execute(delete(SeenTriggerRow).where(SeenTriggerRow.seen_at < now - KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
