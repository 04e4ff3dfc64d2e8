"""The 13 operations: each takes the checked request and the account, and returns the JSON body.

Handlers refuse (raise ApiError) whatever the real API refuses even when the sandbox is not strict:
a missing record type, a range over 31 days, a malformed amount, an unknown id or enum value.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from devkit.sandbox import charges
from devkit.sandbox.data.records import RECORD_TYPES
from devkit.sandbox.errors import ApiError, bad_param
from devkit.sandbox.query import date_range, field_test, paginate, parse_time, sort_records, time_param
from devkit.sandbox.spec import contract
from devkit.sandbox.state import AccountState
from devkit.sandbox.validate import Checked

# the filter[record_type] values the spec lists (more than the sandbox has data for)
RECORD_TYPE_VALUES = tuple(
    contract().operations["SearchDetailRecords"].query["filter"].schema["properties"]["record_type"]["enum"]
)
LIST_MAX = 250
DETAIL_RECORDS_MAX = 50
LINK_LIFETIME = timedelta(minutes=10)


@dataclass
class Call:
    """One request as a handler sees it."""

    state: AccountState
    checked: Checked
    origin: str  # "http://127.0.0.1:PORT", for the URLs the answers carry

    @property
    def query(self) -> dict[str, Any]:
        return self.checked.query


Handler = Callable[[Call], Awaitable[dict[str, Any] | str]]


def _filters(call: Call) -> dict[str, Any]:
    value = call.query.get("filter", {})
    if not isinstance(value, dict):
        raise bad_param("filter", "filter is a deepObject: use filter[key]=value.")
    return value


def _choice(call: Call, name: str, options: tuple[str, ...], default: str) -> str:
    value = call.query.get(name, default)
    if value not in options:
        raise bad_param(name, f"{name} must be one of {', '.join(options)}, not {value!r}.")
    return value


async def balance(call: Call) -> dict[str, Any]:
    """GET /balance."""
    return {"data": call.state.balance_body()}


async def auto_recharge(call: Call) -> dict[str, Any]:
    """GET /payment/auto_recharge_prefs."""
    return {"data": call.state.auto_recharge_body()}


async def update_auto_recharge(call: Call) -> dict[str, Any]:
    """PATCH /payment/auto_recharge_prefs: persists, and adds an audit event when something changed."""
    body = call.checked.body
    if not isinstance(body, dict):
        raise ApiError(422, "The body must be a JSON object.", title="Invalid value", pointer="/")
    for key, kind in (("enabled", bool), ("invoice_enabled", bool)):
        if key in body and not isinstance(body[key], kind):
            raise ApiError(422, f"{key} must be true or false.", title="Invalid value", pointer=f"/{key}")
    if "preference" in body and body["preference"] not in ("credit_paypal", "ach"):
        raise ApiError(
            422, "preference must be credit_paypal or ach.", title="Invalid value", pointer="/preference"
        )
    return {"data": await call.state.update_auto_recharge(body)}


async def pay(call: Call) -> dict[str, Any]:
    """POST /v2/payment/stored_payment_transactions: the balance rises by exactly the amount."""
    body = call.checked.body if isinstance(call.checked.body, dict) else {}
    if "amount" not in body:
        raise ApiError(
            422, "amount is required.", code="10004", title="Missing required parameter", pointer="/amount"
        )
    return {"data": await call.state.pay(body["amount"])}


async def user_tags(call: Call) -> dict[str, Any]:
    """GET /user_tags, optionally filter[starts_with]."""
    prefix = str(_filters(call).get("starts_with", ""))
    return {
        "data": {
            "number_tags": [t for t in call.state.number_tags if t.startswith(prefix)],
            "outbound_profile_tags": [t for t in call.state.outbound_profile_tags if t.startswith(prefix)],
        }
    }


def _invoice(call: Call, invoice: dict[str, Any]) -> dict[str, Any]:
    return invoice | {"url": f"{call.origin}/v2/invoices/{invoice['invoice_id']}"}


async def invoices(call: Call) -> dict[str, Any]:
    """GET /invoices, sort=period_start|-period_start (newest first by default)."""
    order = _choice(call, "sort", ("period_start", "-period_start"), "-period_start")
    items = sorted(call.state.invoices, key=lambda i: i["period_start"], reverse=order.startswith("-"))
    page = paginate(items, call.query.get("page"), max_size=LIST_MAX)
    page["data"] = [_invoice(call, i) for i in page["data"]]
    return page


async def invoice(call: Call) -> dict[str, Any]:
    """GET /invoices/{id}; action=link adds a short-lived download_url."""
    action = _choice(call, "action", ("json", "link"), "json")
    wanted = call.checked.path.get("id", "").lower()
    found = next((i for i in call.state.invoices if i["invoice_id"] == wanted), None)
    if found is None:
        raise ApiError(404, f"No invoice with id {wanted!r}.", parameter="id")
    data = _invoice(call, found)
    if action == "link":
        expires = int((call.state.clock() + LINK_LIFETIME).timestamp())
        data["download_url"] = f"{call.origin}/_sandbox/files/{found['file_id']}.pdf?expires={expires}"
    return {"data": data}


async def charges_summary(call: Call) -> dict[str, Any]:
    """GET /charges_summary: both dates required, end exclusive, at most 31 days."""
    start, end = charges.parse_range(call.query, end_required=True)
    return {"data": charges.summary_body(call.state, start, end)}


async def charges_breakdown(call: Call) -> dict[str, Any] | str:
    """GET /charges_breakdown: end defaults to a month after start; format=csv answers text/csv."""
    fmt = _choice(call, "format", ("json", "csv"), "json")
    start, end = charges.parse_range(call.query, end_required=False)
    body = charges.breakdown_body(call.state, start, end)
    return charges.breakdown_csv(body) if fmt == "csv" else {"data": body}


async def audit_events(call: Call) -> dict[str, Any]:
    """GET /audit_events: filter[created_after|created_before], sort=asc|desc (desc by default)."""
    order = _choice(call, "sort", ("asc", "desc"), "desc")
    filters = _filters(call)
    events = call.state.audit_events
    if "created_after" in filters:
        after = time_param("filter[created_after]", filters["created_after"])
        events = [e for e in events if parse_time(e["created_at"]) > after]
    if "created_before" in filters:
        before = time_param("filter[created_before]", filters["created_before"])
        events = [e for e in events if parse_time(e["created_at"]) < before]
    events = sorted(events, key=lambda e: parse_time(e["created_at"]), reverse=order == "desc")
    return paginate(events, call.query.get("page"), max_size=LIST_MAX)


async def detail_records(call: Call) -> dict[str, Any]:
    """GET /detail_records: filter[record_type] required; filters and sorts on the type's own fields."""
    filters = dict(_filters(call))
    product = filters.pop("record_type", None)
    if product is None:
        raise ApiError(
            400,
            "filter[record_type] is required.",
            code="10004",
            title="Missing required parameter",
            parameter="filter[record_type]",
        )
    if product not in RECORD_TYPE_VALUES:
        raise ApiError(
            400, f"No matching record type was found matching given record type {product}", code="10011"
        )
    memo = call.state.query_memo
    key = (
        product,
        json.dumps(filters, sort_keys=True, default=str),
        json.dumps(call.query.get("sort"), default=str),
    )
    records = memo.get(key) if memo is not None else None
    if records is None:
        records = _matching_records(call, product, filters)
        if memo is not None:
            memo[key] = records
    return paginate(records, call.query.get("page"), max_size=DETAIL_RECORDS_MAX)


