"""Activity answers: usage (detail) records, the audit log, tags, webhook deliveries."""

from __future__ import annotations

from typing import Any

from bot.models import (
    AuditChange,
    AuditEvent,
    AuditEventPage,
    DeliveryAttempt,
    DetailRecord,
    DetailRecordPage,
    UserTags,
    WebhookDelivery,
    WebhookDeliveryPage,
)
from bot.telnyx_parse.wire import Json, data, items, money_or_none, page_meta, timestamp


def detail_record(d: Json) -> DetailRecord:
    """One detail record: the common fields lifted, everything kept in `raw`."""
    # Field names differ by record type: messaging has `uuid`, not `id`; voice types have `started_at`.
    cost = next((d[k] for k in ("cost", "verify_usage_fee", "data_cost") if d.get(k) not in (None, "")), None)
    return DetailRecord(
        id=str(d.get("id") or d.get("uuid") or ""),
        record_type=str(d.get("record_type") or ""),
        created_at=timestamp(d.get("created_at") or d.get("started_at") or d.get("invoked_at")),
        status=d.get("status") or d.get("verification_status"),
        direction=d.get("direction"),
        cost=money_or_none(cost),
        currency=d.get("currency"),
        raw=d,
    )


def detail_record_page(body: Any, *, number: int, size: int) -> DetailRecordPage:
    """GET /detail_records."""
    return DetailRecordPage(
        records=[detail_record(d) for d in items(body)], page=page_meta(body, number=number, size=size)
    )


def audit_event(d: Json) -> AuditEvent:
    """One audit log entry."""
    return AuditEvent(
        id=str(d["id"]),
        created_at=timestamp(d["created_at"]),
        change_made_by=d.get("change_made_by"),
        change_type=d.get("change_type"),
        resource_id=d.get("resource_id"),
        user_id=d.get("user_id"),
        changes=[
            AuditChange(field=str(c.get("field", "")), old=c.get("from"), new=c.get("to"))
            for c in d.get("changes") or []
            if isinstance(c, dict)
        ],
    )


def audit_event_page(body: Any, *, number: int, size: int) -> AuditEventPage:
    """GET /audit_events."""
    return AuditEventPage(
        events=[audit_event(d) for d in items(body)], page=page_meta(body, number=number, size=size)
    )


def user_tags(body: Any) -> UserTags:
    """GET /user_tags."""
    d = data(body)
    return UserTags(
        number_tags=[str(t) for t in d.get("number_tags") or []],
        outbound_profile_tags=[str(t) for t in d.get("outbound_profile_tags") or []],
    )


def _error_codes(errors: Any) -> list[int]:
    # The spec says integers, but its own example also shows {"code": "75001", ...} objects.
    codes: list[int] = []
    for e in errors if isinstance(errors, list) else []:
        code = e.get("code") if isinstance(e, dict) else e
        if isinstance(code, int) and not isinstance(code, bool):
            codes.append(code)
        elif isinstance(code, str) and code.isdigit():
            codes.append(int(code))
    return codes


def _attempt(a: Json) -> DeliveryAttempt:
    http = a.get("http") if isinstance(a.get("http"), dict) else {}
    request = http.get("request") if isinstance(http.get("request"), dict) else {}
    response = http.get("response") if isinstance(http.get("response"), dict) else {}
    return DeliveryAttempt(
        status=a.get("status"),
        started_at=timestamp(a.get("started_at")),
        finished_at=timestamp(a.get("finished_at")),
        errors=_error_codes(a.get("errors")),
        request_url=request.get("url"),
        response_status=response.get("status"),
        response_body=response.get("body"),
        response_headers=list(response.get("headers") or []),
    )


def webhook_delivery(d: Json) -> WebhookDelivery:
    """One webhook delivery record."""
    webhook = d.get("webhook") if isinstance(d.get("webhook"), dict) else {}
    return WebhookDelivery(
        id=str(d["id"]),
        status=d["status"],
        started_at=timestamp(d.get("started_at")),
        finished_at=timestamp(d.get("finished_at")),
        event_type=webhook.get("event_type"),
        event_id=webhook.get("id"),
        occurred_at=timestamp(webhook.get("occurred_at")),
        payload=webhook.get("payload") if isinstance(webhook.get("payload"), dict) else {},
        attempts=[_attempt(a) for a in d.get("attempts") or [] if isinstance(a, dict)],
    )


def webhook_delivery_detail(body: Any) -> WebhookDelivery:
    """GET /webhook_deliveries/{id}."""
    return webhook_delivery(data(body))


def webhook_delivery_page(body: Any, *, number: int, size: int) -> WebhookDeliveryPage:
    """GET /webhook_deliveries."""
    return WebhookDeliveryPage(
        deliveries=[webhook_delivery(d) for d in items(body)], page=page_meta(body, number=number, size=size)
    )
