"""Paging, sorting and filtering of the lists, the way Telnyx documents them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from devkit.sandbox.errors import ApiError, bad_param

LAST_N_DAYS = re.compile(r"^last_([1-9][0-9]{0,2})_days$")
OPERATORS = ("eq", "gt", "gte", "lt", "lte", "contains", "starts_with", "ends_with")


def paginate(items: Sequence[Any], page: Any, *, max_size: int, default_size: int = 20) -> dict[str, Any]:
    """`{"data": [...], "meta": {...}}` for `page[number]`/`page[size]`; a page past the end is empty."""
    page = page if isinstance(page, dict) else {}
    number = _page_value(page, "number", 1, None)
    size = _page_value(page, "size", default_size, max_size)
    total = len(items)
    return {
        "data": list(items[(number - 1) * size : number * size]),
        "meta": {
            "page_number": number,
            "page_size": size,
            "total_pages": max(1, math.ceil(total / size)),
            "total_results": total,
        },
    }


def _page_value(page: Mapping[str, Any], key: str, default: int, maximum: int | None) -> int:
    value = page.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_param(f"page[{key}]", f"page[{key}] must be a whole number of 1 or more, not {value!r}.")
    if maximum is not None and value > maximum:
        raise bad_param(f"page[{key}]", f"page[{key}] may be at most {maximum}, not {value}.")
    return value


@lru_cache(maxsize=65536)
def parse_time(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (a bare date is its midnight)."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def time_param(parameter: str, raw: Any) -> datetime:
    """A filter value that must be a date or date-time, else a 400 naming the parameter."""
    try:
        return parse_time(raw)
    except (TypeError, ValueError):
        raise bad_param(parameter, f"{parameter} must be an ISO 8601 date-time, not {raw!r}.") from None


def date_range(name: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC for `today`, `last_month`, `last_N_days` (N whole days before today, plus today)..."""
    today = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    day = timedelta(days=1)
    week = today - timedelta(days=today.weekday())  # Monday
    month = today.replace(day=1)

    def month_shift(start: datetime, n: int) -> datetime:
        index = start.year * 12 + start.month - 1 + n
        return start.replace(year=index // 12, month=index % 12 + 1)

    ranges = {
        "yesterday": (today - day, today),
        "today": (today, today + day),
        "tomorrow": (today + day, today + 2 * day),
        "last_week": (week - 7 * day, week),
        "this_week": (week, week + 7 * day),
        "next_week": (week + 7 * day, week + 14 * day),
        "last_month": (month_shift(month, -1), month),
        "this_month": (month, month_shift(month, 1)),
        "next_month": (month_shift(month, 1), month_shift(month, 2)),
    }
    if name in ranges:
        return ranges[name]
    match = LAST_N_DAYS.match(name) if isinstance(name, str) else None
    if match:
        return today - int(match.group(1)) * day, today + day
    raise ApiError(
        400,
        f"Unknown date range {name!r}: use one of {', '.join(ranges)} or last_N_days.",
        title="Invalid parameter",
        parameter="filter[date_range]",
    )


def _comparable(value: Any, wanted: str) -> tuple[Any, Any]:
    """Both sides as times, numbers or text, in that order of preference."""
    if isinstance(value, bool):
        return str(value).lower(), wanted.lower()
    if isinstance(value, (int, float)):
        try:
            return Decimal(str(value)), Decimal(wanted)
        except InvalidOperation:
            return str(value), wanted
    text = "" if value is None else str(value)
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return parse_time(text), parse_time(wanted)
        except ValueError:
            pass
    try:
        return Decimal(text), Decimal(wanted)
    except InvalidOperation:
        return text, wanted


def field_test(parameter: str, field: str, condition: Any) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for `filter[field]=v` or `filter[field][op]=v` over wire-form records."""
    tests = condition if isinstance(condition, dict) else {"eq": condition}
    checks: list[Callable[[Any], bool]] = []
    for op, wanted in tests.items():
        if op not in OPERATORS or isinstance(wanted, dict):
            raise bad_param(
                f"{parameter}[{op}]", f"Unknown filter operator {op!r}: use one of {', '.join(OPERATORS)}."
            )
        checks.append(_check(op, str(wanted)))
    return lambda record: all(check(record.get(field)) for check in checks)


def _check(op: str, wanted: str) -> Callable[[Any], bool]:
    if op in ("contains", "starts_with", "ends_with"):
        method = {"contains": str.__contains__, "starts_with": str.startswith, "ends_with": str.endswith}[op]
        return lambda value: value is not None and method(str(value).lower(), wanted.lower())

    def compare(value: Any) -> bool:
        if value is None:
            return False
        left, right = _comparable(value, wanted)
        if type(left) is not type(right):
            left, right = str(value), wanted
        if op == "eq":
            return left == right
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]

    return compare


def sort_records(
    records: list[dict[str, Any]], keys: Sequence[str], allowed: set[str]
) -> list[dict[str, Any]]:
    """Sort by `keys` ("-field" descending), last key first so the first key wins; missing values last."""
    for key in reversed(keys):
        field = key.lstrip("-")
        if field not in allowed:
            raise bad_param("sort", f"Cannot sort by {field!r}: it is not a field of these records.")
        present = [r for r in records if r.get(field) is not None]
        absent = [r for r in records if r.get(field) is None]
        present.sort(key=lambda r, f=field: _sort_key(r[f]), reverse=key.startswith("-"))
        records = present + absent
    return records


def _sort_key(value: Any) -> tuple[int, Any]:
    """Times, then numbers, then text: tagged so values of different kinds never meet in a comparison."""
    if isinstance(value, (int, float)):
        return (1, Decimal(str(value)))
    text = str(value)
    if len(text) >= 10 and text[4:5] == "-":
        try:
            return (0, parse_time(text))
        except ValueError:
            pass
    try:
        return (1, Decimal(text))
    except InvalidOperation:
        return (2, text)
