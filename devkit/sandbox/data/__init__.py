"""The seeded, plainly fake account: `build_account(seed, now)` gives the same data every time."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from devkit.sandbox.clock import AccountClock
from devkit.sandbox.config import DEFAULT_PER_DAY
from devkit.sandbox.data.billing import build_invoices, build_ledger, build_numbers, build_prefs, build_tags
from devkit.sandbox.data.records import build_records
from devkit.sandbox.data.usage import SpendRecords
from devkit.sandbox.data.webhooks import build_deliveries
from devkit.sandbox.rand import Gen
from devkit.sandbox.spend import Spending
from devkit.sandbox.state import AccountState, iso

USER_EMAIL = "billing@sandbox.example.com"
AUDIT_HISTORY = (
    ("update", "auto_recharge_pref", "threshold_amount", "50.00", "100.00"),
    ("update", "auto_recharge_pref", "recharge_amount", "100.00", "250.00"),
    ("update", "auto_recharge_pref", "enabled", False, True),
    ("update", "phone_number", "tags", ["sandbox"], ["sandbox", "sales"]),
    (
        "update",
        "messaging_profile",
        "webhook_url",
        "https://old.example.com/hook",
        "https://hooks.example.com/telnyx/events",
    ),
    ("create", "api_key", "status", None, "active"),
    ("delete", "api_key", "status", "active", None),
    ("update", "user", "email", "old-billing@sandbox.example.com", USER_EMAIL),
)
MADE_BY = ("account_owner", "organization_member", "account_manager", "telnyx")


def build_account(
    seed: int, now: datetime, *, live: bool = False, per_day: Decimal = DEFAULT_PER_DAY
) -> AccountState:
    """Generate the whole account for `seed`, with every date relative to `now`, spending `per_day`.

    Its clock starts at `now`: frozen there until advanced, or `live` (following real time).
    """
    ids = Gen(seed, "ids")
    user_id, organization_id = ids.uuid(), ids.uuid()
    numbers = build_numbers(Gen(seed, "numbers"), now)
    ours = [n.tn for n in numbers]
    number_tags, profile_tags = build_tags()
    money = Gen(seed, "balance")
    clock = AccountClock(now, live=live)
    return AccountState(
        now=now,
        ids=Gen(seed, "runtime"),
        user_id=user_id,
        organization_id=organization_id,
        user_email=USER_EMAIL,
        currency="USD",
        balance=money.cents("180.00", "650.00"),
        credit_limit=Decimal("500.00"),
        pending=money.cents("5.00", "40.00"),
        auto_recharge=build_prefs(Gen(seed, "prefs")),
        number_tags=number_tags,
        outbound_profile_tags=profile_tags,
        invoices=build_invoices(Gen(seed, "invoices"), now),
        # made on first use (see OnFirstUse), from their own streams
        make_detail_records=lambda: build_records(Gen(seed, "records"), now, user_id, ours),
        make_webhook_deliveries=lambda: build_deliveries(Gen(seed, "webhooks"), now, user_id),
        audit_events=build_audit(Gen(seed, "audit"), now, user_id, organization_id),
        numbers=numbers,
        ledger=build_ledger(Gen(seed, "ledger"), now),
        account_clock=clock,
        spending=Spending(seed, per_day, clock.now(), SpendRecords(seed, user_id, ours)),
    )


def build_audit(gen: Gen, now: datetime, user_id: str, organization_id: str) -> list[dict[str, Any]]:
    """Past account changes over the last 90 days, oldest first (new ones are appended)."""
    events = []
    for index in range(24):
        change_type, resource, field, old, new = AUDIT_HISTORY[index % len(AUDIT_HISTORY)]
        made_by = MADE_BY[0] if index % 3 else gen.pick(MADE_BY)
        events.append(
            {
                "id": gen.uuid(),
                "record_type": "audit_event",
                "change_made_by": made_by,
                "change_type": change_type,
                "changes": [{"field": field, "from": old, "to": new}],
                "created_at": iso(now - timedelta(seconds=gen.int(3600, 90 * 86400))),
                "organization_id": organization_id,
                "user_id": user_id,
                "resource_id": gen.uuid() if resource != "phone_number" else "+13125550110",
                "alternate_resource_id": "+13125550110" if resource == "phone_number" else None,
            }
        )
    return sorted(events, key=lambda e: e["created_at"])
