"""Webhook delivery diagnosis: why a delivery failed, in plain language, and what to do about it.

Pure functions over `bot.models.WebhookDelivery`; no I/O. `diagnose` gives one verdict for one delivery,
`summarize_failures` groups many failed deliveries by endpoint and cause. Both are data (failure kinds,
statuses, counts): formatting/diagnosis.py says them in words and says what to do.

Attempt error codes. The contract's `attempt.errors` is a list of integer codes and Telnyx does not
publish their meaning; the one example in the spec pairs 75001 with "Could not resolve name" and 75499
with an HTTP 404 answer. `ATTEMPT_ERRORS` keeps those two and assigns the rest. The sandbox uses the same
table, so keep them in step:

    75001 dns         the endpoint's host name could not be resolved
    75002 refused     the connection was refused (nothing listening, or a firewall)
    75003 timeout     the endpoint did not answer in time
    75004 tls         the TLS handshake failed (certificate or protocol)
    75499 http_error  the endpoint answered with a non-2xx status (the status says which failure)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from bot.models import DeliveryAttempt, WebhookDelivery
from bot.times import as_utc

# code -> failure kind (the table above says what each means; formatting/diagnosis.py words the kinds);
# kinds that mean "no HTTP answer at all" win over any response status
ATTEMPT_ERRORS: dict[int, str] = {
    75001: "dns",
    75002: "refused",
    75003: "timeout",
    75004: "tls",
    75499: "http_error",
}
NETWORK_KINDS = frozenset({"dns", "refused", "tls", "timeout"})

UNKNOWN_ENDPOINT = "(unknown endpoint)"


KINDS = (
    "delivered",
    "server_error",
    "not_found",
    "gone",
    "rejected",
    "rate_limited",
    "client_error",
    "redirect",
    "timeout",
    "tls",
    "dns",
    "refused",
    "unknown",
)


@dataclass(frozen=True)
class Verdict:
    """A delivery's diagnosis as data: the failure kind (one of KINDS) and what it rests on."""

    kind: str
    endpoint: str | None = None  # redacted with safe_url: no credentials, no query values
    status: int | None = None  # the HTTP status behind the verdict, when there was one
    host: str | None = None  # where the failing attempt was sent (host[:port]), when known
    attempts: int = 0
    failed_attempts: int = 0  # of a delivery that got through in the end: the failures before it
    last_failure: DeliveryAttempt | None = None  # ... and the last of them
    last_failure_kind: str | None = None
    earlier_kinds: tuple[str, ...] = ()  # other causes of earlier failed attempts
    unexplained_codes: tuple[int, ...] = ()  # attempt error codes the table does not know


@dataclass(frozen=True)
class FailureGroup:
    """Failed deliveries that share an endpoint (host + path) and a cause."""

    endpoint: str
    kind: str
    count: int
    latest_at: datetime | None
    example_id: str


@dataclass(frozen=True)
class FailureSummary:
    """Failures grouped by endpoint and cause, most frequent first."""

    groups: tuple[FailureGroup, ...]
    failed: int  # failed deliveries among those considered
    considered: int  # the deliveries the failure rate speaks of

    @property
    def grouped(self) -> int:
        """The failed deliveries the groups count (one page of them when there are more)."""
        return sum(g.count for g in self.groups)


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host  # IPv6 literals keep their brackets
    return f"{host}:{port}" if port else host