def _matching_records(call: Call, product: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of one type that pass `filters`, sorted as asked (newest first by default)."""
    record_type, time_field = RECORD_TYPES.get(product, (None, "created_at"))
    records = [r for r in call.state.detail_records if r["record_type"] == record_type]
    fields = {key for record in records for key in record}
    if "date_range" in filters:
        start, end = date_range(filters.pop("date_range"), call.state.account_time())
        records = [r for r in records if start <= parse_time(r[time_field]) < end]
    for field, condition in filters.items():
        if fields and field not in fields:
            raise bad_param(f"filter[{field}]", f"{product} records have no field {field!r} to filter on.")
        test = field_test(f"filter[{field}]", field, condition)
        records = [r for r in records if test(r)]
    if fields:  # a type with no records has no known fields to check a sort against
        records = sort_records(records, call.query.get("sort") or [f"-{time_field}"], fields)
    return records


async def webhook_deliveries(call: Call) -> dict[str, Any]:
    """GET /webhook_deliveries with the documented filters, newest first."""
    filters = _filters(call)
    items = call.state.webhook_deliveries
    status = filters.get("status", {})
    if isinstance(status, dict) and "eq" in status:
        if status["eq"] not in ("delivered", "failed"):
            raise bad_param("filter[status][eq]", "filter[status][eq] must be delivered or failed.")
        items = [d for d in items if d["status"] == status["eq"]]
    if "event_type" in filters:
        wanted = {t.strip() for t in str(filters["event_type"]).split(",") if t.strip()}
        items = [d for d in items if d["webhook"]["event_type"] in wanted]
    for part in ("webhook", "attempts"):
        text = filters.get(part, {}).get("contains") if isinstance(filters.get(part), dict) else None
        if text:
            items = [d for d in items if text.lower() in json.dumps(d[part]).lower()]
    for moment in ("started_at", "finished_at"):
        bounds = filters.get(moment, {})
        if isinstance(bounds, dict):
            for op in ("gte", "lte"):
                if op in bounds:
                    limit = time_param(f"filter[{moment}][{op}]", bounds[op])
                    keep = (lambda t, lim=limit: t >= lim) if op == "gte" else (lambda t, lim=limit: t <= lim)
                    items = [d for d in items if keep(parse_time(d[moment]))]
    return paginate(items, call.query.get("page"), max_size=LIST_MAX)


async def webhook_delivery(call: Call) -> dict[str, Any]:
    """GET /webhook_deliveries/{id}."""
    wanted = call.checked.path.get("id", "").lower()
    found = next((d for d in call.state.webhook_deliveries if d["id"] == wanted), None)
    if found is None:
        raise ApiError(404, f"No webhook delivery with id {wanted!r}.", parameter="id")
    return {"data": found}


HANDLERS: dict[str, Handler] = {
    "ListAuditLogs": audit_events,
    "GetUserBalance": balance,
    "GetMonthlyChargesBreakdown": charges_breakdown,
    "GetMonthlyChargesSummary": charges_summary,
    "SearchDetailRecords": detail_records,
    "ListInvoices": invoices,
    "GetInvoiceById": invoice,
    "GetAutoRechargePrefs": auto_recharge,
    "UpdateAutoRechargePrefs": update_auto_recharge,
    "GetUserTags": user_tags,
    "createStoredPaymentTransaction": pay,
    "GetWebhookDeliveries": webhook_deliveries,
    "GetWebhookDelivery": webhook_delivery,
}
