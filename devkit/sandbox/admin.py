"""Admin endpoints under /_sandbox/ (not part of the Telnyx API): requests, faults, reset, files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from devkit.sandbox.config import Fault
from devkit.sandbox.state import money

if TYPE_CHECKING:
    from devkit.sandbox.server import Sandbox

FAULT_FIELDS = ("latency", "jitter", "status", "retry_after", "hang", "times")


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
        return web.json_response({"data": summary(sandbox)})

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
    app.router.add_get("/_sandbox/files/{file_id}.pdf", invoice_file)


def summary(sandbox: Sandbox) -> dict[str, Any]:
    """The handles tests and the console look for: balance, ids of interesting records, counts."""
    st = sandbox.state
    return {
        "balance": money(st.balance),
        "available_credit": money(st.available_credit),
        "unpaid_invoice_ids": st.unpaid_invoice_ids(),
        "failed_delivery_ids": st.failed_delivery_ids(),
        "payments": len(st.payments),
        "audit_events": len(st.audit_events),
        "detail_records": len(st.detail_records),
        "requests": len(sandbox.requests),
    }
