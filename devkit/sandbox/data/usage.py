"""The detail records that bill the sandbox account's spend as its time passes (see devkit.sandbox.spend).

Small amounts become outbound messages, the rest outbound calls (call-control or sip-trunking); a
record's `rate` times its units plus its fees is exactly its `cost`, a whole number of cents. Each record
is drawn from a stream named after its moment, and uses the account's own messaging profile and voice
connections (the seeded records' first draws), so it reads like the generated history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from devkit.sandbox.data.records import (
    CARRIERS,
    MESSAGING_PROFILE,
    RECORD_TYPES,
    THEIR_NUMBERS,
    connection_name,
    draw_handles,
    four,
)
from devkit.sandbox.rand import Gen
from devkit.sandbox.state import iso

UNITS = 10_000  # rates and costs are written to 1/10,000 USD
MESSAGE_MAX_UNITS = 4000  # a record of at most $0.40 may be a message
MESSAGE_FEE_UNITS = 30  # the carrier fee on an outbound message, $0.0030
CHEAP_RATE_UNITS = 2500  # calls are drawn at $0.25 a minute or less when the cost allows it
MAX_CALL_MINUTES = 60


class SpendRecords:
    """Builds the detail record that bills a given cost at a given moment, from the account's own handles."""

    def __init__(self, seed: int, user_id: str, ours: list[str]) -> None:
        self.seed, self.user_id, self.ours = seed, user_id, ours
        self.profile_id, self.connections = draw_handles(Gen(seed, "records"))

    def record(self, moment: datetime, cost: Decimal) -> tuple[str, dict[str, Any]]:
        """(filter[record_type] product, wire record) billing exactly `cost` at `moment`."""
        gen = Gen(self.seed, f"spend-record:{iso(moment)}")
        units = int(cost * UNITS)
        if units <= MESSAGE_MAX_UNITS and gen.chance(0.7):  # a cent or more: always above the fee
            return "messaging", self._message(gen, moment, units)
        product = gen.pick(("call-control", "sip-trunking"), (60, 40))
        return product, self._call(gen, moment, units, product)

    def _message(self, gen: Gen, moment: datetime, units: int) -> dict[str, Any]:
        charged = units - MESSAGE_FEE_UNITS
        parts = gen.pick([p for p in (1, 2, 3) if charged % p == 0])
        rate = Decimal(charged // parts) / UNITS
        done = moment + timedelta(seconds=gen.int(1, 40))
        ours, theirs = gen.pick(self.ours), gen.pick(THEIR_NUMBERS)
        return {
            "id": gen.uuid(),
            "uuid": gen.uuid(),
            "record_type": RECORD_TYPES["messaging"][0],
            "created_at": iso(moment),
            "sent_at": iso(moment + timedelta(seconds=1)),
            "completed_at": iso(done),
            "updated_at": iso(done),
            "direction": "outbound",
            "status": "delivered",
            "message_type": "MMS" if parts == 1 and rate >= Decimal("0.0150") else "SMS",
            "parts": parts,
            "cli": ours,
            "cld": theirs,
            "carrier": gen.pick(CARRIERS),
            "carrier_fee": four(Decimal(MESSAGE_FEE_UNITS) / UNITS),
            "rate": four(rate),
            "cost": four(Decimal(units) / UNITS),
            "currency": "USD",
            "country_code": "US",
            "source_country_code": "US",
            "mcc": "310",
            "mnc": gen.pick(("260", "410", "120")),
            "on_net": False,
            "fteu": False,
            "errors": [],
            "delivery_status": "success: webhook succeeded",
            "delivery_status_webhook_url": "https://hooks.example.com/telnyx/messaging",
            "profile_id": self.profile_id,
            "profile_name": MESSAGING_PROFILE,
            "tags": gen.pick(("sandbox", "sandbox,sales", "support-line", "")),
            "user_id": self.user_id,
        }

    def _call(self, gen: Gen, moment: datetime, units: int, product: str) -> dict[str, Any]:
        # whole billed minutes at a per-minute rate of whole 1/10,000 USD: minutes divide the cost exactly
        fitting = [m for m in range(1, MAX_CALL_MINUTES + 1) if units % m == 0]
        cheap = [m for m in fitting if units // m <= CHEAP_RATE_UNITS]
        minutes = gen.pick(cheap) if cheap else fitting[-1]
        seconds = minutes * 60 - gen.int(0, 59)
        ringing = timedelta(seconds=gen.int(2, 25))
        ours, theirs = gen.pick(self.ours), gen.pick(THEIR_NUMBERS)
        return {
            "id": gen.uuid(),
            "record_type": RECORD_TYPES[product][0],
            "call_leg_id": gen.uuid(),
            "call_session_id": gen.uuid(),
            "connection_id": self.connections[product],
            "connection_name": connection_name(product),
            "started_at": iso(moment),
            "answered_at": iso(moment + ringing),
            "finished_at": iso(moment + ringing + timedelta(seconds=seconds)),
            "call_sec": seconds,
            "billed_sec": minutes * 60,
            "direction": "outbound",
            "status": "answered",
            "hangup_cause": "normal_clearing",
            "cli": ours,
            "cld": theirs,
            "rate": four(Decimal(units // minutes) / UNITS),
            "cost": four(Decimal(units) / UNITS),
            "currency": "USD",
            "tags": gen.pick(("sandbox", "support-line", "")),
        }
