"""`webhooks [failed|delivered] [event_type=...] [period]`, `webhook <id>`, and the two message shortcuts."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.access import Permission
from bot.diagnosis import diagnose, summarize_failures
from bot.errors import TelnyxNotFound
from bot.parsing import Parsed
from bot.uuids import is_uuid, uuids_in
from formatting.webhooks import (
    no_ids_blocks,
    no_ids_text,
    webhook_blocks,
    webhook_text,
    webhooks_blocks,
    webhooks_text,
)
from handlers.account import show_invoice
from handlers.common import Req, answer, answer_error, rendered, tracked, usage_error
from handlers.guard import allowed, on_click
from handlers.periods import period_or_answer, split_period
from handlers.registry import Subcommand

EXAMPLE = "/telnyx webhooks failed event_type=message.finalized last-7-days"
SHOWN = 15
SUMMARY_OF = 100  # the latest failures the summary groups (one page, shared by identical commands)
SHORTCUT_CAP = 5  # answers per shortcut; more ids are listed as not looked up


async def run_webhooks(req: Req, parsed: Parsed) -> None:
    """Recent deliveries, headed by the failures grouped by endpoint and cause."""
    args = list(parsed.args)
    status = None
    if args and args[0].lower() in ("failed", "delivered"):
        status = args.pop(0).lower()
    period_words, rest = split_period(args)
    options = dict(parsed.options)
    event_type = options.pop("event_type", None)
    if rest or options:
        bad = (rest or [f"{k}={v}" for k, v in options.items()])[0]
        await usage_error(
            req,
            f"`{bad}` is not something `webhooks` understands",
            "`failed` or `delivered`, `event_type=...`, and a period",
            EXAMPLE,
        )
        return
    period = None
    if period_words:
        period = await period_or_answer(req, period_words, default="last-7-days", example=EXAMPLE)
        if period is None:
            return
    window = {"started_after": period.start_dt(), "started_before": period.end_dt()} if period else {}
    listing, failures = await asyncio.gather(
        req.svc.telnyx.webhook_deliveries(status=status, event_type=event_type, page=1, size=SHOWN, **window),
        req.svc.telnyx.webhook_deliveries(
            status="failed", event_type=event_type, page=1, size=SUMMARY_OF, **window
        ),
    )
    label = " ".join(
        x
        for x in (
            status or "all",
            f"event_type={event_type}" if event_type else "",
            period.label if period else "recent",
        )
        if x
    )
    share = " ".join(["webhooks", *parsed.args, *(f"{k}={v}" for k, v in parsed.options.items())])

    def build() -> tuple[str, list[Any]]:
        summary = summarize_failures(failures.deliveries)
        total = listing.page.total_results
        return (
            webhooks_text(listing.deliveries, total=total, summary=summary, filter_label=label),
            webhooks_blocks(listing.deliveries, total=total, summary=summary, filter_label=label),
        )

    text, blocks = rendered(req, ("webhooks", label), (listing, failures), build)
    await answer(req, text, blocks, share=share)


async def show_delivery(req: Req, delivery_id: str) -> None:
    """The diagnosis of one delivery: timeline, endpoint, response, payload and verdict."""
    delivery = await req.svc.telnyx.webhook_delivery(delivery_id)
    verdict = diagnose(delivery)
    await answer(
        req,
        webhook_text(delivery, verdict),
        webhook_blocks(delivery, verdict),
        share=f"webhook {delivery_id}",
    )


async def run_webhook(req: Req, parsed: Parsed) -> None:
    """`webhook <id>`."""
    example = "/telnyx webhook 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
    if len(parsed.args) != 1 or parsed.options or not is_uuid(parsed.args[0]):
        await usage_error(req, "`webhook` needs one delivery id", "a webhook delivery id (a UUID)", example)
        return
    await show_delivery(req, parsed.args[0].lower())


@on_click(Permission.VIEW, "diagnose a webhook delivery", valid=is_uuid)
async def handle_diagnose_button(req: Req, delivery_id: str) -> None:
    """A delivery's Diagnose button in the `webhooks` list."""
    await show_delivery(req, delivery_id)


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


@tracked
async def handle_shortcut(
    ack: AsyncAck,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Message shortcuts "Diagnose webhook delivery" and "Look up invoice": one answer per id found."""
    await ack()
    kind = "webhook" if body.get("callback_id") == ids.SHORTCUT_DIAGNOSE_WEBHOOK else "invoice"
    req = Req.from_bolt(body, context, respond, client)
    what = "diagnose a webhook delivery" if kind == "webhook" else "look up an invoice"
    if not await allowed(req, Permission.VIEW, what):
        return
    found = ids_in_message(body.get("message") or {})
    if not found:
        await answer(req, no_ids_text(kind), no_ids_blocks(kind))
        return
    show = show_delivery if kind == "webhook" else show_invoice
    for item_id in found[:SHORTCUT_CAP]:
        try:
            await show(req, item_id)
        except TelnyxNotFound as err:
            err.user_message = (
                f"No {'webhook delivery' if kind == 'webhook' else 'invoice'} has the id {item_id}."
            )
            await answer_error(req, err)
    if len(found) > SHORTCUT_CAP:
        await answer(req, f"The message has {len(found)} ids; the first {SHORTCUT_CAP} are shown above.", [])


SUBCOMMANDS = [
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
        "/telnyx webhook 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
        run_webhook,
    ),
]


def register(app: Any) -> None:
    """Buttons and shortcuts of these answers."""
    app.action(ids.ACTION_WEBHOOK_DETAIL)(handle_diagnose_button)
    for callback_id in ids.MESSAGE_SHORTCUTS:
        app.shortcut(callback_id)(handle_shortcut)
