"""Engine setup, schema creation and upgrade, the cross-instance lock, and `Store`.

- SQLite: every transaction starts with `BEGIN IMMEDIATE`, and connections wait up to 30 s for a lock.
  Python's sqlite3 otherwise starts a deferred transaction that reads, then fails at once with "database
  is locked" when it tries to write while another connection writes; taking the write lock up front lets
  concurrent tasks queue behind the busy timeout instead. The bot's transactions are a few ms long.
  The journal is WAL (one fsync per commit, still durable with the default synchronous=FULL); SQLite
  removes the -wal/-shm files beside the database when the last connection closes. An in-memory database
  (`sqlite+aiosqlite://`) is one shared connection, so `Store` runs its transactions one at a time there.
- PostgreSQL: `serialize(session, name)` takes a row lock on `app_locks` until the transaction ends, so
  checks that span several rows (the rolling daily top-up limit) cannot race between app instances.
  `schema=` puts the tables in an existing schema (via the search path).
- "Created or upgraded at start": `create_schema` creates missing tables (`create_all`) and then applies
  the additive steps in `MIGRATIONS` from the version stored in `schema_version` up to `SCHEMA_VERSION`,
  in one transaction (PostgreSQL DDL is transactional; an advisory lock keeps two instances starting at
  once from racing). Destructive changes (drop/rename) are not automated. A database newer than the code
  is refused.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Table, event, insert, inspect, select, text, update
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.store.tables import LOCK_NAMES, Base, LockRow, SchemaVersionRow

SCHEMA_VERSION = 3
# version reached -> SQL statements that bring the previous version up to it (additive only; new tables
# come from create_all). The type names are ones both SQLite and PostgreSQL accept.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE topup_requests ADD COLUMN resolution VARCHAR(16)",
        "ALTER TABLE topup_requests ADD COLUMN resolved_by VARCHAR(32)",
        "ALTER TABLE topup_requests ADD COLUMN resolved_at TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE topup_requests ADD COLUMN resolution_note TEXT",
    ),
    # a payment's failure stored as data, worded when shown; older rows keep their sentence in `error`
    3: ("ALTER TABLE topup_requests ADD COLUMN failure JSON",),
}
SQLITE_BUSY_TIMEOUT = 30.0
_PG_SCHEMA_LOCK = 7_342_001  # arbitrary, constant advisory lock key for schema creation
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class StoreError(Exception):
    """The database cannot be used as it is (e.g. its schema is newer than this bot)."""


def make_engine(database_url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://...` or `postgresql+asyncpg://...`.

    `schema` (PostgreSQL only) puts the bot's tables in that existing schema, via the search path.
    """
    if database_url.startswith("sqlite"):
        if schema is not None:
            raise ValueError("schema= is only for PostgreSQL")
        engine = create_async_engine(database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        _begin_immediate(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if schema is not None:
        if not _IDENTIFIER.match(schema):
            raise ValueError(f"schema {schema!r} is not a plain identifier")
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(database_url, connect_args=connect_args, pool_pre_ping=True)


def _begin_immediate(engine: AsyncEngine) -> None:
    """Make every SQLite transaction take the write lock at BEGIN (see the module docstring)."""

    operational_error = engine.sync_engine.dialect.loaded_dbapi.OperationalError

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 must not emit its own deferred BEGIN
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op for :memory:
        except operational_error as exc:
            # The switch needs the file to itself and does not wait for it: "locked" means another
            # connection (an instance starting at the same moment) holds it, and is making the same switch.
            # Any journal mode is correct; WAL only lets readers overlap the writer.
            if "locked" not in str(exc):
                raise
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def create_schema(engine: AsyncEngine) -> int:
    """Create missing tables and apply pending migrations; return the schema version now in place."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        missing = await conn.run_sync(_missing_tables)
        if missing:
            await conn.run_sync(Base.metadata.create_all, tables=missing, checkfirst=False)
        version = await _upgrade(conn)
        present = set((await conn.execute(select(LockRow.name))).scalars())
        for name in LOCK_NAMES:
            if name not in present:
                await conn.execute(insert(LockRow).values(name=name, counter=0))
    return version


def _missing_tables(conn: Connection) -> list[Table]:
    """The bot's tables the database lacks, in dependency order: one query, where `create_all` would ask
    about each table in turn (a restart finds them all; a first start, none)."""
    present = set(inspect(conn).get_table_names())
    return [table for table in Base.metadata.sorted_tables if table.name not in present]


async def _upgrade(conn: AsyncConnection) -> int:
    """Bring `schema_version` up to SCHEMA_VERSION by running MIGRATIONS in order."""
    stored = (await conn.execute(select(SchemaVersionRow.version).where(SchemaVersionRow.id == 1))).scalar()
    if stored is None:
        # a fresh database: create_all just made every table at the current version
        await conn.execute(insert(SchemaVersionRow).values(id=1, version=SCHEMA_VERSION))
        return SCHEMA_VERSION
    if stored > SCHEMA_VERSION:
        raise StoreError(
            f"The database schema is version {stored}, newer than this bot understands ({SCHEMA_VERSION}). "
            "Upgrade the bot, or point DATABASE_URL at another database."
        )
    for version in range(stored + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS.get(version, ()):
            await conn.execute(text(statement))
    if stored != SCHEMA_VERSION:
        await conn.execute(
            update(SchemaVersionRow).where(SchemaVersionRow.id == 1).values(version=SCHEMA_VERSION)
        )
    return SCHEMA_VERSION


async def serialize(session: AsyncSession, name: str) -> None:
    """Hold the named lock until the session's transaction ends (one holder at a time, any instance)."""
    result = await session.execute(
        update(LockRow)
        .where(LockRow.name == name)
        .values(counter=LockRow.counter + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StoreError(f"lock {name!r} is missing: was create_schema() run?")


class Store:
    """The database of one app instance: an engine plus an async session factory.

    `Store(url)` connects lazily; `await store.start()` creates or upgrades the schema (once, at start);
    `await store.aclose()` closes the pool. `await Store.open(url)` does the first two.
    """

    def __init__(self, database: str | AsyncEngine, *, schema: str | None = None) -> None:
        self.engine = database if isinstance(database, AsyncEngine) else make_engine(database, schema=schema)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        url = self.engine.url
        # an in-memory SQLite database is one shared connection: its transactions must take turns
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        self._turns: asyncio.Lock | None = asyncio.Lock() if in_memory else None

    @classmethod
    async def open(cls, database: str | AsyncEngine, *, schema: str | None = None) -> Store:
        """A started store: the engine made and the schema created or upgraded."""
        store = cls(database, schema=schema)
        try:
            await store.start()
        except BaseException:
            await store.aclose()
            raise
        return store

    async def start(self) -> int:
        """Create or upgrade the schema; return its version."""
        return await create_schema(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on exit, rolled back on an exception."""
        async with self._turns or nullcontext(), self.sessions.begin() as session:
            yield session

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
