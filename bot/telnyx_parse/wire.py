"""Shared pieces of the wire format: JSON decoding, money, times, list metadata, `errors[]` bodies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from bot.errors import FieldProblem
from bot.models import Page
from bot.money import wire_decimal

_DATETIME = TypeAdapter(datetime)
_DATE = TypeAdapter(date)

Json = dict[str, Any]


def load_json(body: bytes) -> Any:
    """Decode a response body; JSON numbers with a fraction become Decimal, not float."""
    return json.loads(body, parse_float=Decimal)


def money(value: Any) -> Decimal:
    """A decimal string (or integer) from the wire as Decimal, any sign and places; else a ValueError."""
    return wire_decimal(value)


def money_or_none(value: Any) -> Decimal | None:
    """`money`, but absent or empty is None."""
    return None if value is None or value == "" else money(value)


def timestamp(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime; a time without offset is taken as UTC."""
    if value is None or value == "":
        return None
    parsed = _DATETIME.validate_python(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day(value: Any) -> date:
    """An ISO date (YYYY-MM-DD)."""
    return _DATE.validate_python(value)


def data(body: Any) -> Json:
    """The `data` object of a single-resource answer."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ValueError("expected an object with a `data` object")
    return body["data"]


def items(body: Any) -> list[Json]:
    """The `data` list of a list answer."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("expected an object with a `data` list")
    return [item for item in body["data"] if isinstance(item, dict)]


def page_meta(body: Any, *, number: int = 1, size: int = 20) -> Page:
    """The `meta` block of a list response; what is missing falls back to what was asked for."""
    meta = body.get("meta") if isinstance(body, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    count = len(body.get("data") or []) if isinstance(body, dict) else 0
    return Page(
        number=meta.get("page_number") or number,
        size=meta.get("page_size") or size,
        total_pages=meta.get("total_pages") if meta.get("total_pages") is not None else 1,
        total_results=meta.get("total_results") if meta.get("total_results") is not None else count,
    )


def problems(body: Any) -> list[FieldProblem]:
    """The `errors[]` of an error body reduced to what a user may see: title, detail, field, code."""
    errors = body.get("errors") if isinstance(body, dict) else None
    found: list[FieldProblem] = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        source = error.get("source") if isinstance(error.get("source"), dict) else {}
        field = source.get("pointer") or source.get("parameter")
        if isinstance(field, str) and field.startswith("/"):
            field = field.strip("/").replace("/", ".") or None  # "/amount" -> "amount"; "/" is the body
        code = error.get("code")
        found.append(
            FieldProblem(
                title=str(error.get("title") or "Invalid value"),
                detail=str(error.get("detail") or ""),
                field=str(field) if field else None,
                code=str(code) if code is not None else None,
            )
        )
    return found