def safe_url(url: str | None) -> str | None:
    """The URL without user:password and with query values masked: webhook URLs often carry tokens."""
    if not url:
        return url
    try:
        parts = urlsplit(url.strip())
        netloc = _netloc(parts.hostname or "", parts.port)
    except ValueError:
        return "(unreadable URL)"
    query = "&".join(f"{key}=…" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def endpoint_key(url: str | None) -> str:
    """Host and path of a URL, the unit failures are grouped by."""
    if not url:
        return UNKNOWN_ENDPOINT
    try:
        parts = urlsplit(url.strip())
        netloc = _netloc(parts.hostname or "", parts.port)
    except ValueError:
        return UNKNOWN_ENDPOINT
    if not netloc:
        return UNKNOWN_ENDPOINT
    return netloc + (parts.path or "/")


def _sort_time(attempt: DeliveryAttempt) -> datetime:
    moment = attempt.started_at or attempt.finished_at
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return as_utc(moment)


def chronological(attempts: Iterable[DeliveryAttempt]) -> list[DeliveryAttempt]:
    """Attempts oldest first (the API lists them most recent first); undated ones keep their order."""
    listed = list(attempts)
    # the API order is newest first, so reversing it is the best guess for undated attempts
    return sorted(reversed(listed), key=_sort_time)


def classify_attempt(attempt: DeliveryAttempt) -> str:
    """The failure kind of one attempt ("delivered" when it succeeded)."""
    for code in attempt.errors:
        kind = ATTEMPT_ERRORS.get(code, "unknown")
        if kind in NETWORK_KINDS:
            return kind
    status = attempt.response_status
    if status is not None:
        if 200 <= status < 300:
            return "delivered" if not attempt.errors and attempt.status != "failed" else "unknown"
        if status >= 500:
            return "server_error"
        if status == 404:
            return "not_found"
        if status == 410:
            return "gone"
        if status in (401, 403):
            return "rejected"
        if status == 429:
            return "rate_limited"
        if 400 <= status < 500:
            return "client_error"
        if 300 <= status < 400:
            return "redirect"
    if attempt.status == "delivered" and not attempt.errors:
        return "delivered"
    return "unknown"


def diagnose(delivery: WebhookDelivery) -> Verdict:
    """One verdict for a delivery, from its most recent attempt (earlier failures are kept in it)."""
    attempts = chronological(delivery.attempts)
    if not attempts:
        return Verdict("delivered" if delivery.status == "delivered" else "unknown")
    kinds = [classify_attempt(a) for a in attempts]
    failed = [(a, k) for a, k in zip(attempts, kinds, strict=True) if k != "delivered"]
    if delivery.status == "delivered":
        last = attempts[-1]
        last_bad, bad_kind = failed[-1] if failed else (None, None)
        return Verdict(
            "delivered",
            endpoint=safe_url(last.request_url),
            status=last.response_status,
            attempts=len(attempts),
            failed_attempts=len(failed),
            last_failure=last_bad,
            last_failure_kind=bad_kind,
        )
    # failed: the most recent failed attempt decides; other causes are kept to be mentioned
    attempt, kind = failed[-1] if failed else (attempts[-1], "unknown")
    host = endpoint_key(attempt.request_url).split("/", 1)[0] if attempt.request_url else None
    return Verdict(
        kind,
        endpoint=safe_url(attempt.request_url),
        status=attempt.response_status,
        host=host,
        attempts=len(attempts),
        earlier_kinds=tuple(sorted({k for _, k in failed if k != kind})),
        unexplained_codes=tuple(c for c in attempt.errors if c not in ATTEMPT_ERRORS)
        if kind == "unknown"
        else (),
    )


def delivery_endpoint(delivery: WebhookDelivery) -> str | None:
    """The URL of the most recent attempt (raw: pass it through safe_url before showing it)."""
    for attempt in reversed(chronological(delivery.attempts)):
        if attempt.request_url:
            return attempt.request_url
    return None


def summarize_failures(
    deliveries: Sequence[WebhookDelivery], *, failed: int | None = None, considered: int | None = None
) -> FailureSummary:
    """Group the failed deliveries by (endpoint host + path, cause), most frequent first.

    When `deliveries` is one page of a larger set (the latest failures only, say), `failed` and
    `considered` are Telnyx's counts over the whole set: the rate then speaks of every delivery in it,
    not of the page.
    """
    counts: dict[tuple[str, str], list[WebhookDelivery]] = {}
    for delivery in deliveries:
        if delivery.status != "failed":
            continue
        key = (endpoint_key(delivery_endpoint(delivery)), diagnose(delivery).kind)
        counts.setdefault(key, []).append(delivery)

    def latest(items: list[WebhookDelivery]) -> datetime | None:
        moments = [d.started_at for d in items if d.started_at is not None]
        return max(moments, key=as_utc) if moments else None

    groups = [
        FailureGroup(
            endpoint=endpoint, kind=kind, count=len(items), latest_at=latest(items), example_id=items[0].id
        )
        for (endpoint, kind), items in counts.items()
    ]
    groups.sort(key=lambda g: (-g.count, g.endpoint, g.kind))
    grouped = sum(g.count for g in groups)
    failed = max(failed if failed is not None else grouped, grouped)
    considered = max(considered if considered is not None else len(deliveries), failed)
    return FailureSummary(groups=tuple(groups), failed=failed, considered=considered)
