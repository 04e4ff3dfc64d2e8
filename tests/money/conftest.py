"""Fixtures for the money-safety core: a policy, group resolvers, clocks, stores, payment stand-ins.

The store fixture runs each test on SQLite (a file under tmp_path) and on PostgreSQL when
TEST_DATABASE_URL is set (each test in its own schema, so parallel runs never collide; tests/support/pg.py).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.access import AccessControl, Policy, parse_policy
from bot.approvals import Approvals
from bot.audit_trail import AuditTrail
from bot.errors import PaymentNotCharged, PaymentOutcomeUnknown, TelnyxInvalidInput, TelnyxUnavailable
from bot.models import Balance, PaymentResult
from bot.store import Store
from tests.support.pg import new_schema

REQUESTER = "U0REQ"
GROUP_REQUESTER = "U0GREQ"
FINANCE = "U0FIN1"
FINANCE_2 = "U0FIN2"
GROUP_FINANCE = "U0GFIN"
ADMIN = "U0ADMIN"
VIEWER = "U0SOMEONE"

POLICY = {
    "roles": {
        "viewer": ["*"],
        "requester": [REQUESTER, "S0REQUESTERS"],
        "finance": [FINANCE, FINANCE_2, "S0FINANCE"],
        "admin": [ADMIN],
    },
    "channels": {"approvals": "C0APPROVALS", "audit": "C0AUDIT"},
    "limits": {"max_topup": "500.00", "daily_topup": "1000.00", "approval_ttl_hours": 24},
}
GROUPS = {"S0FINANCE": {GROUP_FINANCE}, "S0REQUESTERS": {GROUP_REQUESTER}}


def pg_url() -> str | None:
    """TEST_DATABASE_URL as an asyncpg URL, or None when unset."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


NO_PG = "TEST_DATABASE_URL is not set: the PostgreSQL variant needs a server (e.g. postgresql://postgres@127.0.0.1:5432/test)"


class Clock:
    """A settable clock: `clock()` is now, `clock.advance(hours=1)` moves it."""

    def __init__(self, start: datetime = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Groups:
    """A group resolver over a dict, counting lookups."""

    members: dict[str, set[str]] = field(default_factory=lambda: {k: set(v) for k, v in GROUPS.items()})
    lookups: list[str] = field(default_factory=list)

    async def __call__(self, group_id: str) -> set[str]:
        self.lookups.append(group_id)
        await asyncio.sleep(0)
        return set(self.members.get(group_id, set()))


class Payments:
    """Stand-ins for the gateway's payment call: each counts its calls (the amounts and keys sent)."""

    def __init__(self) -> None:
        self.sent: list[Decimal] = []
        self.keys: list[str] = []

    def _send(self, amount: Decimal, key: str) -> None:
        self.sent.append(amount)
        self.keys.append(key)

    async def ok(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        self._send(amount, idempotency_key)
        await asyncio.sleep(0.01)  # let every concurrent approver run while "Telnyx" answers
        return PaymentResult(
            id=f"txn_{len(self.sent)}", amount=amount, currency="USD", processor_status="settled"
        )

    async def unknown(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        self._send(amount, idempotency_key)
        raise PaymentOutcomeUnknown()

    async def unavailable(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        """A 5xx-like error that is not PaymentNotCharged: no proof, so the outcome is unknown."""
        self._send(amount, idempotency_key)
        raise TelnyxUnavailable()

    async def refused(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        """Telnyx refused the payment outright (a 4xx): proof nothing was charged."""
        self._send(amount, idempotency_key)
        raise PaymentNotCharged(TelnyxInvalidInput(status=422), sent=True)


async def balance_after() -> Balance:
    """The balance read after a payment, as the gateway would return it."""
    return Balance(
        balance=Decimal("742.10"),
        available_credit=Decimal("742.10"),
        credit_limit=Decimal("0"),
        pending=Decimal("0"),
    )


@pytest.fixture
def policy() -> Policy:
    return parse_policy(POLICY)


@pytest.fixture
def groups() -> Groups:
    return Groups()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def payments() -> Payments:
    return Payments()


@pytest.fixture
def access(policy: Policy, groups: Groups) -> AccessControl:
    return AccessControl(policy, groups)


@pytest.fixture(params=["sqlite", "postgres"])
async def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Callable[[], Store]]:
    """Makes Store instances (unstarted) on one shared database: a SQLite file, or a fresh PG schema."""
    made: list[Store] = []
    schema: str | None = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    else:
        url = pg_url()  # type: ignore[assignment]
        if url is None:
            pytest.skip(NO_PG)
        schema = await new_schema(url, "money")  # dropped when the session ends (tests/support/pg.py)

    def make() -> Store:
        store = Store(url, schema=schema)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


@pytest.fixture
async def store(store_factory: Callable[[], Store]) -> Store:
    s = store_factory()
    await s.start()
    return s


@pytest.fixture
def audit(store: Store, clock: Clock) -> AuditTrail:
    return AuditTrail(store, now=clock)


@pytest.fixture
def approvals(store: Store, access: AccessControl, clock: Clock, audit: AuditTrail) -> Approvals:
    return Approvals(store, access, now=clock, audit=audit)
