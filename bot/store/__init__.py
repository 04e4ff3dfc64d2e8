"""The bot's own database: SQLAlchemy 2 async tables (`tables`) and engine, schema and `Store` (`database`).

SQLite (aiosqlite) by default, PostgreSQL (asyncpg) when `DATABASE_URL` says so. Import from here:
`from bot.store import Store`. Start: `store = Store(url); await store.start()`; stop: `await store.aclose()`.
"""

from bot.store.database import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    create_schema,
    make_engine,
    serialize,
)
from bot.store.tables import (
    AlertRow,
    AlertRuleRow,
    AuditRow,
    BalanceSnapshotRow,
    Base,
    DigestSubscriptionRow,
    LockRow,
    Money,
    OutboxRow,
    SchedulerClaimRow,
    SchemaVersionRow,
    SeenTriggerRow,
    TopupRow,
    TransitionRow,
    UtcDateTime,
    WorkflowStepRow,
    utcnow,
)

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AlertRow",
    "AlertRuleRow",
    "AuditRow",
    "BalanceSnapshotRow",
    "Base",
    "DigestSubscriptionRow",
    "LockRow",
    "Money",
    "OutboxRow",
    "SchedulerClaimRow",
    "SchemaVersionRow",
    "SeenTriggerRow",
    "Store",
    "StoreError",
    "TopupRow",
    "TransitionRow",
    "UtcDateTime",
    "WorkflowStepRow",
    "create_schema",
    "make_engine",
    "serialize",
    "utcnow",
]
