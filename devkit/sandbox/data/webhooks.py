"""Webhook deliveries: 64 over the last 30 days, a quarter failed, each with realistic attempts.

Attempts are listed newest first, as in the spec's example. Failed attempts carry `errors` codes:
75499 the endpoint answered an HTTP error, 75001 DNS, 75002 connection refused, 75003 timeout, 75004 TLS.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devkit.sandbox.rand import Gen
from devkit.sandbox.state import iso

TOTAL = 64
# the newest failed delivery is `/telnyx help`'s example: this id, a message.finalized event of the last
# week (the `webhook` and `webhooks failed event_type=message.finalized last-7-days` examples)
EXAMPLE_DELIVERY_ID = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
EXAMPLE_EVENT_TYPE = "message.finalized"
EXAMPLE_MAX_AGE = timedelta(days=2)
PRIMARY = "https://hooks.example.com/telnyx/events"
FAILOVER = "https://failover.example.net/telnyx/events"
EVENT_TYPES = (
    "message.sent",
    "message.finalized",
    "message.received",
    "call.initiated",
    "call.answered",
    "call.hangup",
)
REQUEST_HEADERS = [
    ["Accept", "*/*"],
    ["Content-Type", "application/json"],
    ["User-Agent", "telnyx-webhooks"],
    ["Telnyx-Signature-Ed25519", "c2FuZGJveC1zaWduYXR1cmU="],
]
HTTP_FAILURES: dict[int, tuple[str, list[list[str]]]] = {
    500: ("Internal Server Error", [["Content-Type", "text/plain"]]),
    502: (
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        [["Content-Type", "text/html"], ["Server", "nginx"]],
    ),
    503: ("Service Unavailable: maintenance", [["Content-Type", "text/plain"], ["Retry-After", "120"]]),
    404: ("Oops. Not found.", [["Content-Type", "text/html"], ["Pragma", "no-cache"]]),
    410: ('{"error":"this webhook endpoint was removed"}', [["Content-Type", "application/json"]]),
}
# (errors code, seconds the attempt lasted) for attempts that got no HTTP answer
NETWORK_FAILURES = {
    "dns": (75001, 0.05),
    "refused": (75002, 0.02),
    "timeout": (75003, 10.0),
    "tls": (75004, 0.3),
}
# how each failed delivery went wrong, in turn
FAILURE_PLANS = (
    "http:500",
    "http:502",
    "http:503",
    "http:404",
    "http:410",
    "timeout",
    "tls",
    "refused",
    "dns",
)


def _attempt(
    started: datetime, seconds: float, url: str, status: int | None, errors: list[int]
) -> dict[str, Any]:
    http: dict[str, Any] = {"request": {"url": url, "headers": REQUEST_HEADERS}}
    if status is not None:
        body, headers = HTTP_FAILURES.get(status, ("OK", [["Content-Type", "text/plain"]]))
        http["response"] = {"status": status, "body": body, "headers": headers}
    attempt: dict[str, Any] = {
        "status": "delivered" if status is not None and status < 300 else "failed",
        "started_at": iso(started, millis=True),
        "finished_at": iso(started + timedelta(seconds=seconds), millis=True),
        "http": http,
    }
    if errors:
        attempt["errors"] = errors
    return attempt


def _failing(gen: Gen, plan: str, started: datetime, url: str) -> dict[str, Any]:
    if plan.startswith("http:"):
        return _attempt(started, gen.between(0.05, 1.5), url, int(plan[5:]), [75499])
    code, seconds = NETWORK_FAILURES[plan]
    return _attempt(started, seconds * gen.between(1, 1.2), url, None, [code])


def _delivery(gen: Gen, now: datetime, user_id: str, plan: str | None) -> dict[str, Any]:
    occurred = now - timedelta(seconds=gen.int(120, 30 * 86400))
    started = occurred + timedelta(milliseconds=gen.int(20, 900))
    attempts: list[dict[str, Any]] = []
    moment = started
    # failed deliveries: 2-4 attempts, first the primary URL then the failover; delivered ones
    # sometimes needed a retry first
    tries = gen.int(2, 4) if plan else (2 if gen.chance(0.2) else 1)
    for index in range(tries):
        url = PRIMARY if index == 0 else FAILOVER
        last = index == tries - 1
        if plan or not last:
            attempt = _failing(gen, plan or gen.pick(("http:503", "timeout", "http:502")), moment, url)
        else:
            attempt = _attempt(moment, gen.between(0.05, 0.8), url, 200, [])
        attempts.append(attempt)
        moment = datetime.fromisoformat(attempt["finished_at"]) + timedelta(seconds=gen.between(0.2, 5))
    event_type = gen.pick(EVENT_TYPES)
    return {
        "id": gen.uuid(),
        "record_type": "webhook_delivery",
        "user_id": user_id,
        "status": "failed" if plan else "delivered",
        "started_at": attempts[0]["started_at"],
        "finished_at": attempts[-1]["finished_at"],
        "webhook": {
            "id": gen.uuid(),
            "record_type": "event",
            "event_type": event_type,
            "occurred_at": iso(occurred, millis=True),
            "payload": {"id": gen.uuid(), "record_type": event_type.split(".")[0], "sandbox": True},
        },
        "attempts": list(reversed(attempts)),
    }


def _moved(stamp: str, by: timedelta) -> str:
    return iso(datetime.fromisoformat(stamp) + by, millis=True)


def _as_example(delivery: dict[str, Any], now: datetime) -> None:
    """Make a failed delivery the help's example: its id and event type, and recent (moved whole, in place).

    Nothing is drawn from the stream: every other delivery stays as the seed made it.
    """
    delivery["id"] = EXAMPLE_DELIVERY_ID
    event = delivery["webhook"]
    event["event_type"] = EXAMPLE_EVENT_TYPE
    event["payload"]["record_type"] = EXAMPLE_EVENT_TYPE.split(".")[0]
    started = datetime.fromisoformat(delivery["started_at"])
    if started >= now - EXAMPLE_MAX_AGE:
        return
    by = (now - EXAMPLE_MAX_AGE + timedelta(hours=1)) - started
    for holder, key in [
        (delivery, "started_at"),
        (delivery, "finished_at"),
        (event, "occurred_at"),
        *((a, k) for a in delivery["attempts"] for k in ("started_at", "finished_at")),
    ]:
        holder[key] = _moved(holder[key], by)


def build_deliveries(gen: Gen, now: datetime, user_id: str) -> list[dict[str, Any]]:
    """All deliveries, newest first; every fourth one failed, cycling through the failure plans."""
    deliveries = []
    for index in range(TOTAL):
        plan = FAILURE_PLANS[(index // 4) % len(FAILURE_PLANS)] if index % 4 == 0 else None
        deliveries.append(_delivery(gen, now, user_id, plan))
    deliveries.sort(key=lambda d: d["started_at"], reverse=True)
    _as_example(next(d for d in deliveries if d["status"] == "failed"), now)
    return sorted(deliveries, key=lambda d: d["started_at"], reverse=True)


# what a failure added through /_sandbox/webhook_failures can be, by the names that knob takes
FAILURE_CAUSES = {
    "http_500": "http:500",
    "http_502": "http:502",
    "http_503": "http:503",
    "http_404": "http:404",
    "http_410": "http:410",
    "timeout": "timeout",
    "tls": "tls",
    "refused": "refused",
    "dns": "dns",
}
FAILURE_SPACING = timedelta(seconds=2)  # between the added failures' first attempts


def build_failures(
    gen: Gen, now: datetime, user_id: str, endpoint: str, cause: str, count: int
) -> list[dict[str, Any]]:
    """`count` failed deliveries to `endpoint` (every attempt there), started 2 s apart, all over by `now`.

    Shaped as the generated failed deliveries are (2 to 4 attempts, newest first, each failing the same
    way), so `summarize_failures` groups them under `endpoint` and the cause's kind. Newest first.
    """
    plan = FAILURE_CAUSES[cause]
    tried: list[list[dict[str, Any]]] = []
    for _ in range(count):
        attempts: list[dict[str, Any]] = []
        moment = now  # drawn forward from here, then moved back whole
        for _ in range(gen.int(2, 4)):
            attempt = _failing(gen, plan, moment, endpoint)
            attempts.append(attempt)
            moment = datetime.fromisoformat(attempt["finished_at"]) + timedelta(seconds=gen.between(0.2, 5))
        tried.append(attempts)
    longest = max(datetime.fromisoformat(a[-1]["finished_at"]) for a in tried) - now
    deliveries = []
    for index, attempts in enumerate(tried):
        by = -longest - index * FAILURE_SPACING  # the newest starts first, and the longest ends by `now`
        for attempt in attempts:
            attempt["started_at"] = _moved(attempt["started_at"], by)
            attempt["finished_at"] = _moved(attempt["finished_at"], by)
        event_type = gen.pick(EVENT_TYPES)
        started = datetime.fromisoformat(attempts[0]["started_at"])
        deliveries.append(
            {
                "id": gen.uuid(),
                "record_type": "webhook_delivery",
                "user_id": user_id,
                "status": "failed",
                "started_at": attempts[0]["started_at"],
                "finished_at": attempts[-1]["finished_at"],
                "webhook": {
                    "id": gen.uuid(),
                    "record_type": "event",
                    "event_type": event_type,
                    "occurred_at": iso(started - timedelta(milliseconds=gen.int(20, 900)), millis=True),
                    "payload": {"id": gen.uuid(), "record_type": event_type.split(".")[0], "sandbox": True},
                },
                "attempts": list(reversed(attempts)),
            }
        )
    return deliveries
