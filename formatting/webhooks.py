"""`/telnyx webhooks [...]` (recent deliveries with a failure summary) and `/telnyx webhook <id>` (diagnosis).

Response bodies, URLs and payloads are untrusted: escaped, stripped of control characters, cut with a
note, and code blocks are made safe against ``` inside.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock

from bot import ids
from bot.diagnosis import (
    FailureSummary,
    Verdict,
    chronological,
    delivery_endpoint,
    safe_url,
)
from bot.models import DeliveryAttempt, WebhookDelivery
from formatting.diagnosis import describe_attempt, group_label, words
from formatting.layout import (
    BLOCK_BUDGET,
    button,
    context,
    fallback,
    fields_section,
    fits_value,
    header,
    pack_lines,
    section,
)
from formatting.text import (
    code_block,
    duration,
    escape,
    escape_truncated,
    inline_code,
    plural,
    pretty_json,
    showing,
    slack_date,
)

MAX_ROWS = 20
MAX_GROUPS = 10
MAX_ATTEMPTS = 15  # lines of at most ~340 characters: they always fit the two sections
BODY_CHARS = 1500
PAYLOAD_CHARS = 2800
URL_CHARS = 300

VERDICT_ICONS = {"delivered": ":white_check_mark:", "unknown": ":grey_question:"}
STATUS_ICONS = {"delivered": ":white_check_mark:", "failed": ":x:"}


def _last_status(delivery: WebhookDelivery) -> str:
    attempts = chronological(delivery.attempts)
    return describe_attempt(attempts[-1]) if attempts else "no attempts recorded"


def _summary_text(summary: FailureSummary, *, delivered_only: bool = False) -> str:
    """The failure rate over every delivery the answer speaks of, then the failures grouped."""
    deliveries = plural(summary.considered, "delivery", "deliveries")
    if not summary.considered:
        return "No deliveries in this window, so none failed."
    if delivered_only:
        # the rows are delivered ones: grouping failures here would read as failures among them
        if not summary.failed:
            return f"This list shows delivered ones only; none of the {deliveries} in this window failed."
        return (
            f"This list shows delivered ones only. Of the {deliveries} in this window, "
            f"*{summary.failed:,} failed*: use `failed` instead of `delivered` to see them grouped by "
            "endpoint and cause."
        )
    if not summary.groups:
        return f"*No failed deliveries* among the {deliveries}."
    lines = [f"*Failures by endpoint and cause* ({summary.failed:,} of {deliveries} failed)"]
    for group in summary.groups[:MAX_GROUPS]:
        latest = f", latest {slack_date(group.latest_at)}" if group.latest_at else ""
        lines.append(
            f"• {inline_code(group.endpoint, 150)}: {group.count:,} × {escape(group_label(group))}{latest}"
        )
    if len(summary.groups) > MAX_GROUPS:
        lines.append(f"_{showing(MAX_GROUPS, len(summary.groups), 'group')}_")
    if summary.grouped < summary.failed:
        lines.append(f"_Grouped: the latest {summary.grouped:,} of the {summary.failed:,} failures._")
    return "\n".join(lines)


def _row(delivery: WebhookDelivery) -> Block:
    icon = STATUS_ICONS.get(delivery.status, ":grey_question:")
    event = escape_truncated(delivery.event_type or "(unknown event)", 100, single_line=True)
    when = slack_date(delivery.started_at) if delivery.started_at else "(no time)"
    attempts = plural(len(delivery.attempts), "attempt")
    text = (
        f"{icon} *{event}* · {when}\n{delivery.status} · {attempts} · last: {escape(_last_status(delivery))}"
    )
    endpoint = safe_url(delivery_endpoint(delivery))
    if endpoint:
        text += f"\n{inline_code(endpoint, 150)}"
    accessory = None
    if fits_value(delivery.id):
        accessory = button("Diagnose", ids.ACTION_WEBHOOK_DETAIL, value=delivery.id)
    return section(text, accessory=accessory)


def webhooks_blocks(
    deliveries: list[WebhookDelivery],
    *,
    total: int,
    summary: FailureSummary,
    filter_label: str,
    delivered_only: bool = False,
) -> list[Block]:
    """Recent deliveries (status, event type, attempts, last HTTP status), headed by the failure summary.

    `summary` speaks of every delivery in the window (any status); `delivered_only` says the rows do not.
    """
    shown = deliveries[: min(MAX_ROWS, BLOCK_BUDGET - 5)]
    total = max(total, len(deliveries))
    blocks: list[Block] = [
        header("Webhook deliveries"),
        context(
            escape_truncated(filter_label or "all deliveries", 200, single_line=True),
            showing(len(shown), total, "delivery", "deliveries"),
        ),
        section(_summary_text(summary, delivered_only=delivered_only)),
        DividerBlock(),
    ]
    if not shown:
        blocks.append(section("No webhook deliveries match."))
    blocks.extend(_row(d) for d in shown)
    return blocks


def webhooks_text(
    deliveries: list[WebhookDelivery],
    *,
    total: int | None = None,
    summary: FailureSummary | None = None,
    filter_label: str = "",
    delivered_only: bool = False,
) -> str:
    """Plain fallback for webhooks_blocks: how many, and the top failure cause when there is one."""
    total = max(total or 0, len(deliveries))
    label = f" ({filter_label})" if filter_label else ""
    text = f"Telnyx webhook deliveries{label}: {total:,} found."
    if summary is not None and delivered_only:
        text += f" {summary.failed:,} of the {summary.considered:,} in this window failed."
    elif summary is not None and summary.groups:
        top = summary.groups[0]
        text += (
            f" {summary.failed:,} of {summary.considered:,} failed; "
            f"most often {group_label(top)} at {top.endpoint} ({top.count:,})."
        )
    return fallback(escape(text))


def no_ids_blocks(kind: str) -> list[Block]:
    """The message shortcut found no id to look up; `kind` is "webhook" or "invoice"."""
    what = "webhook delivery" if kind == "webhook" else "invoice"
    command = "/telnyx webhook <id>" if kind == "webhook" else "/telnyx invoice <id>"
    return [
        section(
            f":mag: That message has no {what} id in it (a UUID such as "
            f"`0ccc7b54-4df3-4bca-a65a-3da1ecc777f0`). Copy the id and use {inline_code(command)}."
        )
    ]


def no_ids_text(kind: str) -> str:
    """Plain fallback for no_ids_blocks."""
    what = "webhook delivery" if kind == "webhook" else "invoice"
    return f"That message has no {what} id in it."


def _attempt_line(index: int, attempt: DeliveryAttempt, endpoint: str | None) -> str:
    parts: list[str] = []
    parts.append(
        slack_date(attempt.started_at, "{date_short_pretty} {time_secs}")
        if attempt.started_at
        else "(no time)"
    )
    if attempt.started_at and attempt.finished_at:
        parts.append(duration((attempt.finished_at - attempt.started_at).total_seconds()))
    icon = ":white_check_mark:" if attempt.status == "delivered" else ":x:"
    parts.append(f"{icon} {escape_truncated(describe_attempt(attempt), 80)}")
    url = safe_url(attempt.request_url)
    if url and url != endpoint:
        parts.append(inline_code(url, 150))
    return f"{index}. " + " · ".join(parts)


def _response_text(attempts: list[DeliveryAttempt]) -> str:
    """The latest attempt that got an HTTP answer: status and the (untrusted) body."""
    for index in range(len(attempts) - 1, -1, -1):
        attempt = attempts[index]
        if attempt.response_status is None and not attempt.response_body:
            continue
        status = f"HTTP {attempt.response_status}" if attempt.response_status is not None else "no status"
        text = f"*Last response* (attempt {index + 1}): {status}"
        if attempt.response_body:
            return text + "\n" + code_block(attempt.response_body, BODY_CHARS)
        return text + "\n_empty body_"
    return "*Last response:* none; no attempt got an HTTP answer from the endpoint."


def webhook_blocks(delivery: WebhookDelivery, verdict: Verdict) -> list[Block]:
    """The diagnosis: verdict and what to do, attempt timeline, endpoint, last response and the payload."""
    icon, said = VERDICT_ICONS.get(verdict.kind, ":rotating_light:"), words(verdict)
    endpoint = verdict.endpoint or safe_url(delivery_endpoint(delivery))
    blocks: list[Block] = [
        header(f"Webhook delivery: {delivery.event_type or delivery.status}"),
        section(
            f"{icon} *{escape_truncated(said.headline, 300)}*\n{escape_truncated(said.explanation, 1200)}\n"
            f"*What to do:* {escape_truncated(said.action, 1200)}"
        ),
        fields_section(
            [
                ("Status", escape(delivery.status)),
                ("Event type", escape_truncated(delivery.event_type or "–", 200, single_line=True)),
                ("Occurred", slack_date(delivery.occurred_at) if delivery.occurred_at else "–"),
                ("Attempts", f"{len(delivery.attempts):,}"),
                ("Endpoint", inline_code(endpoint, URL_CHARS) if endpoint else "–"),
                ("Delivery id", inline_code(delivery.id, 200)),
            ]
        ),
    ]
    attempts = chronological(delivery.attempts)
    if attempts:
        # a long history keeps its latest attempts: they say what is wrong now
        skip = max(len(attempts) - MAX_ATTEMPTS, 0)
        lines = [_attempt_line(i, a, endpoint) for i, a in enumerate(attempts[skip:], start=skip + 1)]
        attempt_blocks, shown = pack_lines(lines, title="*Attempts* (oldest first)", max_blocks=2)
        blocks.extend(attempt_blocks)
        if shown < len(attempts):
            blocks.append(context(showing(shown, len(attempts), "attempt") + ", the latest"))
        blocks.append(section(_response_text(attempts)))
    payload = delivery.payload
    if payload:
        blocks.append(section("*Payload*\n" + code_block(pretty_json(payload), PAYLOAD_CHARS)))
    if delivery.event_id:
        blocks.append(context(f"Event id {inline_code(delivery.event_id, 200)}"))
    return blocks


def webhook_text(delivery: WebhookDelivery, verdict: Verdict) -> str:
    """Plain fallback for webhook_blocks."""
    said = words(verdict)
    return fallback(escape(f"Webhook delivery {delivery.status}: {said.headline}. {said.action}"))
