"""Admin endpoints under /_sandbox/ (not part of the Telnyx API): requests, faults, reset, files, and the
account's time, balance, pace and webhook failures. A bad body is a 400 saying what was wrong, what is
accepted and an example; it changes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from devkit.sandbox.config import MAX_PER_DAY, Fault, pace_problem
from devkit.sandbox.data.webhooks import FAILURE_CAUSES, build_failures
from devkit.sandbox.state import DAY, iso, money

if TYPE_CHECKING:
    from devkit.sandbox.server import Sandbox

FAULT_FIELDS = ("latency", "jitter", "status", "retry_after", "hang", "times")
MAX_ADVANCE_SECONDS = 90 * 86400  # one call; call again to go further
MAX_BALANCE = Decimal("1000000000")
MAX_FAILURES = 1000
MAX_URL = 2048
SIGNED_AMOUNT = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,2})?")
AMOUNT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")


class Invalid(ValueError):
    """A knob's body that cannot be used: answered 400 with `title` and the message as `detail`."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail)
        self.title = title


def _refusal(title: str, detail: str) -> web.Response:
    return web.json_response({"errors": [{"title": title, "detail": detail}]}, status=400)


async def _body(request: web.Request, title: str, takes: tuple[str, ...], example: str) -> dict[str, Any]:
    """The JSON object a knob takes: only the fields in `takes`, the first of them required."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Invalid(title, f"The body must be a JSON object, e.g. {example}.")
    unknown = sorted(set(body) - set(takes))
    if unknown:
        raise Invalid(
            title, f"Unknown field(s) {', '.join(unknown)}: this takes {', '.join(takes)}, e.g. {example}."
        )
    if takes[0] not in body:
        raise Invalid(title, f"{takes[0]} is required, e.g. {example}.")
    return body


def _whole(title: str, name: str, value: object, low: int, high: int, example: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(
            title, f"{name} must be a whole number from {low} to {high}, e.g. {example}; not {value!r}."
        )
    return value


def _advance_seconds(body: dict[str, Any]) -> int:
    example = '{"advance_seconds": 86400} (a day)'
    value = body["advance_seconds"]
    return _whole("Invalid clock advance", "advance_seconds", value, 1, MAX_ADVANCE_SECONDS, example)


def _balance(body: dict[str, Any], credit_limit: Decimal) -> Decimal:
    title, value = "Invalid balance", body["balance"]
    if not isinstance(value, str) or not SIGNED_AMOUNT.fullmatch(value):
        raise Invalid(
            title,
            "balance must be a decimal string with at most two decimals (USD, negative when credit is "
            f'used), e.g. {{"balance": "42.00"}}; not {value!r}.',
        )
    balance = Decimal(value)
    if balance < -credit_limit or balance > MAX_BALANCE:
        raise Invalid(
            title,
            f"balance must be from -{money(credit_limit)} (the credit limit used up) to {MAX_BALANCE}; "
            f"not {value}.",
        )
    return balance


def _per_day(body: dict[str, Any]) -> Decimal:
    title, value = "Invalid pace", body["per_day"]
    example = '{"per_day": "300.00"}'
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise Invalid(
            title,
            f"per_day must be a decimal string with at most two decimals (USD a day, 0 to {MAX_PER_DAY}), "
            f"e.g. {example}; not {value!r}.",
        )
    per_day = Decimal(value)
    problem = pace_problem(per_day)
    if problem:
        raise Invalid(title, f"per_day: {problem}, e.g. {example}.")
    return per_day


def _failures(body: dict[str, Any]) -> tuple[str, int, str]:
    title = "Invalid webhook failures"
    example = '{"endpoint": "https://hooks.example.com/telnyx", "count": 20}'
    endpoint = body["endpoint"]
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(endpoint) > MAX_URL
        or any(c.isspace() for c in endpoint)
    ):
        raise Invalid(
            title,
            f"endpoint must be an http:// or https:// URL with a host, e.g. {example}; not {endpoint!r}.",
        )
    if "count" not in body:
        raise Invalid(title, f"count is required, e.g. {example}.")
    count = _whole(title, "count", body["count"], 1, MAX_FAILURES, example)
    cause = body.get("cause", "http_500")
    if cause not in FAILURE_CAUSES:
        raise Invalid(
            title, f"cause must be one of {', '.join(FAILURE_CAUSES)} (default http_500); not {cause!r}."
        )
    return endpoint, count, cause


def add_admin_routes(app: web.Application, sandbox: Sandbox) -> None:
    """Register the /_sandbox/ endpoints on the sandbox's app."""

    async def list_requests(request: web.Request) -> web.Response:
        return web.json_response({"data": [r.as_dict() for r in sandbox.requests]})

    async def clear_requests(request: web.Request) -> web.Response:
        sandbox.requests.clear()
        return web.json_response({"data": []})

    async def list_faults(request: web.Request) -> web.Response:
        return web.json_response({"data": sandbox.faults.describe()})

    async def set_fault(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            path = body.pop("path")
            unknown = set(body) - set(FAULT_FIELDS)
            if unknown:
                raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
            sandbox.set_fault(path, Fault(**body))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"errors": [{"title": "Invalid fault", "detail": str(exc)}]}, status=400)
        return web.json_response({"data": sandbox.faults.describe()})

    async def clear_faults(request: web.Request) -> web.Response:
        sandbox.faults.clear(request.query.get("path"))
        return web.json_response({"data": sandbox.faults.describe()})

    async def reset(request: web.Request) -> web.Response:
        sandbox.reset()
        return web.json_response({"data": summary(sandbox)})

    async def state(request: web.Request) -> web.Response:
        sandbox.state.settle()  # a live clock has moved since the last request
        return web.json_response({"data": summary(sandbox)})

    async def clock(request: web.Request) -> web.Response:
        try:
            takes = ("advance_seconds",)
            seconds = _advance_seconds(
                await _body(request, "Invalid clock advance", takes, '{"advance_seconds": 3600}')
            )
        except Invalid as exc:
            return _refusal(exc.title, str(exc))
        sandbox.state.advance(seconds)
        return web.json_response({"data": summary(sandbox)})

    async def balance(request: web.Request) -> web.Response:
        try:
            body = await _body(request, "Invalid balance", ("balance",), '{"balance": "42.00"}')
            value = _balance(body, sandbox.state.credit_limit)
        except Invalid as exc:
            return _refusal(exc.title, str(exc))
        sandbox.state.set_balance(value)
        return web.json_response({"data": summary(sandbox)})

    async def spend(request: web.Request) -> web.Response:
        try:
            per_day = _per_day(await _body(request, "Invalid pace", ("per_day",), '{"per_day": "300.00"}'))
        except Invalid as exc:
            return _refusal(exc.title, str(exc))
        sandbox.state.set_pace(per_day)
        return web.json_response({"data": summary(sandbox)})

    async def webhook_failures(request: web.Request) -> web.Response:
        try:
            example = '{"endpoint": "https://hooks.example.com/telnyx", "count": 20}'
            takes = ("endpoint", "count", "cause")
            endpoint, count, cause = _failures(
                await _body(request, "Invalid webhook failures", takes, example)
            )
        except Invalid as exc:
            return _refusal(exc.title, str(exc))
        st = sandbox.state
        st.settle()
        added = build_failures(st.ids, st.account_time(), st.user_id, endpoint, cause, count)
        st.add_webhook_deliveries(added)
        return web.json_response(
            {"data": summary(sandbox) | {"added_delivery_ids": [d["id"] for d in added]}}
        )

    async def invoice_file(request: web.Request) -> web.Response:
        # A tiny stand-in PDF, so a download_url from action=link leads somewhere.
        file_id = request.match_info["file_id"]
        if not any(i["file_id"] == file_id for i in sandbox.state.invoices):
            return web.json_response({"errors": [{"title": "Not found", "detail": file_id}]}, status=404)
        text = f"%PDF-1.4\n% Telnyx sandbox invoice {file_id} (not a real invoice)\n%%EOF\n"
        return web.Response(body=text.encode(), content_type="application/pdf")

    app.router.add_get("/_sandbox/requests", list_requests)
    app.router.add_delete("/_sandbox/requests", clear_requests)
    app.router.add_get("/_sandbox/faults", list_faults)
    app.router.add_post("/_sandbox/faults", set_fault)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_get("/_sandbox/state", state)
    app.router.add_post("/_sandbox/clock", clock)
    app.router.add_post("/_sandbox/balance", balance)
    app.router.add_post("/_sandbox/spend", spend)
    app.router.add_post("/_sandbox/webhook_failures", webhook_failures)
    app.router.add_get("/_sandbox/files/{file_id}.pdf", invoice_file)


def summary(sandbox: Sandbox) -> dict[str, Any]:
    """The handles tests and the console look for: balance, ids of interesting records, counts, the clock."""
    st = sandbox.state
    now = st.account_time()
    return {
        "account_time": iso(now),
        "clock": st.account_clock.mode,
        "per_day": money(st.spending.per_day),
        "spent": money(st.spending.spent),
        "recharges_last_24h": st.recharges_since(now - DAY),
        "balance": money(st.balance),
        "available_credit": money(st.available_credit),
        "unpaid_invoice_ids": st.unpaid_invoice_ids(),
        "failed_delivery_ids": st.failed_delivery_ids(),
        "payments": len(st.payments),
        "audit_events": len(st.audit_events),
        "detail_records": len(st.detail_records),
        "requests": len(sandbox.requests),
    }
