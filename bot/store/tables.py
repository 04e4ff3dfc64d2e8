"""The bot's tables and the column types that keep money exact and times in UTC.

Money is stored as integer cents (`Money`), so sums in SQL are exact on both databases (SQLite has no
decimal type: `Numeric` there is a float); Python only ever sees two-place Decimals. Timestamps are stored
in UTC (`UtcDateTime`) and always come back timezone-aware; a naive datetime is refused on the way in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.times import as_utc


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Money(TypeDecorator[Decimal]):
    """A Decimal amount with at most two places, stored as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = Decimal(value).scaleb(2)
        if cents != cents.to_integral_value():
            raise ValueError(f"{value} has more than two decimal places")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        # SUM() of a BIGINT is an int on SQLite and a Decimal on PostgreSQL: both go through Decimal
        return None if value is None else Decimal(int(value)).scaleb(-2)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC, returned aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store only takes timezone-aware datetimes")
        # SQLite keeps the wall-clock fields only, so every value must be in the same zone to compare
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


class Base(DeclarativeBase):
    """Declarative base of the bot's tables."""


class TopupRow(Base):
    """One top-up request and its current state."""

    __tablename__ = "topup_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    deny_reason: Mapped[str | None] = mapped_column(Text)
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    processor_status: Mapped[str | None] = mapped_column(String(64))
    # why the payment failed or its outcome is unknown, as data (bot.errors.TelnyxError.to_data); rows
    # written before schema 3 have the sentence in `error` instead
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    new_balance: Mapped[Decimal | None] = mapped_column(Money)
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # an unknown outcome closed by finance: "paid" or "not_charged", who, when and their note
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)


class TransitionRow(Base):
    """One state change of a top-up request (its creation has from_state None)."""

    __tablename__ = "topup_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("topup_requests.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class AuditRow(Base):
    """One entry of the bot's audit trail; before/after are JSON text."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class BalanceSnapshotRow(Base):
    """The account's balance at a moment: the history the runway forecast reads (bot/runway.py)."""

    __tablename__ = "balance_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    balance: Mapped[Decimal] = mapped_column(Money)
    available_credit: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(8))


class AlertRuleRow(Base):
    """One alert rule an admin set up with `/telnyx alerts add` (bot/alerts/rules.py reads it)."""

    __tablename__ = "alert_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[str] = mapped_column(String(32), default="")  # as typed, read by kind (rules.py)
    endpoint: Mapped[str] = mapped_column(Text, default="")  # webhook failures: one endpoint, or "" for all
    channel: Mapped[str] = mapped_column(String(32))
    renotify_seconds: Mapped[int] = mapped_column(Integer)  # 0: never re-notify
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertRow(Base):
    """One alert: a rule firing for one subject (the account, an endpoint, an invoice, an audit event).

    `open_key` is "<rule id>:<subject>" while the alert is open and NULL once it is closed: unique, so two
    instances can never open the same alert twice, whatever the scheduler's claims do.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text, default="")
    open_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # firing | resolved | noted
    severity: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)  # JSON: what the last evaluation found (rules.Finding)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    renotified: Mapped[int] = mapped_column(Integer, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))  # cleared | rule_deleted
    acked_by: Mapped[str | None] = mapped_column(String(32))
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    snoozed_by: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class SchedulerClaimRow(Base):
    """A job of one scheduler tick claimed by one instance: the primary key makes the claim atomic."""

    __tablename__ = "scheduler_claims"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    tick: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class OutboxRow(Base):
    """One Slack side effect of a state change, written in the change's transaction (see bot/outbox.py).

    Rows of one `key` are delivered in id order; `claimed_until` is the lease of the instance delivering it.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # delivered | abandoned
    last_error: Mapped[str | None] = mapped_column(Text)


class SeenTriggerRow(Base):
    """A slash command's trigger_id already handled (kept 10 minutes): a replayed request is ignored."""

    __tablename__ = "seen_triggers"

    trigger_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LockRow(Base):
    """A named row to lock (see `serialize`); the counter only gives the UPDATE something to change."""

    __tablename__ = "app_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


class SchemaVersionRow(Base):
    """The single row saying which schema version the database holds."""

    __tablename__ = "schema_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class WorkflowStepRow(Base):
    """A Workflow Builder step waiting for a top-up request to end (bot/workflow.py).

    `token` is the token Slack gave the step's execution (a secret): kept until the step is completed, then
    erased. `state` is waiting -> completing (one completion queued) -> done.
    """

    __tablename__ = "workflow_steps"

    execution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("topup_requests.id"), index=True)
    token: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))


class HomeViewerRow(Base):
    """A person who opened the app's Home tab, and what their last published Home showed (bot/home.py).

    `shows` is ",topic,topic," (searchable with LIKE on both databases); `view_hash` is the hash Slack gave
    the view last seen or published, which the next `views.publish` passes; `published_at` is wall-clock.
    """

    __tablename__ = "home_viewers"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    shows: Mapped[str] = mapped_column(String(200), default="")
    view_hash: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DigestSubscriptionRow(Base):
    """A scheduled digest an admin set up with `/telnyx digest daily|weekly ...` (bot/digests).

    `last_period_at` is when the last period posted was due: the compare-and-set that posts a period once,
    whichever instance gets there first.
    """

    __tablename__ = "digest_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16))  # daily | weekly
    weekday: Mapped[int | None] = mapped_column(Integer)  # weekly: 0 Monday ... 6 Sunday
    at: Mapped[str] = mapped_column(String(5))  # local time, HH:MM
    zone: Mapped[str] = mapped_column(String(64))  # IANA time zone
    channel: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_period_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


LOCK_NAMES = ("topups",)
