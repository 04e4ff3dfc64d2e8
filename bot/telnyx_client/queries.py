"""Input checks and query shapes, done before calling Telnyx so a mistake gets a clear answer, not a 400.

Filters are built as nested dicts (hashable with `frozen`, for sharing identical reads) and go on the
wire as OpenAPI deepObject parameters: {"cld": {"contains": "555"}} under `filter` is
`filter[cld][contains]=555` (`deep_object`), pages as `page[number]`/`page[size]` (`page_params`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.errors import Check
from bot.models import WEBHOOK_STATUSES
from bot.money import CENT
from bot.telnyx_client.failures import invalid
from bot.times import as_utc
from bot.uuids import is_uuid

# The spec's enums, as Telnyx spells them (webhook statuses: bot.models.WebhookStatus).
RECORD_TYPES = tuple(
    """
    ai-voice-assistant amd call-control conference conference-participant embedding fax inference
    inference-speech-to-text media_storage media-streaming messaging noise-suppression recording
    sip-trunking siprec-client stt tts verify webrtc wireless
    """.split()
)
DATE_RANGES = tuple(
    """
    yesterday today tomorrow last_week this_week next_week last_month this_month next_month
    """.split()
)
MAX_REPORT_DAYS = 31
_LAST_N_DAYS = re.compile(r"^last_[1-9][0-9]{0,2}_days$")
# Voice and conference records have no created_at (Telnyx answers 400 to a filter on it): use started_at.
_STARTED_AT_TYPES = frozenset(
    {"call-control", "sip-trunking", "webrtc", "conference", "conference-participant"}
)
_FILTER_KEY = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[([A-Za-z_]+)\])?$")  # status, cld[contains]
_RESERVED = frozenset({"record_type", "date_range"})


def iso(moment: datetime) -> str:
    """UTC ISO 8601 ending in Z; a naive datetime is taken as UTC."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def require_uuid(value: str, what: str) -> str:
    """The id, stripped; anything but a UUID never reaches a URL path."""
    value = value.strip()
    if not is_uuid(value):
        raise invalid(Check.NOT_AN_ID, "id", value=value[:80], what=what)
    return value


def check_page(page: int, size: int, max_size: int) -> None:
    """Page number >= 1 and 1 <= size <= the operation's maximum."""
    if page < 1:
        raise invalid(Check.PAGE_NUMBER, "page[number]")
    if not 1 <= size <= max_size:
        raise invalid(Check.PAGE_SIZE, "page[size]", maximum=max_size)


def check_span(start: date, end: date) -> None:
    """A report range: end after start (end is exclusive), at most 31 days."""
    if end <= start:
        raise invalid(Check.END_BEFORE_START_DATE, "end_date")
    if (end - start).days > MAX_REPORT_DAYS:
        raise invalid(Check.SPAN_TOO_LONG, "end_date", days=MAX_REPORT_DAYS)


def amount_text(amount: Decimal, field: str, *, allow_zero: bool) -> str:
    """A money amount as Telnyx wants it, dollars and cents ("120.00"); sub-cent or negative is refused."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise invalid(Check.AMOUNT_NOT_A_NUMBER, field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise invalid(Check.AMOUNT_NEGATIVE if allow_zero else Check.AMOUNT_NOT_POSITIVE, field)
    if amount != amount.quantize(CENT):
        raise invalid(Check.AMOUNT_SUB_CENT, field)
    return f"{amount.quantize(CENT):f}"


def detail_record_filter(
    record_type: str,
    filters: dict[str, str] | None,
    date_range: str | None,
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    """The `filter` deepObject for GET /detail_records: record type, extra fields, date range or span."""
    if record_type not in RECORD_TYPES:
        raise invalid(Check.RECORD_TYPE, "filter[record_type]", value=record_type[:40])
    query: dict[str, Any] = {"record_type": record_type}
    if date_range is not None:
        if date_range not in DATE_RANGES and not _LAST_N_DAYS.match(date_range):
            raise invalid(Check.DATE_RANGE, "filter[date_range]", value=date_range[:40])
        query["date_range"] = date_range
    if start is not None or end is not None:
        if start is not None and end is not None and end <= start:
            raise invalid(Check.END_BEFORE_START, "filter[created_at]")
        field = "started_at" if record_type in _STARTED_AT_TYPES else "created_at"
        query[field] = {k: iso(v) for k, v in (("gte", start), ("lte", end)) if v is not None}
    plain: dict[str, str] = {}
    operators: dict[str, dict[str, str]] = {}
    for key, value in (filters or {}).items():
        match = _FILTER_KEY.match(key)
        if match is None or match.group(1) in _RESERVED or match.group(1) in query:
            raise invalid(Check.FILTER_KEY, f"filter[{key[:40]}]", value=key[:40])
        name, operator = match.groups()
        if operator:
            operators.setdefault(name, {})[operator] = str(value)
        else:
            plain[name] = str(value)
    clash = sorted(plain.keys() & operators.keys())
    if clash:  # filter[cld]=x and filter[cld][contains]=y cannot both go on the wire
        raise invalid(Check.FILTERED_TWICE, f"filter[{clash[0]}]", value=clash[0])
    return query | plain | operators


def webhook_filter(
    status: str | None,
    event_type: str | None,
    started_after: datetime | None,
    started_before: datetime | None,
) -> dict[str, Any]:
    """The `filter` deepObject for GET /webhook_deliveries."""
    query: dict[str, Any] = {}
    if status is not None:
        if status not in WEBHOOK_STATUSES:
            raise invalid(Check.DELIVERY_STATUS, "filter[status][eq]", value=status[:40])
        query["status"] = {"eq": status}
    if event_type:
        query["event_type"] = event_type
    started = {k: iso(v) for k, v in (("gte", started_after), ("lte", started_before)) if v is not None}
    if started:
        query["started_at"] = started
    return query


Params = list[tuple[str, str]]  # query parameters in order, a name possibly repeated


def deep_object(name: str, value: Any) -> Params:
    """A nested dict as deepObject query parameters: ("filter", {"a": {"b": "v"}}) -> filter[a][b]=v."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in deep_object(f"{name}[{key}]", item)]
    return [(name, str(value))]


def page_params(page: int, size: int) -> Params:
    """`page[number]` and `page[size]`."""
    return [("page[number]", str(page)), ("page[size]", str(size))]


def frozen(query: Any) -> Any:
    """A hashable copy of a nested query, for sharing identical reads."""
    if isinstance(query, dict):
        return tuple(sorted((k, frozen(v)) for k, v in query.items()))
    if isinstance(query, list | tuple):
        return tuple(frozen(v) for v in query)
    return query
