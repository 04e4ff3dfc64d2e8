"""The in-memory account the sandbox serves, and the only code that changes it (under one lock).

Generated data (see `devkit.sandbox.data`) is held in wire form, as the API answers it; money that changes
(balance, auto-recharge amounts) is held as Decimal and rendered as two-decimal strings.

The account spends as its own time passes (`devkit.sandbox.spend`, `devkit.sandbox.clock`): `settle()`
brings it up to its clock's time, billing each record due since the last settle (the balance falls by
its cost). Auto-recharge is checked where Telnyx checks it, on a charge: after each record, and on an
attempt the available credit cannot pay for (which is refused when no recharge is allowed: calls and
messages stop). A knob that sets the balance charges nothing, so it recharges nothing by itself. The
server settles before it answers any request, so every answer sees one account at one moment.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devkit.sandbox.errors import bad_field
from devkit.sandbox.rand import Gen

if TYPE_CHECKING:  # spend and clock import this module's helpers: only the types are needed here
    from devkit.sandbox.clock import AccountClock
    from devkit.sandbox.spend import Spending

CENT = Decimal("0.01")
AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
RECHARGES_PER_DAY = 10  # Telnyx auto-recharges at most 10 times in any 24 hours
DAY = timedelta(days=1)


def money(value: Decimal) -> str:
    """A Decimal as Telnyx writes money: a string with two decimals."""
    return str(value.quantize(CENT))


def iso(moment: datetime, *, millis: bool = False) -> str:
    """An aware datetime as RFC 3339 in UTC with a Z."""
    return moment.isoformat(timespec="milliseconds" if millis else "seconds").replace("+00:00", "Z")


def parse_amount(pointer: str, raw: object, *, allow_zero: bool = False) -> Decimal:
    """A decimal string with at most two decimals, > 0 (or >= 0), else Telnyx's 422 for that field."""
    text = raw if isinstance(raw, str) else ""
    if not AMOUNT.fullmatch(text):
        raise bad_field(
            pointer,
            f'Amount must be a decimal string with at most two decimals (e.g. "120.00"), not {raw!r}.',
            title="Invalid amount format",
            code="10027",
        )
    amount = Decimal(text)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise bad_field(pointer, f"Amount must be greater than zero, not {raw!r}.", title="Invalid amount")
    return amount


@dataclass
class PhoneNumber:
    """A number on the account, for the charges reports: its monthly and one-time services."""

    tn: str
    charge_type: str  # "local" | "toll_free"
    activated_on: date
    released_on: date | None
    services: list[tuple[str, str, Decimal]]  # (name, "MRC" | "OTC", monthly or one-time cost)


@dataclass
class LedgerEvent:
    """A charge outside the per-number breakdown (port outs, campaigns) or a ledger adjustment."""

    day: date
    kind: str  # "simple" line alias, or "adjustment"
    name: str
    amount: Decimal


