"""Account-wide reads: `balance`, `invoices [N]`, `invoice <id>`, `tags [prefix]`, and their buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.parsing import Parsed
from bot.uuids import is_uuid
from formatting.balance import balance_blocks, balance_text
from formatting.invoices import invoice_blocks, invoice_text, invoices_blocks, invoices_text
from formatting.tags import tags_blocks, tags_text
from handlers.common import Req, answer, rendered, tracked, usage_error
from handlers.guard import on_click
from handlers.registry import Subcommand

INVOICES_DEFAULT, INVOICES_MAX = 6, 24


async def run_balance(req: Req, parsed: Parsed, *, replace: bool = False) -> None:
    """Reply with the balance, available credit, credit limit and pending amount."""
    if parsed.args or parsed.options:
        await usage_error(req, "`balance` takes no arguments", "`/telnyx balance`", "/telnyx balance")
        return
    fresh = await req.svc.telnyx.balance()
    now = req.svc.clock()
    threshold = req.svc.settings.low_balance_threshold

    def build() -> tuple[str, list[Any]]:
        blocks = balance_blocks(
            fresh.value,
            low_threshold=threshold,
            fetched_at=fresh.fetched_at,
            from_cache=fresh.from_cache,
            now=now,
        )
        return balance_text(fresh.value), blocks

    # "as of N s ago" changes each second: the rendering is shared within one
    key = ("balance", fresh.fetched_at, fresh.from_cache, int(now.timestamp()))
    text, blocks = rendered(req, key, (fresh.value,), build)
    await answer(req, text, blocks, share="balance", replace=replace)


async def run_invoices(req: Req, parsed: Parsed) -> None:
    """Reply with the latest N invoices, each with a download button."""
    accepted = f"a number of invoices from 1 to {INVOICES_MAX} (default {INVOICES_DEFAULT})"
    if parsed.options or len(parsed.args) > 1:
        await usage_error(req, "`invoices` takes at most one number", accepted, "/telnyx invoices 12")
        return
    count = INVOICES_DEFAULT
    if parsed.args:
        raw = parsed.args[0]
        if not raw.isdigit() or not 1 <= int(raw) <= INVOICES_MAX:
            await usage_error(req, f"`{raw}` is not a number of invoices", accepted, "/telnyx invoices 12")
            return
        count = int(raw)
    fresh = await req.svc.telnyx.invoices(page=1, size=count)
    page, now = fresh.value, req.svc.clock()

    def build() -> tuple[str, list[Any]]:
        total = page.page.total_results
        blocks = invoices_blocks(
            page.invoices, total=total, fetched_at=fresh.fetched_at, from_cache=fresh.from_cache, now=now
        )
        return invoices_text(page.invoices, total=total), blocks

    key = ("invoices", count, fresh.fetched_at, fresh.from_cache, int(now.timestamp()))
    text, blocks = rendered(req, key, (page,), build)
    await answer(req, text, blocks, share=f"invoices {count}")


async def show_invoice(req: Req, invoice_id: str) -> None:
    """Reply with one invoice; the short-lived download link goes only to the person who asked, never to a channel."""
    invoice = await req.svc.telnyx.invoice(invoice_id, link=req.shared_by is None)
    await answer(req, invoice_text(invoice), invoice_blocks(invoice), share=f"invoice {invoice_id}")


async def run_invoice(req: Req, parsed: Parsed) -> None:
    """`invoice <id>`: one invoice with its download link."""
    example = "/telnyx invoice 3fa85f64-5717-4562-b3fc-2c963f66afa6"
    if len(parsed.args) != 1 or parsed.options:
        await usage_error(req, "`invoice` needs exactly one invoice id", "an invoice id (a UUID)", example)
        return
    if not is_uuid(parsed.args[0]):
        await usage_error(req, f"`{parsed.args[0]}` is not an invoice id", "an invoice id (a UUID)", example)
        return
    await show_invoice(req, parsed.args[0].lower())


async def run_tags(req: Req, parsed: Parsed) -> None:
    """`tags [prefix]`: number tags and outbound profile tags."""
    if parsed.options or len(parsed.args) > 1:
        await usage_error(
            req,
            "`tags` takes at most one prefix",
            "a tag prefix (quote it if it has spaces)",
            "/telnyx tags prod",
        )
        return
    prefix = parsed.args[0] if parsed.args else None
    if prefix is not None and len(prefix) > 100:
        await usage_error(
            req, "the tag prefix is too long", "a prefix of at most 100 characters", "/telnyx tags prod"
        )
        return
    fresh = await req.svc.telnyx.user_tags(prefix)
    blocks = tags_blocks(
        fresh.value,
        prefix=prefix,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
        now=req.svc.clock(),
    )
    share = "tags" + (f' "{prefix}"' if prefix else "")
    await answer(req, tags_text(fresh.value, prefix=prefix), blocks, share=share)


@on_click(Permission.VIEW, "refresh the balance")
async def handle_refresh(req: Req, _value: str) -> None:
    """The balance's Refresh button: drop the cached balance and redraw the same message."""
    await req.svc.telnyx.invalidate("balance")
    await run_balance(req, Parsed("balance"), replace=True)


@on_click(Permission.VIEW, "download an invoice", valid=is_uuid)
async def handle_invoice_download(req: Req, invoice_id: str) -> None:
    """An invoice's Download button: a fresh short-lived link, shown only to the clicker."""
    await show_invoice(req, invoice_id)


SUBCOMMANDS = [
    Subcommand(
        "balance",
        "/telnyx balance",
        "Balance, available credit, credit limit and pending amount.",
        "/telnyx balance",
        run_balance,
    ),
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
        "/telnyx invoice 3fa85f64-5717-4562-b3fc-2c963f66afa6",
        run_invoice,
    ),
    Subcommand(
        "tags",
        "/telnyx tags [prefix]",
        "Number tags and outbound profile tags.",
        "/telnyx tags prod",
        run_tags,
    ),
]


@tracked
async def handle_link_click(ack: AsyncAck, context: AsyncBoltContext) -> None:
    """A link button opens the URL in the browser; Slack still sends the click, which needs only an ack."""
    await ack()


def register(app: Any) -> None:
    """Buttons of these answers."""
    app.action(ids.ACTION_INVOICE_LINK)(handle_link_click)
    app.action(ids.ACTION_REFRESH_BALANCE)(handle_refresh)
    app.action(ids.ACTION_INVOICE_DOWNLOAD)(handle_invoice_download)
