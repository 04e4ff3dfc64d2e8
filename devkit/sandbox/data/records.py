"""Detail records over the last 90 days: messaging, verify, conference, call-control and sip-trunking.

Messaging, verify and conference records follow the spec's schemas; call-control and sip-trunking
follow Telnyx's documented voice record shape (see `devkit.sandbox.spec.VOICE_RECORD`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from devkit.sandbox.data.billing import AREA_CODES, example_number
from devkit.sandbox.rand import Gen
from devkit.sandbox.state import iso

DAYS = 90
# filter[record_type] value -> the record_type the records carry, and the field their time is in
RECORD_TYPES: dict[str, tuple[str, str]] = {
    "messaging": ("message_detail_record", "created_at"),
    "verify": ("verification_detail_record", "created_at"),
    "conference": ("conference_detail_record", "started_at"),
    "call-control": ("call_control_detail_record", "started_at"),
    "sip-trunking": ("sip_trunking_detail_record", "started_at"),
    "webrtc": ("webrtc_detail_record", "started_at"),
}
COUNTS = {"messaging": 320, "verify": 80, "conference": 40, "call-control": 110, "sip-trunking": 60}
OUTBOUND_SMS_STATUS = (
    ("delivered", 80),
    ("failed", 6),
    ("gw_timeout", 3),
    ("dlr_unconfirmed", 4),
    ("dlr_timeout", 3),
    ("gw_reject", 4),
)
SMS_ERRORS = {"failed": "40008", "gw_timeout": "40006", "gw_reject": "40300", "dlr_timeout": "40012"}
CALL_OUTCOMES = (
    ("answered", "normal_clearing", 70),
    ("no_answer", "no_answer", 12),
    ("busy", "user_busy", 8),
    ("failed", "call_rejected", 5),
    ("failed", "unallocated_number", 5),
)


# the other ends of calls and messages: fictional numbers too
THEIR_NUMBERS = tuple(
    example_number(area, line) for area in ("213", "305", "617", "702") for line in range(40)
)
MESSAGING_PROFILE = "Sandbox messaging profile"
CARRIERS = ("Sandbox Wireless", "Example Mobile", "Demo Telecom")


def four(value: Decimal) -> str:
    """A rate or cost as detail records write it: four decimals."""
    return str(value.quantize(Decimal("0.0001")))


def draw_handles(gen: Gen) -> tuple[str, dict[str, str]]:
    """The messaging profile id and the voice connection ids: the records stream's first draws."""
    return gen.uuid(), {"call-control": gen.digits(19), "sip-trunking": gen.digits(19)}


def connection_name(product: str) -> str:
    """The name of the voice connection a call-control or sip-trunking record carries."""
    return "Sandbox " + ("voice app" if product == "call-control" else "SIP trunk")


