"""The alerts' state in the database: rules, alerts and their lifecycle, and the scheduler's claims.

Lifecycle of an alert (one rule, one subject):
- fired: the rule finds the subject and no open alert has its `open_key`: a row is inserted (the unique
  key makes a second instance's insert fail, so it is opened once) and its message is queued (outbox).
- still firing: nothing is posted until the re-notify interval has passed since the last notice (not
  while acknowledged, not while snoozed; a snooze that ended re-notifies at once); then one reply in the
  message's thread and the message redrawn, decided by a compare-and-set on `notified_at`.
- resolved: the rule no longer finds the subject; a compare-and-set closes it, the message is redrawn as
  resolved and a thread reply says so. A one-shot event (an auto-recharge change) is "noted" at once and
  keeps its key, so it is never posted twice.
Every Slack side effect goes through the outbox in the transaction of the change (key `alert:<id>`, so
an alert's post, re-notices and resolution are delivered in order). Acknowledge and Snooze are
compare-and-sets too, written to the audit trail in the same transaction.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.evaluate import Finding, Severity
from bot.alerts.rules import Checked, Kind, Rule, Threshold, read_threshold
from bot.store import AlertRow, AlertRuleRow, SchedulerClaimRow, Store

if TYPE_CHECKING:
    from bot.audit_trail import AuditRecord, AuditTrail
    from bot.outbox import Outbox

POST, REDRAW, THREAD = "alert.post", "alert.redraw", "alert.thread"
KEEP_CLAIMS = timedelta(days=1)
KEEP_CLOSED = timedelta(days=90)
MAX_RULES = 50  # a list of rules fits one message (50 blocks) with room for its header
# What changed, for the observers (e.g. Home tabs): the open alerts (one fired, closed, was acknowledged or
# snoozed) or the rules (one added, changed or deleted).
ALERTS, RULES = "alerts", "rules"
# Called inside the transaction of such a change, with what changed; it may queue outbox rows there.
Observer = Callable[[AsyncSession, frozenset[str]], Awaitable[None]]


class State(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    NOTED = "noted"  # a one-shot event, told once


class Note(StrEnum):
    """What a thread reply says."""

    RENOTIFY = "renotify"
    RESOLVED = "resolved"
    RULE_DELETED = "rule_deleted"


class Acted(StrEnum):
    """What became of an Acknowledge or Snooze click."""

    DONE = "done"
    ALREADY = "already"  # acknowledged before (by whoever `Alert.acked_by` says)
    CLOSED = "closed"  # resolved or noted: nothing to silence
    MISSING = "missing"


@dataclass(frozen=True)
class Alert:
    """An alert as its message shows it."""

    id: int
    rule_id: str
    kind: Kind
    subject: str
    state: State
    severity: Severity
    facts: dict[str, Any]
    started_at: datetime
    notified_at: datetime
    renotified: int
    resolved_at: datetime | None
    resolution: str | None
    acked_by: str | None
    acked_at: datetime | None
    snoozed_until: datetime | None
    snoozed_by: str | None
    channel: str
    message_ts: str | None


@dataclass
class Tally:
    """What one evaluation of one rule did."""

    fired: int = 0
    renotified: int = 0
    resolved: int = 0
    firing: int = 0  # still firing, nothing posted

    def add(self, other: Tally) -> None:
        self.fired += other.fired
        self.renotified += other.renotified
        self.resolved += other.resolved
        self.firing += other.firing


def rule_of(row: AlertRuleRow) -> Rule:
    kind = Kind(row.kind)
    threshold = read_threshold(kind, row.threshold)
    # a stored threshold was checked on the way in; a rule whose threshold no longer reads (a newer rule
    # of reading) evaluates as if it had none and the list shows it
    return Rule(
        id=row.id,
        kind=kind,
        threshold=threshold if isinstance(threshold, Threshold) else Threshold(None),
        raw_threshold=row.threshold,
        endpoint=row.endpoint,
        channel=row.channel,
        renotify=timedelta(seconds=row.renotify_seconds),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def alert_of(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        rule_id=row.rule_id,
        kind=Kind(row.kind),
        subject=row.subject,
        state=State(row.state),
        severity=Severity(row.severity),
        facts=json.loads(row.detail),
        started_at=row.started_at,
        notified_at=row.notified_at,
        renotified=row.renotified,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        acked_by=row.acked_by,
        acked_at=row.acked_at,
        snoozed_until=row.snoozed_until,
        snoozed_by=row.snoozed_by,
        channel=row.channel,
        message_ts=row.message_ts,
    )


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "kind": rule.kind.value,
        "threshold": rule.raw_threshold,
        "endpoint": rule.endpoint,
        "channel": rule.channel,
        "renotify_seconds": int(rule.renotify.total_seconds()),
    }


def renotify_due(alert: Alert, rule: Rule, now: datetime) -> bool:
    """Whether a still-firing alert is told again now."""
    if alert.state is not State.FIRING or alert.acked_by is not None:
        return False
    if alert.snoozed_until is not None:
        if now < alert.snoozed_until:
            return False
        if alert.notified_at < alert.snoozed_until:
            return True  # the snooze is over and it still fires
    return rule.renotify > timedelta(0) and now - alert.notified_at >= rule.renotify


class AlertBook:
    """Rules and alerts in the store; every change queues its Slack side effects in the same transaction."""

    def __init__(self, store: Store, outbox: Outbox, audit: AuditTrail) -> None:
        self._store, self._outbox, self._audit = store, outbox, audit
        self.observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        """Have `observer(session, what)` called inside the transaction of every change of the open alerts
        or the rules (`what`: ALERTS and/or RULES)."""
        self.observers.append(observer)

    async def _observed(self, session: AsyncSession, *what: str) -> None:
        for observer in self.observers:
            await observer(session, frozenset(what))

    # --- rules ---------------------------------------------------------------------------------------

    async def rules(self) -> list[Rule]:
        async with self._store.transaction() as session:
            rows = await session.scalars(
                select(AlertRuleRow).order_by(AlertRuleRow.created_at, AlertRuleRow.id)
            )
            return [rule_of(row) for row in rows]

    async def rule(self, rule_id: str) -> Rule | None:
        async with self._store.transaction() as session:
            row = await session.get(AlertRuleRow, rule_id)
            return None if row is None else rule_of(row)

    async def count_rules(self) -> int:
        return len(await self.rules())

    async def save_rule(
        self, checked: Checked, actor: str, now: datetime, rule_id: str | None = None
    ) -> Rule | None:
        """Add a rule (`rule_id` None) or change one; None when the rule to change is gone."""
        async with self._store.transaction() as session:
            row = None if rule_id is None else await session.get(AlertRuleRow, rule_id)
            if rule_id is not None and row is None:
                return None
            before = None if row is None else _rule_json(rule_of(row))
            if row is None:
                row = AlertRuleRow(id=secrets.token_hex(6), created_by=actor, created_at=now)
                session.add(row)
            row.kind = checked.kind.value
            row.threshold = checked.threshold
            row.endpoint = checked.endpoint
            row.channel = checked.channel
            row.renotify_seconds = int(checked.renotify.total_seconds())
            row.updated_at = now
            await session.flush()
            rule = rule_of(row)
            record = await self._audit.add(
                session,
                actor,
                "alerts.rule." + ("add" if before is None else "edit"),
                rule.id,
                before,
                _rule_json(rule),
                "ok",
            )
            await self._observed(session, RULES)
        await self._published(record)
        self._outbox.wake()
        return rule

    async def delete_rule(self, rule_id: str, actor: str, now: datetime) -> Rule | None:
        """Delete a rule; its open alerts are closed (redrawn, with a thread reply). None when it is gone."""
        async with self._store.transaction() as session:
            row = await session.get(AlertRuleRow, rule_id)
            if row is None:
                return None
            rule = rule_of(row)
            open_rows = await session.scalars(
                select(AlertRow).where(AlertRow.rule_id == rule_id, AlertRow.state == State.FIRING.value)
            )
            for alert in open_rows:
                await self._close(session, alert, now, "rule_deleted", Note.RULE_DELETED)
            await session.delete(row)
            record = await self._audit.add(
                session, actor, "alerts.rule.delete", rule_id, _rule_json(rule), None, "ok"
            )
            await self._observed(session, RULES)
        await self._published(record)
        self._outbox.wake()
        return rule

    # --- alerts --------------------------------------------------------------------------------------

    async def alert(self, alert_id: int) -> Alert | None:
        async with self._store.transaction() as session:
            row = await session.get(AlertRow, alert_id)
            return None if row is None else alert_of(row)

    async def open_alerts(self) -> list[Alert]:
        """Every alert still firing, oldest first."""
        async with self._store.transaction() as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.state == State.FIRING.value).order_by(AlertRow.id)
            )
            return [alert_of(row) for row in rows]

    async def apply(self, rule: Rule, findings: list[Finding], now: datetime) -> Tally:
        """Bring the rule's alerts in line with what it found now (see the module's lifecycle)."""
        tally = Tally()
        found = {f.subject: f for f in findings}
        async with self._store.transaction() as session:
            rows = await session.scalars(
                select(AlertRow).where(AlertRow.rule_id == rule.id, AlertRow.open_key.is_not(None))
            )
            known = {row.subject: row for row in rows}
        for subject, finding in found.items():
            row = known.get(subject)
            if row is None:
                tally.fired += await self._fire(rule, finding, now)
            elif row.state == State.FIRING.value:
                if await self._still_firing(rule, alert_of(row), finding, now):
                    tally.renotified += 1
                else:
                    tally.firing += 1
        for subject, row in known.items():
            if subject not in found and row.state == State.FIRING.value:
                async with self._store.transaction() as session:
                    fresh = await session.get(AlertRow, row.id)
                    if fresh is not None and await self._close(session, fresh, now, "cleared", Note.RESOLVED):
                        tally.resolved += 1
        if tally.fired or tally.renotified or tally.resolved:
            self._outbox.wake()
        return tally

    async def _fire(self, rule: Rule, finding: Finding, now: datetime) -> int:
        try:
            async with self._store.transaction() as session:
                row = AlertRow(
                    rule_id=rule.id,
                    kind=rule.kind.value,
                    subject=finding.subject,
                    open_key=f"{rule.id}:{finding.subject}"[:600],
                    state=(State.NOTED if finding.one_shot else State.FIRING).value,
                    severity=finding.severity.value,
                    detail=json.dumps(finding.facts | {"rule_threshold": rule.raw_threshold}),
                    started_at=now,
                    last_seen_at=now,
                    notified_at=now,
                    renotified=0,
                    channel=rule.channel,
                )
                session.add(row)
                await session.flush()
                await self._outbox.add(session, f"alert:{row.id}", POST, {"id": row.id})
                if not finding.one_shot:
                    await self._observed(session, ALERTS)
        except IntegrityError:
            return 0  # another instance opened it a moment ago
        return 1

    async def _still_firing(self, rule: Rule, alert: Alert, finding: Finding, now: datetime) -> bool:
        """Keep the facts current; re-notify when due (one instance wins the compare-and-set)."""
        detail = json.dumps(finding.facts | {"rule_threshold": rule.raw_threshold})
        due = renotify_due(alert, rule, now)
        async with self._store.transaction() as session:
            values: dict[str, Any] = {
                "detail": detail,
                "severity": finding.severity.value,
                "last_seen_at": now,
            }
            if due:
                values |= {"notified_at": now, "renotified": alert.renotified + 1}
            changed = await session.execute(
                update(AlertRow)
                .where(
                    AlertRow.id == alert.id,
                    AlertRow.state == State.FIRING.value,
                    AlertRow.notified_at == alert.notified_at,
                )
                .values(**values)
            )
            if not due or changed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await self._outbox.add(
                session, f"alert:{alert.id}", THREAD, {"id": alert.id, "note": Note.RENOTIFY.value}
            )
            await self._outbox.add(session, f"alert:{alert.id}", REDRAW, {"id": alert.id})
        return True

    async def _close(
        self, session: AsyncSession, row: AlertRow, now: datetime, resolution: str, note: Note
    ) -> bool:
        changed = await session.execute(
            update(AlertRow)
            .where(AlertRow.id == row.id, AlertRow.state == State.FIRING.value)
            .values(state=State.RESOLVED.value, open_key=None, resolved_at=now, resolution=resolution)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self._outbox.add(session, f"alert:{row.id}", REDRAW, {"id": row.id})
        await self._outbox.add(session, f"alert:{row.id}", THREAD, {"id": row.id, "note": note.value})
        await self._observed(session, ALERTS)
        return True

    async def set_message(self, alert_id: int, channel: str, ts: str) -> None:
        """Remember where the alert's message was posted (the outbox's delivery of POST calls this)."""
        async with self._store.transaction() as session:
            await session.execute(
                update(AlertRow).where(AlertRow.id == alert_id).values(channel=channel, message_ts=ts)
            )

    async def acknowledge(self, alert_id: int, actor: str, now: datetime) -> tuple[Acted, Alert | None]:
        """Record who acknowledged: re-notifying stops; the message is redrawn."""
        return await self._act(
            alert_id,
            actor,
            "alerts.acknowledge",
            {"acked_by": actor, "acked_at": now},
            extra=(AlertRow.acked_by.is_(None),),
        )

    async def snooze(self, alert_id: int, actor: str, until: datetime) -> tuple[Acted, Alert | None]:
        """Silence re-notifying until `until` (a later snooze replaces an earlier one)."""
        return await self._act(
            alert_id, actor, "alerts.snooze", {"snoozed_until": until, "snoozed_by": actor}
        )

    async def _act(
        self, alert_id: int, actor: str, action: str, values: dict[str, Any], extra: tuple[Any, ...] = ()
    ) -> tuple[Acted, Alert | None]:
        async with self._store.transaction() as session:
            row = await session.get(AlertRow, alert_id)
            if row is None:
                return Acted.MISSING, None
            if row.state != State.FIRING.value:
                return Acted.CLOSED, alert_of(row)
            changed = await session.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.state == State.FIRING.value, *extra)
                .values(**values)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                await session.refresh(row)
                return Acted.ALREADY, alert_of(row)
            await session.refresh(row)
            after = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
            record = await self._audit.add(session, actor, action, f"alert:{alert_id}", None, after, "ok")
            await self._outbox.add(session, f"alert:{alert_id}", REDRAW, {"id": alert_id})
            await self._observed(session, ALERTS)
            alert = alert_of(row)
        await self._published(record)
        self._outbox.wake()
        return Acted.DONE, alert

    async def _published(self, record: AuditRecord) -> None:
        await self._audit.publish([record])

    # --- the scheduler's claims ----------------------------------------------------------------------

    async def claim(self, job: str, tick: int, instance: str, now: datetime) -> bool:
        """True for the one instance that claims `job` for `tick` (atomic on SQLite and PostgreSQL)."""
        try:
            async with self._store.transaction() as session:
                session.add(SchedulerClaimRow(job=job, tick=tick, claimed_by=instance, claimed_at=now))
        except IntegrityError:
            return False
        return True

    async def prune(self, now: datetime) -> None:
        """Forget old claims and long-closed alerts."""
        async with self._store.transaction() as session:
            await session.execute(
                delete(SchedulerClaimRow).where(SchedulerClaimRow.claimed_at < now - KEEP_CLAIMS)
            )
            await session.execute(
                delete(AlertRow).where(
                    AlertRow.state != State.FIRING.value, AlertRow.started_at < now - KEEP_CLOSED
                )
            )
