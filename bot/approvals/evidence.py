"""Evidence about an unknown payment outcome, from Telnyx's own audit log.

No Telnyx API lists past stored payments, so the bot cannot look a payment up. What it can see is the
account's audit log: a charge shows as a balance change. A rise of exactly the request's amount after the
attempt is evidence (not proof: an auto-recharge of the same amount looks alike) that the payment went
through; finance still decides with Paid or Not charged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from bot.approvals.model import TopupRequest
from bot.errors import TelnyxError
from bot.models import AuditEventPage
from bot.money import wire_decimal

logger = logging.getLogger(__name__)

SLACK = timedelta(minutes=2)  # clocks differ: look a little before the attempt


@dataclass(frozen=True)
class Evidence:
    """What the audit log says: `found` a matching balance rise (when, event id), or not; or unreadable."""

    looked: bool
    found: bool = False
    at: datetime | None = None
    event_id: str | None = None
    before: Decimal | None = None
    after: Decimal | None = None


class AuditLog(Protocol):
    """What the evidence lookup needs from the gateway (TelnyxGateway has it)."""

    async def audit_events(
        self, *, created_after: datetime | None = None, size: int = 20, sort: str = "desc"
    ) -> AuditEventPage: ...


def _decimal(value: object) -> Decimal | None:
    """A balance from the audit log as Telnyx wrote it (bot.money.wire_decimal), or None if it is none."""
    try:
        return wire_decimal(value)
    except ValueError:
        return None


async def payment_evidence(telnyx: AuditLog, request: TopupRequest) -> Evidence:
    """Look for a balance rise of the request's amount in Telnyx's audit log since its attempt."""
    since = (request.decided_at or request.created_at) - SLACK
    try:
        page = await telnyx.audit_events(created_after=since, size=50, sort="asc")
    except TelnyxError as exc:
        logger.warning("evidence for top-up %s: audit log unreadable (%s)", request.id, type(exc).__name__)
        return Evidence(looked=False)
    for event in page.events:
        for change in event.changes:
            if change.field != "balance":
                continue
            before, after = _decimal(change.old), _decimal(change.new)
            if before is not None and after is not None and after - before == request.amount:
                return Evidence(True, True, event.created_at, event.id, before, after)
    return Evidence(looked=True)
