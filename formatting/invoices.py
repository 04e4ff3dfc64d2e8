"""`/telnyx invoices [N]` and `/telnyx invoice <id>`: periods, paid or not, download buttons."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from bot import ids
from bot.models import Invoice
from formatting.layout import (
    BLOCK_BUDGET,
    BUTTON_URL,
    actions,
    button,
    context,
    fallback,
    fields_section,
    fits_value,
    header,
    section,
)
from formatting.text import escape, escape_truncated, freshness_line, inline_code, period_label, showing

MAX_INVOICES = 24  # the product's cap for `invoices N`
PERSONAL_LINK_NOTE = "Download links are short lived and shown only to you."


def _status(invoice: Invoice) -> str:
    return ":white_check_mark: Paid" if invoice.paid else ":hourglass_flowing_sand: Unpaid"


def _period(invoice: Invoice) -> str:
    # invoice periods are inclusive on both ends (2023-11-01 .. 2023-11-30)
    return period_label(invoice.period_start, invoice.period_end, end_exclusive=False)


def invoices_blocks(
    invoices: list[Invoice],
    *,
    total: int,
    fetched_at: datetime,
    from_cache: bool = False,
    now: datetime | None = None,
) -> list[Block]:
    """The latest invoices, one row each with period, paid or unpaid, and a Download button."""
    # header, summary context and closing context take 3 blocks; rows get the rest
    room = min(MAX_INVOICES, BLOCK_BUDGET - 3)
    shown = invoices[:room]
    total = max(total, len(invoices))
    blocks: list[Block] = [
        header("Telnyx invoices"),
        context(
            showing(len(shown), total, "invoice"), freshness_line(fetched_at, from_cache=from_cache, now=now)
        ),
    ]
    if not shown:
        blocks.append(section("No invoices yet."))
        return blocks
    for invoice in shown:
        accessory = None
        if fits_value(invoice.invoice_id):
            accessory = button("Download", ids.ACTION_INVOICE_DOWNLOAD, value=invoice.invoice_id)
        blocks.append(
            section(
                f"*{escape(_period(invoice))}* · {_status(invoice)}\n{inline_code(invoice.invoice_id, 120)}",
                accessory=accessory,
            )
        )
    blocks.append(context(PERSONAL_LINK_NOTE))
    return blocks


def invoices_text(invoices: list[Invoice], total: int | None = None) -> str:
    """Plain fallback for invoices_blocks."""
    total = max(total or 0, len(invoices))
    if not invoices:
        return "No Telnyx invoices yet."
    latest = invoices[0]
    paid = "paid" if latest.paid else "unpaid"
    return fallback(escape(f"Telnyx invoices: {plural_total(total)}; latest {_period(latest)} ({paid})."))


def plural_total(total: int) -> str:
    """ "1 invoice" / "12 invoices"."""
    return showing(total, total, "invoice")


def invoice_blocks(invoice: Invoice, *, link_withheld: bool = False) -> list[Block]:
    """One invoice with its short-lived download link as a link button (show it only to the asker).

    `link_withheld`: the answer goes to a channel, so no link was asked for on purpose; it says how each
    reader gets their own, and offers the Download button that gives one to whoever clicks it.
    """
    blocks: list[Block] = [
        header(f"Invoice {_period(invoice)}"),
        fields_section(
            [
                ("Period", escape(_period(invoice))),
                ("Status", _status(invoice)),
                ("Invoice id", inline_code(invoice.invoice_id, 300)),
            ]
        ),
    ]
    url = invoice.download_url
    if link_withheld:
        own = inline_code(f"/telnyx invoice {invoice.invoice_id}", 300)
        accessory = None
        if fits_value(invoice.invoice_id):
            accessory = button("Download", ids.ACTION_INVOICE_DOWNLOAD, value=invoice.invoice_id)
        blocks.append(
            section(
                ":lock: The download link is private: Telnyx's links are short lived, so the bot gives one "
                f"only to the person who asks. Get your own with {own}"
                + (" or the Download button." if accessory else "."),
                accessory=accessory,
            )
        )
    elif url and len(url) <= BUTTON_URL and url.startswith(("https://", "http://")):
        blocks.append(actions(button("Download PDF", ids.ACTION_INVOICE_LINK, url=url, style="primary")))
        blocks.append(context(PERSONAL_LINK_NOTE + " Ask again for a fresh one if it has expired."))
    else:
        blocks.append(
            section(
                "Telnyx gave no download link for this invoice. Try again in a minute, or download it "
                "from the Telnyx portal (Billing › Invoices)."
            )
        )
    return blocks


def invoice_text(invoice: Invoice) -> str:
    """Plain fallback for invoice_blocks (never contains the download link)."""
    paid = "paid" if invoice.paid else "unpaid"
    return fallback(escape_truncated(f"Telnyx invoice {_period(invoice)} ({paid})", 3000))