class _Maker:
    def __init__(self, gen: Gen, now: datetime, user_id: str, ours: list[str]) -> None:
        self.gen, self.now, self.user_id, self.ours = gen, now, user_id, ours
        self.theirs = THEIR_NUMBERS
        self.profile_id, self.connections = draw_handles(gen)

    def moment(self) -> datetime:
        return self.now - timedelta(seconds=self.gen.int(60, DAYS * 86400 - 3600))

    def message(self) -> dict[str, Any]:
        g = self.gen
        created = self.moment()
        outbound = g.chance(0.7)
        status = g.pick(*zip(*OUTBOUND_SMS_STATUS, strict=True)) if outbound else "received"
        kind = g.pick(("SMS", "MMS"), (85, 15))
        parts = g.int(1, 3) if kind == "SMS" else 1
        rate = Decimal("0.0040") if kind == "SMS" else Decimal("0.0150")
        fee = Decimal("0.0030") if outbound else Decimal("0.0000")
        ours, theirs = g.pick(self.ours), g.pick(self.theirs)
        done = created + timedelta(seconds=g.between(1, 40))
        return {
            "id": g.uuid(),
            "uuid": g.uuid(),
            "record_type": "message_detail_record",
            "created_at": iso(created),
            "sent_at": iso(created + timedelta(seconds=1)),
            "completed_at": iso(done),
            "updated_at": iso(done),
            "direction": "outbound" if outbound else "inbound",
            "status": status,
            "message_type": kind,
            "parts": parts,
            "cli": ours if outbound else theirs,
            "cld": theirs if outbound else ours,
            "carrier": g.pick(CARRIERS),
            "carrier_fee": four(fee),
            "rate": four(rate),
            "cost": four(rate * parts + fee),
            "currency": "USD",
            "country_code": "US",
            "source_country_code": "US",
            "mcc": "310",
            "mnc": g.pick(("260", "410", "120")),
            "on_net": False,
            "fteu": False,
            "errors": [SMS_ERRORS[status]] if status in SMS_ERRORS else [],
            "delivery_status": "success: webhook succeeded" if g.chance(0.9) else "failed: webhook timed out",
            "delivery_status_webhook_url": "https://hooks.example.com/telnyx/messaging",
            "profile_id": self.profile_id,
            "profile_name": MESSAGING_PROFILE,
            "tags": g.pick(("sandbox", "sandbox,sales", "support-line", "")),
            "user_id": self.user_id,
        }

    def verify(self) -> dict[str, Any]:
        g = self.gen
        created = self.moment()
        status = g.pick(("accepted", "expired", "pending", "rejected"), (75, 12, 5, 8))
        return {
            "id": g.uuid(),
            "record_type": "verification_detail_record",
            "created_at": iso(created),
            "updated_at": iso(created + timedelta(seconds=g.int(5, 300))),
            "currency": "USD",
            "rate": "0.0500",
            "rate_measured_in": "number of occurrences",
            "verify_usage_fee": "0.0500",
            "delivery_status": "delivered" if status != "rejected" else "failed",
            "verification_status": status,
            "destination_phone_number": g.pick(self.theirs),
            "verify_channel_id": g.uuid(),
            "verify_channel_type": g.pick(("sms", "call", "flashcall"), (80, 15, 5)),
            "verify_profile_id": self.profile_id,
        }

    def conference(self) -> dict[str, Any]:
        g = self.gen
        started = self.moment()
        seconds = g.int(120, 3600)
        participants = g.int(2, 8)
        return {
            "id": g.uuid(),
            "record_type": "conference_detail_record",
            "name": g.pick(("Weekly sales sync", "Support escalation", "Sandbox standup")),
            "started_at": iso(started),
            "ended_at": iso(started + timedelta(seconds=seconds)),
            "expires_at": iso(started + timedelta(hours=24)),
            "call_sec": seconds,
            "participant_count": participants,
            "participant_call_sec": seconds * participants,
            "call_leg_id": g.uuid(),
            "call_session_id": g.uuid(),
            "connection_id": self.connections["call-control"],
            "is_telnyx_billable": True,
            "region": g.pick(("ch1", "dc2", "sv1")),
            "user_id": self.user_id,
        }

    def call(self, product: str) -> dict[str, Any]:
        g = self.gen
        started = self.moment()
        outbound = g.chance(0.55)
        status, cause = g.pick(*zip(*[((s, c), w) for s, c, w in CALL_OUTCOMES], strict=True))
        seconds = g.int(8, 1800) if status == "answered" else 0
        billed = 60 * math.ceil(seconds / 60)
        rate = Decimal("0.0070") if outbound else Decimal("0.0035")
        ringing = timedelta(seconds=g.int(2, 25))
        ours, theirs = g.pick(self.ours), g.pick(self.theirs)
        return {
            "id": g.uuid(),
            "record_type": RECORD_TYPES[product][0],
            "call_leg_id": g.uuid(),
            "call_session_id": g.uuid(),
            "connection_id": self.connections[product],
            "connection_name": connection_name(product),
            "started_at": iso(started),
            "answered_at": iso(started + ringing) if status == "answered" else None,
            "finished_at": iso(started + ringing + timedelta(seconds=seconds)),
            "call_sec": seconds,
            "billed_sec": billed,
            "direction": "outbound" if outbound else "inbound",
            "status": status,
            "hangup_cause": cause,
            "cli": ours if outbound else theirs,
            "cld": theirs if outbound else ours,
            "rate": four(rate),
            "cost": four(rate * billed / 60),
            "currency": "USD",
            "tags": g.pick(("sandbox", "support-line", "")),
        }


def build_records(
    gen: Gen, now: datetime, user_id: str, ours: list[str], counts: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Every detail record, newest first within each type; `counts` replaces COUNTS (e.g. extra records)."""
    maker = _Maker(gen, now, user_id, ours or [example_number(AREA_CODES[0], 0)])
    records: list[dict[str, Any]] = []
    for product, count in (COUNTS if counts is None else counts).items():
        if product not in COUNTS:
            raise ValueError(f"the sandbox generates {', '.join(COUNTS)} records, not {product!r}")
        if product == "messaging":
            batch = [maker.message() for _ in range(count)]
        elif product == "verify":
            batch = [maker.verify() for _ in range(count)]
        elif product == "conference":
            batch = [maker.conference() for _ in range(count)]
        else:
            batch = [maker.call(product) for _ in range(count)]
        time_field = RECORD_TYPES[product][1]
        records += sorted(batch, key=lambda r, f=time_field: r[f], reverse=True)
    return records
