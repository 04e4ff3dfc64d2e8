"""Instants are aware UTC everywhere: what comes in naive (Telnyx without an offset, SQLite's wall clock, a
caller's naive datetime) is taken to be UTC already."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already, an aware one is converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