class OnFirstUse:
    """A generated list made by the state's `make_<name>` when first read, then kept (and changed) as usual.

    Detail records and webhook deliveries are most of an account's data (about 30 ms of CPU per sandbox)
    and most runs never read them; each is drawn from its own seeded stream, so it is the same whenever
    it is made.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot, self.maker = f"_{name}", f"make_{name}"

    def __get__(self, state: object, owner: type | None = None) -> list[dict[str, Any]]:
        made: list[dict[str, Any]] | None = state.__dict__.get(self.slot)
        if made is None:
            made = state.__dict__[self.slot] = getattr(state, self.maker)()
        return made

    def __set__(self, state: object, value: list[dict[str, Any]]) -> None:
        state.__dict__[self.slot] = value


@dataclass
class AccountState:
    """Everything the sandbox knows about the account; tests read it as `sb.state`."""

    now: datetime
    ids: Gen
    user_id: str
    organization_id: str
    user_email: str
    currency: str
    balance: Decimal
    credit_limit: Decimal
    pending: Decimal
    auto_recharge: dict[str, Any]
    number_tags: list[str]
    outbound_profile_tags: list[str]
    invoices: list[dict[str, Any]]
    make_detail_records: Callable[[], list[dict[str, Any]]] = field(repr=False, compare=False)
    make_webhook_deliveries: Callable[[], list[dict[str, Any]]] = field(repr=False, compare=False)
    audit_events: list[dict[str, Any]]
    numbers: list[PhoneNumber]
    ledger: list[LedgerEvent]
    account_clock: AccountClock
    spending: Spending
    payments: list[dict[str, Any]] = field(default_factory=list)
    recharged_at: list[datetime] = field(default_factory=list)  # auto-recharges, oldest first
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    # detail-record query -> its filtered, sorted records; None = not kept (SandboxConfig.memo_queries)
    query_memo: dict[tuple[str, ...], list[dict[str, Any]]] | None = field(default=None, repr=False)
    # made on first read by make_detail_records / make_webhook_deliveries (see OnFirstUse)
    detail_records = OnFirstUse()
    webhook_deliveries = OnFirstUse()

    @property
    def available_credit(self) -> Decimal:
        """Balance plus credit limit, as Telnyx reports it."""
        return self.balance + self.credit_limit

    def balance_body(self) -> dict[str, Any]:
        """The `data` of GET /balance."""
        return {
            "record_type": "balance",
            "balance": money(self.balance),
            "credit_limit": money(self.credit_limit),
            "available_credit": money(self.available_credit),
            "pending": money(self.pending),
            "currency": self.currency,
        }

    def auto_recharge_body(self) -> dict[str, Any]:
        """The `data` of GET/PATCH /payment/auto_recharge_prefs."""
        prefs = dict(self.auto_recharge)
        prefs["threshold_amount"] = money(prefs["threshold_amount"])
        prefs["recharge_amount"] = money(prefs["recharge_amount"])
        return prefs

    async def update_auto_recharge(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a validated PATCH body; record an audit event when anything changed."""
        parsed: dict[str, Any] = {}
        for key in ("threshold_amount", "recharge_amount"):
            if key in changes:
                parsed[key] = parse_amount(f"/{key}", changes[key], allow_zero=key == "threshold_amount")
        for key in ("enabled", "invoice_enabled", "preference"):
            if key in changes:
                parsed[key] = changes[key]
        async with self.lock:
            diff = [
                {"field": key, "from": _wire(self.auto_recharge[key]), "to": _wire(value)}
                for key, value in parsed.items()
                if self.auto_recharge[key] != value
            ]
            self.auto_recharge.update(parsed)
            if diff:
                self.add_audit_event("update", self.auto_recharge["id"], diff)
            return self.auto_recharge_body()

    async def pay(self, raw_amount: object) -> dict[str, Any]:
        """Charge the stored payment method: the balance rises by exactly the amount."""
        amount = parse_amount("/amount", raw_amount)
        async with self.lock:
            return self._credit(amount, self.clock(), auto_recharge=False)

    def _credit(self, amount: Decimal, at: datetime, *, auto_recharge: bool) -> dict[str, Any]:
        """A stored-payment transaction: the balance rises by `amount`, audited as a balance change."""
        before = self.balance
        self.balance += amount
        transaction: dict[str, Any] = {
            "id": self.ids.uuid(),
            "record_type": "transaction",
            "transaction_processing_type": "stored_payment",
            "amount_cents": int(amount * 100),
            "amount_currency": self.currency,
            "auto_recharge": auto_recharge,
            "processor_status": "submitted_for_settlement",
            "created_at": iso(at),
        }
        self.payments.append(transaction)
        self.add_audit_event(
            "create",
            transaction["id"],
            [{"field": "balance", "from": money(before), "to": money(self.balance)}],
            at=at,
            # Telnyx charges an auto-recharge on the account's behalf
            made_by="telnyx" if auto_recharge else "account_owner",
        )
        return transaction

    def add_audit_event(
        self,
        change_type: str,
        resource_id: str,
        changes: list[dict[str, Any]],
        *,
        at: datetime | None = None,
        made_by: str = "account_owner",
    ) -> None:
        """Record a change (by default made now through the API by the key's owner); newest events are last."""
        self.audit_events.append(
            {
                "id": self.ids.uuid(),
                "record_type": "audit_event",
                "change_made_by": made_by,
                "change_type": change_type,
                "changes": changes,
                "created_at": iso(at or self.clock()),
                "organization_id": self.organization_id,
                "user_id": self.user_id,
                "resource_id": resource_id,
                "alternate_resource_id": None,
            }
        )

    # The account's time and its spend
    def account_time(self) -> datetime:
        """The account's current time: the data's `now` unless the clock was advanced or is live."""
        return self.account_clock.now()

    def settle(self) -> None:
        """Bill every record due before the account's time, auto-recharging as Telnyx would."""
        spending = self.spending
        until = self.account_clock.now()
        if until <= spending.settled_to:
            return
        made: list[dict[str, Any]] = []
        for moment, amount in spending.due(until):
            cost = spending.bill(amount)
            if cost is None:
                continue
            if cost > self.available_credit:
                # the attempt finds the balance low: Telnyx recharges first, if a recharge is allowed
                self._auto_recharge(moment)
                if cost > self.available_credit:
                    spending.refused += 1  # calls and messages stop when the credit runs out
                    continue
            product, record = spending.records.record(moment, cost)
            self.balance -= cost
            spending.book(moment, product, cost)
            made.append(record)
            self._auto_recharge(moment)
        spending.settled_to = until
        if made:
            self.detail_records[:0] = reversed(made)  # newest first, as generated
            if self.query_memo is not None:
                self.query_memo.clear()

    def _auto_recharge(self, at: datetime) -> None:
        """Below the threshold, recharge to threshold + recharge_amount (at most 10 times in 24 h)."""
        prefs = self.auto_recharge
        threshold = prefs["threshold_amount"]
        if not prefs["enabled"] or self.balance >= threshold:
            return
        if self.recharges_since(at - DAY) >= RECHARGES_PER_DAY:
            return
        self._credit(threshold + prefs["recharge_amount"] - self.balance, at, auto_recharge=True)
        self.recharged_at.append(at)

    def recharges_since(self, since: datetime) -> int:
        """Auto-recharges after `since`."""
        return sum(1 for at in self.recharged_at if at > since)

    def advance(self, seconds: int) -> None:
        """Move the account's time forward; what happens meanwhile (spend, recharges) happens now."""
        self.settle()
        self.account_clock.advance(seconds)
        self.settle()

    def set_balance(self, balance: Decimal) -> None:
        """Set the balance at the account's current time (no payment, no audit event: a sandbox knob)."""
        self.settle()
        self.balance = balance

    def set_pace(self, per_day: Decimal) -> None:
        """Spend `per_day` from now on (what is due so far is billed at the old pace first)."""
        self.settle()
        self.spending.per_day = per_day

    def add_webhook_deliveries(self, deliveries: list[dict[str, Any]]) -> None:
        """Add deliveries (failures made now by the knob), keeping the list newest first."""
        merged = deliveries + self.webhook_deliveries
        merged.sort(key=lambda d: d["started_at"], reverse=True)  # one format: the strings sort as times
        self.webhook_deliveries = merged

    def clock(self) -> datetime:
        """The time of a change: never before the account's time, so new events sort last."""
        return max(datetime.now(UTC), self.account_clock.now())

    # Deterministic handles for tests of other parts.
    def failed_delivery_ids(self) -> list[str]:
        """Ids of the webhook deliveries that failed, newest first."""
        return [d["id"] for d in self.webhook_deliveries if d["status"] == "failed"]

    def delivered_delivery_ids(self) -> list[str]:
        """Ids of the webhook deliveries that were delivered, newest first."""
        return [d["id"] for d in self.webhook_deliveries if d["status"] == "delivered"]

    def unpaid_invoice_ids(self) -> list[str]:
        """Ids of the unpaid invoices, newest period first."""
        return [i["invoice_id"] for i in self.invoices if not i["paid"]]

    @property
    def first_unpaid_invoice_id(self) -> str:
        """The newest unpaid invoice."""
        return self.unpaid_invoice_ids()[0]

    def paid_invoice_ids(self) -> list[str]:
        """Ids of the paid invoices, newest period first."""
        return [i["invoice_id"] for i in self.invoices if i["paid"]]

    def record_ids(self, record_type: str) -> list[str]:
        """Ids of the detail records of one wire record_type (e.g. "message_detail_record")."""
        return [r["id"] for r in self.detail_records if r["record_type"] == record_type]


def _wire(value: Any) -> Any:
    return money(value) if isinstance(value, Decimal) else value
