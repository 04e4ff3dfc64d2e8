"""`/telnyx invoices [N]`, `/telnyx invoice <id>`, and the invoices' Download and link buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.parsing import Parsed
from bot.uuids import is_uuid
from formatting.invoices import invoice_blocks, invoice_text, invoices_blocks, invoices_text
from handlers.access import require
from handlers.counts import count_or_answer
from handlers.replies import SHARED_BY, action_value, answer, services, usage_error
from handlers.subcommand import Subcommand

INVOICES_DEFAULT, INVOICES_MAX = 6, 24
EXAMPLE = "/telnyx invoice 3fa85f64-5717-4562-b3fc-2c963f66afa6"


async def run_invoices(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Reply with the latest N invoices, each with a download button."""
    count = await count_or_answer(
        context,
        parsed,
        default=INVOICES_DEFAULT,
        most=INVOICES_MAX,
        noun="invoice",
        example="/telnyx invoices 12",
        most_is=f"the {INVOICES_MAX} invoices one answer shows",
    )
    if count is None:
        return
    svc = services(context)
    fresh = await svc.telnyx.invoices(page=1, size=count)
    page = fresh.value
    total = page.page.total_results
    blocks = invoices_blocks(
        page.invoices, total=total, fetched_at=fresh.fetched_at, from_cache=fresh.from_cache, now=svc.clock()
    )
    await answer(context, invoices_text(page.invoices, total=total), blocks, share=f"invoices {count}")


async def show_invoice(context: AsyncBoltContext, invoice_id: str) -> None:
    """One invoice; the short-lived download link goes only to the person who asked, never to a channel."""
    mine = context.get(SHARED_BY) is None
    invoice = await services(context).telnyx.invoice(invoice_id, link=mine)
    blocks = invoice_blocks(invoice, link_withheld=not mine)
    await answer(context, invoice_text(invoice), blocks, share=f"invoice {invoice_id}")


async def run_invoice(context: AsyncBoltContext, parsed: Parsed) -> None:
    """`invoice <id>`: one invoice with its download link."""
    if len(parsed.args) != 1 or parsed.options:
        await usage_error(
            context, "`invoice` needs exactly one invoice id", "an invoice id (a UUID)", EXAMPLE
        )
        return
    if not is_uuid(parsed.args[0]):
        await usage_error(
            context, f"`{parsed.args[0]}` is not an invoice id", "an invoice id (a UUID)", EXAMPLE
        )
        return
    await show_invoice(context, parsed.args[0].lower())


async def handle_download(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """An invoice's Download button: a fresh short-lived link, shown only to the clicker."""
    await ack()
    invoice_id = action_value(body)
    if is_uuid(invoice_id):  # otherwise not a value this app sends: nothing to answer
        await show_invoice(context, invoice_id)


async def handle_link_click(ack: AsyncAck) -> None:
    """A link button opens the URL in the browser; Slack still sends the click, which needs only an ack."""
    await ack()


SUBCOMMANDS = (
    Subcommand(
        "invoices",
        "/telnyx invoices [N]",
        f"The latest N invoices (default {INVOICES_DEFAULT}, at most {INVOICES_MAX}) with download buttons.",
        "/telnyx invoices 12",
        run_invoices,
    ),
    Subcommand(
        "invoice",
        "/telnyx invoice <id>",
        "One invoice with its download link (the link is shown only to you).",
        EXAMPLE,
        run_invoice,
    ),
)


def register(app: AsyncApp) -> None:
    """The Download button and the link buttons."""
    app.action(ids.ACTION_INVOICE_LINK)(handle_link_click)
    app.action(ids.ACTION_INVOICE_DOWNLOAD, middleware=[require(Permission.VIEW, "download an invoice")])(
        handle_download
    )
