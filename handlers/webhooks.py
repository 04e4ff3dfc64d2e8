"""`webhooks [failed|delivered] [event_type=...] [period]`, `webhook <id>`, and the two message shortcuts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, cast

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.diagnosis import diagnose, summarize_failures
from bot.errors import TelnyxNotFound
from bot.models import WEBHOOK_STATUSES, WebhookDeliveryPage, WebhookStatus
from bot.parsing import Parsed
from bot.uuids import is_uuid, uuids_in
from formatting.help import extra_words_problem
from formatting.layout import section
from formatting.periods import describe_period
from formatting.text import escape_truncated, truncate
from formatting.webhooks import (
    no_ids_blocks,
    no_ids_text,
    webhook_blocks,
    webhook_text,
    webhooks_blocks,
    webhooks_text,
)
from handlers.access import require
from handlers.invoices import show_invoice
from handlers.periods import period_or_answer, split_period
from handlers.replies import action_value, answer, answer_error, services, usage_error
from handlers.subcommand import Subcommand

EXAMPLE = "/telnyx webhooks failed event_type=message.finalized last-7-days"
DELIVERY_EXAMPLE = "/telnyx webhook 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
SHOWN = 15
SUMMARY_OF = 100  # the latest failures the summary groups (one page, shared by identical commands)
RESPONSE_URL_POSTS = 5  # Slack accepts five posts to one response_url


async def run_webhooks(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Recent deliveries, headed by the failures grouped by endpoint and cause."""
    args = list(parsed.args)
    status: WebhookStatus | None = None
    if args and args[0].lower() in WEBHOOK_STATUSES:
        status = cast(WebhookStatus, args.pop(0).lower())
    period_words, rest = split_period(args)
    options = dict(parsed.options)
    event_type = options.pop("event_type", None)
    if rest or options:
        bad = (rest or [f"{k}={v}" for k, v in options.items()])[0]
        await usage_error(
            context,
            f"`{bad}` is not something `webhooks` understands",
            "`failed` or `delivered`, `event_type=...`, and a period",
            EXAMPLE,
        )
        return
    period = None
    if period_words:
        period = await period_or_answer(context, period_words, default="last-7-days", example=EXAMPLE)
        if period is None:
            return
    start, end = (period.start_dt(), period.end_dt()) if period else (None, None)
    telnyx = services(context).telnyx

    def read(status: WebhookStatus | None, size: int) -> Awaitable[WebhookDeliveryPage]:
        return telnyx.webhook_deliveries(
            status=status, event_type=event_type, started_after=start, started_before=end, page=1, size=size
        )

    # the failure rate speaks of every delivery in the window, whatever status the list shows: the
    # failures' page gives their count (and the latest to group), the window's count comes from the
    # list itself when it is unfiltered, else from a one-row read of every status
    reads = [read(status, SHOWN), read("failed", 1 if status == "delivered" else SUMMARY_OF)]
    if status is not None:
        reads.append(read(None, 1))
    pages = await asyncio.gather(*reads)
    listing, failures = pages[0], pages[1]
    window = pages[2] if status is not None else listing
    label = " ".join(
        x
        for x in (
            status or "all",
            f"event_type={event_type}" if event_type else "",
            describe_period(period) if period else "recent",
        )
        if x
    )
    share = " ".join(["webhooks", *parsed.args, *(f"{k}={v}" for k, v in parsed.options.items())])

    summary = summarize_failures(
        failures.deliveries if status != "delivered" else [],
        failed=failures.page.total_results,
        considered=window.page.total_results,
    )
    total = listing.page.total_results
    delivered_only = status == "delivered"
    text = webhooks_text(
        listing.deliveries, total=total, summary=summary, filter_label=label, delivered_only=delivered_only
    )
    blocks = webhooks_blocks(
        listing.deliveries, total=total, summary=summary, filter_label=label, delivered_only=delivered_only
    )
    await answer(context, text, blocks, share=share)


