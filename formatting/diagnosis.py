"""The words of a webhook diagnosis: a short label per failure kind, what a verdict means and what to do.

bot/diagnosis finds the kind of failure and what it rests on (data); this module says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.diagnosis import ATTEMPT_ERRORS, FailureGroup, Verdict
from bot.models import DeliveryAttempt

# kind -> short label used in lists and summaries
CAUSE_LABELS: dict[str, str] = {
    "delivered": "delivered",
    "server_error": "server error (5xx)",
    "not_found": "URL not found (404)",
    "gone": "URL gone (410)",
    "rejected": "rejected (401/403)",
    "rate_limited": "throttled (429)",
    "client_error": "refused payload (4xx)",
    "redirect": "redirect (3xx)",
    "timeout": "timeout",
    "tls": "TLS error",
    "dns": "DNS error",
    "refused": "connection refused",
    "unknown": "unknown cause",
}


def advice(kind: str, status: int | None, host: str) -> tuple[str, str, str]:
    """(headline, explanation, action) for a failure kind; `host` is where the webhook was sent."""
    code = f"HTTP {status}" if status is not None else "an error"
    table: dict[str, tuple[str, str, str]] = {
        "server_error": (
            f"The receiving server failed ({code})",
            f"Telnyx reached {host}, but the application there answered {code}: it crashed or is "
            "overloaded. Telnyx's side worked.",
            "Check the receiving application's logs at the time of the attempts and fix the error. "
            "Webhooks get through again once it answers 2xx.",
        ),
        "not_found": (
            f"The webhook URL is wrong ({code})",
            f"{host} answered, but has nothing at that path.",
            "Check the webhook URL set in the Telnyx portal (a typo, a missing path, or a route that a "
            "deploy removed) and correct it.",
        ),
        "gone": (
            f"The webhook URL is gone ({code})",
            f"{host} says this endpoint was removed for good.",
            "Point the webhook URL in the Telnyx portal at the endpoint that replaced it, or remove it.",
        ),
        "rejected": (
            f"The endpoint refused Telnyx's request ({code})",
            "The server asked for credentials or denied access: an authentication layer or a signature "
            "check rejected the webhook.",
            "Let Telnyx's requests through the authentication in front of the app, and check that it "
            "verifies the telnyx-signature-ed25519 header with your account's current public key.",
        ),
        "rate_limited": (
            f"The endpoint is throttling Telnyx ({code})",
            "The receiving server limits how many requests it accepts and turned these away.",
            "Raise the rate limit for Telnyx's requests, or scale the receiver to keep up.",
        ),
        "client_error": (
            f"The endpoint refused the payload ({code})",
            "The server received the webhook but rejected it (validation, size limit or HTTP method).",
            "Check the receiving application's logs for why it refused the request, and accept Telnyx's "
            "JSON POST.",
        ),
        "redirect": (
            f"The endpoint answered with a redirect ({code})",
            "A webhook needs a 2xx answer; a redirect counts as a failure.",
            "Use the final URL in the webhook settings (often https instead of http, or a trailing slash).",
        ),
        "timeout": (
            "The endpoint answered too slowly",
            f"Telnyx gave up waiting for {host} to answer.",
            "Answer with 2xx straight away and do the work afterwards (a queue); check the server for "
            "slow requests or overload.",
        ),
        "tls": (
            "The endpoint's TLS setup is broken",
            f"Telnyx could not open a secure connection to {host}: the certificate is expired, "
            "self-signed, for another host name, or its chain is incomplete.",
            "Check the certificate with an SSL checker, then renew it or install the full chain.",
        ),
        "dns": (
            "The endpoint's host name does not resolve",
            f"Telnyx could not find {host} in DNS, so it could not send anything.",
            "Check the host name in the webhook URL for a typo, and that its DNS record exists.",
        ),
        "refused": (
            "The endpoint is unreachable (connection refused)",
            f"Nothing accepted the connection at {host}: the server is down, listens on another port, "
            "or a firewall rejects Telnyx.",
            "Check that the server is running and reachable from the internet on that port, and that "
            "firewalls let Telnyx's requests in.",
        ),
    }
    return table.get(
        kind,
        (
            "The delivery failed for an unrecognised reason",
            "Telnyx recorded a failure this bot cannot explain.",
            "Look at the attempts below; if it keeps happening, contact Telnyx support with the delivery id.",
        ),
    )


@dataclass(frozen=True)
class Words:
    """A verdict said: the headline, what it means, what to do."""

    headline: str
    explanation: str
    action: str


def cause_label(kind: str) -> str:
    """A failure kind in a few words: "server error (5xx)"."""
    return CAUSE_LABELS.get(kind, kind)


def group_label(group: FailureGroup) -> str:
    """The cause of a group of failures in a few words."""
    return cause_label(group.kind)


def describe_attempt(attempt: DeliveryAttempt) -> str:
    """What one attempt got back, in a few words: "HTTP 503" or "DNS error (75001)"."""
    parts: list[str] = []
    for code in attempt.errors:
        kind = ATTEMPT_ERRORS.get(code, "unknown")
        if kind != "http_error":
            parts.append(f"{cause_label(kind)} ({code})")
    if attempt.response_status is not None:
        parts.insert(0, f"HTTP {attempt.response_status}")
    if not parts:
        parts.append("delivered" if attempt.status == "delivered" else "no answer recorded")
    return ", ".join(parts)


def words(verdict: Verdict) -> Words:
    """What the verdict means and what to do, in plain language."""
    if verdict.kind == "delivered":
        if verdict.attempts == 0:
            return Words("Delivered", "Telnyx delivered this webhook.", "Nothing to do.")
        if not verdict.failed_attempts or verdict.last_failure is None:
            return Words(
                "Delivered", "Telnyx delivered this webhook; the endpoint answered 2xx.", "Nothing to do."
            )
        return Words(
            "Delivered after retries",
            f"{verdict.failed_attempts} of {verdict.attempts} attempts failed before it got through; the last "
            f"failure was {cause_label(verdict.last_failure_kind or 'unknown')} "
            f"({describe_attempt(verdict.last_failure)}).",
            "Nothing to do for this one; if retries are frequent, diagnose a failed delivery to fix the cause.",
        )
    if verdict.attempts == 0:
        return Words(
            "The delivery failed, and Telnyx recorded no attempts",
            "There is no HTTP status or error to go on.",
            "If it keeps happening, contact Telnyx support with the delivery id.",
        )
    headline, explanation, action = advice(verdict.kind, verdict.status, verdict.host or "the endpoint")
    if verdict.earlier_kinds:
        explanation += (
            " Earlier attempts failed differently: "
            + ", ".join(cause_label(k) for k in verdict.earlier_kinds)
            + "."
        )
    if verdict.unexplained_codes:
        explanation += " Error codes: " + ", ".join(str(c) for c in verdict.unexplained_codes) + "."
    return Words(headline, explanation, action)
