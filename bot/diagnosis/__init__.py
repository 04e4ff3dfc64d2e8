"""Webhook delivery diagnosis: why a delivery failed, in plain language, and what to do about it.

Pure functions over `bot.models.WebhookDelivery`; no I/O. `diagnose` gives one verdict for one delivery,
`summarize_failures` groups many failed deliveries by endpoint and cause; the words are in `advice`.

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

from bot.diagnosis.advice import KIND_LABELS, advice
from bot.models import DeliveryAttempt, WebhookDelivery
from bot.times import as_utc

# code -> (kind, what happened); kinds that mean "no HTTP answer at all" win over any response status
ATTEMPT_ERRORS: dict[int, tuple[str, str]] = {
    75001: ("dns", "the endpoint's host name could not be resolved"),
    75002: ("refused", "the connection was refused"),
    75003: ("timeout", "the endpoint did not answer in time"),
    75004: ("tls", "the TLS handshake failed"),
    75499: ("http_error", "the endpoint answered with an error status"),
}
NETWORK_KINDS = frozenset({"dns", "refused", "tls", "timeout"})

UNKNOWN_ENDPOINT = "(unknown endpoint)"


@dataclass(frozen=True)
class Verdict:
    """A plain-language diagnosis: what kind of failure, what it means, and what to do."""

    kind: str
    headline: str
    explanation: str
    action: str
    endpoint: str | None = None  # redacted with safe_url: no credentials, no query values
    status: int | None = None  # the HTTP status behind the verdict, when there was one


@dataclass(frozen=True)
class FailureGroup:
    """Failed deliveries that share an endpoint (host + path) and a cause."""

    endpoint: str
    kind: str
    count: int
    latest_at: datetime | None
    example_id: str

    @property
    def label(self) -> str:
        """The cause in a few words."""
        return KIND_LABELS.get(self.kind, self.kind)


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
        kind = ATTEMPT_ERRORS.get(code, ("unknown", ""))[0]
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


def describe_attempt(attempt: DeliveryAttempt) -> str:
    """What one attempt got back, in a few words: "HTTP 503" or "DNS error (75001)"."""
    parts: list[str] = []
    for code in attempt.errors:
        kind = ATTEMPT_ERRORS.get(code, ("unknown", ""))[0]
        if kind != "http_error":
            parts.append(f"{KIND_LABELS.get(kind, kind)} ({code})")
    if attempt.response_status is not None:
        parts.insert(0, f"HTTP {attempt.response_status}")
    if not parts:
        parts.append("delivered" if attempt.status == "delivered" else "no answer recorded")
    return ", ".join(parts)


def diagnose(delivery: WebhookDelivery) -> Verdict:
    """One verdict for a delivery, from its most recent attempt (earlier failures are mentioned)."""
    attempts = chronological(delivery.attempts)
    if not attempts:
        if delivery.status == "delivered":
            return Verdict("delivered", "Delivered", "Telnyx delivered this webhook.", "Nothing to do.")
        return Verdict(
            "unknown",
            "The delivery failed, and Telnyx recorded no attempts",
            "There is no HTTP status or error to go on.",
            "If it keeps happening, contact Telnyx support with the delivery id.",
        )
    kinds = [classify_attempt(a) for a in attempts]
    failed = [(a, k) for a, k in zip(attempts, kinds, strict=True) if k != "delivered"]
    if delivery.status == "delivered":
        last = attempts[-1]
        endpoint = safe_url(last.request_url)
        if not failed:
            return Verdict(
                "delivered",
                "Delivered",
                "Telnyx delivered this webhook; the endpoint answered 2xx.",
                "Nothing to do.",
                endpoint=endpoint,
                status=last.response_status,
            )
        last_bad, bad_kind = failed[-1]
        return Verdict(
            "delivered",
            "Delivered after retries",
            f"{len(failed)} of {len(attempts)} attempts failed before it got through; the last failure was "
            f"{KIND_LABELS.get(bad_kind, bad_kind)} ({describe_attempt(last_bad)}).",
            "Nothing to do for this one; if retries are frequent, diagnose a failed delivery to fix the cause.",
            endpoint=endpoint,
            status=last.response_status,
        )
    # failed: the most recent failed attempt decides; a mix of causes is said in the explanation
    attempt, kind = failed[-1] if failed else (attempts[-1], "unknown")
    host = endpoint_key(attempt.request_url).split("/", 1)[0] if attempt.request_url else "the endpoint"
    headline, explanation, action = advice(kind, attempt.response_status, host)
    others = sorted({k for _, k in failed if k != kind})
    if others:
        explanation += (
            " Earlier attempts failed differently: " + ", ".join(KIND_LABELS[k] for k in others) + "."
        )
    unexplained = [c for c in attempt.errors if c not in ATTEMPT_ERRORS]
    if kind == "unknown" and unexplained:
        explanation += " Error codes: " + ", ".join(str(c) for c in unexplained) + "."
    return Verdict(
        kind,
        headline,
        explanation,
        action,
        endpoint=safe_url(attempt.request_url),
        status=attempt.response_status,
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