async def show_delivery(context: AsyncBoltContext, delivery_id: str) -> None:
    """The diagnosis of one delivery: timeline, endpoint, response, payload and verdict."""
    delivery = await services(context).telnyx.webhook_delivery(delivery_id)
    verdict = diagnose(delivery)
    await answer(
        context,
        webhook_text(delivery, verdict),
        webhook_blocks(delivery, verdict),
        share=f"webhook {delivery_id}",
    )


async def run_webhook(context: AsyncBoltContext, parsed: Parsed) -> None:
    """`webhook <id>`."""
    accepted = "a webhook delivery id (a UUID), from `/telnyx webhooks` or an alert"
    problem = extra_words_problem(parsed, "one delivery id")
    if problem is None and not parsed.args:
        problem = "`webhook` needs a delivery id"
    elif problem is None and not is_uuid(parsed.args[0]):
        problem = f"`{truncate(parsed.args[0], 60)}` is not a delivery id (a UUID)"
    if problem is not None:
        await usage_error(context, problem, accepted, DELIVERY_EXAMPLE)
        return
    await show_delivery(context, parsed.args[0].lower())


async def handle_diagnose_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """A delivery's Diagnose button in the `webhooks` list."""
    await ack()
    delivery_id = action_value(body)
    if is_uuid(delivery_id):  # otherwise not a value this app sends: nothing to answer
        await show_delivery(context, delivery_id)


def ids_in_message(message: dict[str, Any]) -> list[str]:
    """Every UUID in a message's text (and its attachments' text), first seen first, no repeats."""
    texts = [message.get("text") or ""]
    for att in message.get("attachments") or []:
        texts += [str(att.get(k) or "") for k in ("text", "fallback", "pretext", "title")]
    found: list[str] = []
    for text in texts:
        for match in uuids_in(text):
            if match.lower() not in found:
                found.append(match.lower())
    return found


async def handle_shortcut(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Message shortcuts "Diagnose webhook delivery" and "Look up invoice": one answer per id found."""
    await ack()
    kind = "webhook" if body.get("callback_id") == ids.SHORTCUT_DIAGNOSE_WEBHOOK else "invoice"
    found = ids_in_message(body.get("message") or {})
    if not found:
        await answer(context, no_ids_text(kind), no_ids_blocks(kind))
        return
    show = show_delivery if kind == "webhook" else show_invoice
    # a response_url takes RESPONSE_URL_POSTS posts: with more ids than that, one post is kept for the note
    shown = found if len(found) <= RESPONSE_URL_POSTS else found[: RESPONSE_URL_POSTS - 1]
    for item_id in shown:
        try:
            await show(context, item_id)
        except TelnyxNotFound as err:
            subject = "webhook delivery" if kind == "webhook" else "invoice"
            await answer_error(context, TelnyxNotFound(subject=subject, status=err.status, item_id=item_id))
    if len(shown) < len(found):
        rest = ", ".join(found[len(shown) :])
        note = (
            f"The message has {len(found)} ids; the first {len(shown)} are shown above. "
            f"Look up the others with `/telnyx {kind} <id>`: {rest}"
        )
        await answer(context, note, [section(escape_truncated(note, 2900))])


SUBCOMMANDS = (
    Subcommand(
        "webhooks",
        "/telnyx webhooks [failed|delivered] [event_type=...] [period]",
        "Recent webhook deliveries, headed by the failures grouped by endpoint and cause.",
        EXAMPLE,
        run_webhooks,
    ),
    Subcommand(
        "webhook",
        "/telnyx webhook <id>",
        "Why a webhook delivery failed: attempts, response, payload, and what to do.",
        DELIVERY_EXAMPLE,
        run_webhook,
    ),
)


def register(app: AsyncApp) -> None:
    """The Diagnose button and the two message shortcuts."""
    diagnose_one = require(Permission.VIEW, "diagnose a webhook delivery")
    app.action(ids.ACTION_WEBHOOK_DETAIL, middleware=[diagnose_one])(handle_diagnose_button)
    app.shortcut(ids.SHORTCUT_DIAGNOSE_WEBHOOK, middleware=[diagnose_one])(handle_shortcut)
    app.shortcut(ids.SHORTCUT_LOOKUP_INVOICE, middleware=[require(Permission.VIEW, "look up an invoice")])(
        handle_shortcut
    )
