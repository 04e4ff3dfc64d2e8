"""What each read command's answer shows: the right numbers, buttons and notes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot import ids
from bot.diagnosis import diagnose, summarize_failures
from bot.models import Adjustment, AuditChange, UserTags
from formatting import (
    UsageStats,
    audit_blocks,
    audit_text,
    balance_blocks,
    balance_text,
    charges_breakdown_blocks,
    charges_breakdown_text,
    charges_summary_blocks,
    charges_summary_text,
    invoice_blocks,
    invoice_text,
    invoices_blocks,
    invoices_text,
    tags_blocks,
    tags_text,
    usage_blocks,
    usage_text,
    webhook_blocks,
    webhook_text,
    webhooks_blocks,
    webhooks_text,
)
from tests.formatting import factories as f
from tests.formatting.checks import find_buttons, valid


def _balance(available: str, threshold: str = "50", **kw):
    return balance_blocks(
        f.balance(available),
        low_threshold=Decimal(threshold),
        fetched_at=f.T0,
        from_cache=kw.pop("from_cache", True),
        now=f.T0 + timedelta(seconds=12),
        **kw,
    )


def test_balance_shows_every_amount_and_the_buttons() -> None:
    blocks = _balance("400.00")
    text = valid(blocks)
    for expected in ("$300.00", "$400.00", "$100.00", "$10.00", "USD", "as of 12 s ago"):
        assert expected in text
    assert "low" not in text
    assert [b["action_id"] for b in find_buttons(blocks)] == [
        ids.ACTION_REQUEST_TOPUP,
        ids.ACTION_REFRESH_BALANCE,
    ]
    assert "$300.00" in balance_text(f.balance())


def test_low_balance_warning_edge_equal_is_not_low() -> None:
    # documented rule: warn only when available credit is strictly below the threshold
    assert "is low" not in valid(_balance("50.00"))
    below = valid(_balance("49.99"))
    assert "Available credit is low" in below and "$49.99 is below the $50.00 threshold" in below
    assert "below" in balance_text(f.balance("49.99"), low_threshold=Decimal(50))
    assert "below" not in balance_text(f.balance("50"), low_threshold=Decimal(50))


def test_balance_live_read_and_sandbox_mark() -> None:
    text = valid(_balance("400", from_cache=False, sandbox=True))
    assert "Fetched <!date^1714564800^" in text
    assert "as of" not in text
    assert "Sandbox data: not a real Telnyx account" in text


def test_negative_credit_shows_as_negative() -> None:
    text = valid(
        balance_blocks(
            f.balance("-20.5", balance=Decimal("-120.5")),
            low_threshold=Decimal(0),
            fetched_at=f.T0,
            from_cache=False,
        )
    )
    assert "-$120.50" in text and "-$20.50" in text and "is low" in text


def test_invoices_rows_have_download_buttons_and_say_showing() -> None:
    invoices = [f.invoice(i, paid=i != 0) for i in range(6)]
    blocks = invoices_blocks(invoices, total=30, fetched_at=f.T0)
    text = valid(blocks)
    assert "showing 6 of 30 invoices" in text
    assert "April 2024" in text and "Unpaid" in text and "Paid" in text
    buttons = find_buttons(blocks)
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.ACTION_INVOICE_DOWNLOAD, f"inv-{i:04d}") for i in range(6)
    ]
    assert all("url" not in b for b in buttons)  # a fresh link is fetched on click, for the clicker only
    assert "shown only to you" in text
    assert "30" in invoices_text(invoices, 30)


def test_no_invoices() -> None:
    assert "No invoices yet" in valid(invoices_blocks([], total=0, fetched_at=f.T0))


def test_invoice_with_link_and_without() -> None:
    url = "https://files.example.com/inv.pdf?sig=abc"
    blocks = invoice_blocks(f.invoice(0, download_url=url))
    valid(blocks)
    [link] = find_buttons(blocks)
    assert link["url"] == url and link["action_id"] == ids.ACTION_INVOICE_LINK
    assert url not in invoice_text(f.invoice(0, download_url=url))
    without = valid(invoice_blocks(f.invoice(0)))
    assert "no download link" in without


def test_charges_summary_totals_and_lines() -> None:
    text = valid(charges_summary_blocks(f.summary()))
    for expected in (
        "Charges: May 2024",
        "*New monthly (MRC)*\n$2.00",
        "*Existing monthly (MRC)*\n$10.00",
        "*One-time*\n$1.50",
        "*Other*\n$4.80",
        "*Credits*\n-$5.00",
        "*Adjustments*\n$0.00",
        "*Grand total*\n*$13.30*",
        "*SMS*: 1,200 × $4.80",
        "new 2 ($2.00) · existing 10 ($10.00) · total $12.00",
    ):
        assert expected in text
    assert "$13.30" in charges_summary_text(f.summary())


def test_charges_summary_with_adjustments() -> None:
    adj = [Adjustment(amount=Decimal("-3.25"), description="goodwill <credit>", event_date=f.T0.date())]
    text = valid(charges_summary_blocks(f.summary(adjustments=adj)))
    assert "goodwill &lt;credit&gt; -$3.25" in text and "1 adjustment" in text


def test_charges_breakdown_biggest_first_with_totals_and_csv() -> None:
    blocks = charges_breakdown_blocks(f.breakdown(20), top=5, csv_value="csv:2024-05")
    text = valid(blocks)
    assert "*Total*\n*$220.00*" in text  # 1+..+20 voice + 20 x 0.50
    assert text.index("`+15550000020`") < text.index("`+15550000019`")
    assert "+15550000015" not in text.replace("+155500000150", "")
    assert "showing 5 of 20 numbers" in text
    assert "• Voice: $210.00" in text and "• Messaging: $10.00" in text
    [csv] = find_buttons(blocks)
    assert (csv["action_id"], csv["value"]) == (ids.ACTION_CHARGES_CSV, "csv:2024-05")
    assert "$220.00" in charges_breakdown_text(f.breakdown(20))


def test_usage_stats_records_and_paging() -> None:
    stats = UsageStats(
        count=45, total_cost=Decimal("0.2295"), currency="USD", by_status={"delivered": 30, "failed": 15}
    )
    blocks = usage_blocks(
        "messaging",
        "last 7 days",
        f.records(20, page=2, total=45),
        stats,
        nav_value_prev="p1",
        nav_value_next="p3",
        export_value="export",
    )
    text = valid(blocks)
    assert "*Records*\n45" in text and "*Total cost*\n$0.2295" in text
    assert "delivered 30, failed 15" in text
    assert "Records 21–40 of 45 (page 2 of 3)" in text
    assert "$0.0051" in text and "`rec-0`" in text
    assert [(b["action_id"], b["value"]) for b in find_buttons(blocks)] == [
        (ids.ACTION_USAGE_PREV, "p1"),
        (ids.ACTION_USAGE_NEXT, "p3"),
        (ids.ACTION_USAGE_EXPORT, "export"),
    ]
    first_page = usage_blocks(
        "messaging", "x", f.records(3), stats, nav_value_prev=None, nav_value_next=None, export_value="e"
    )
    assert [b["action_id"] for b in find_buttons(first_page)] == [ids.ACTION_USAGE_EXPORT]
    assert "45 records" in usage_text("messaging", "last 7 days", stats)


def test_usage_without_records() -> None:
    stats = UsageStats(count=0, total_cost=Decimal(0))
    text = valid(
        usage_blocks(
            "messaging",
            "today",
            f.records(0),
            stats,
            nav_value_prev=None,
            nav_value_next=None,
            export_value="e",
        )
    )
    assert "No records match" in text


def test_audit_who_what_when_old_new() -> None:
    changes = [
        AuditChange(field="threshold_amount", old="10.00", new="25.00"),
        AuditChange(field="config", old={"a": [1, 2]}, new=None),
    ]
    text = valid(audit_blocks([f.audit_event(0, changes)], total=3, period_label="May 2024"))
    assert "An organization member" in text and "update" in text
    assert "<!date^1714564800^" in text
    assert "`threshold_amount`: 10.00 → 25.00" in text
    assert '`config`: {"a":[1,2]} → (none)' in text
    assert "showing 1 of 3 change events" in text
    assert "3 change events" in audit_text([f.audit_event()], total=3)


def test_tags_lists_and_prefix() -> None:
    tags = UserTags(number_tags=["Team-A", "team-b", "other"], outbound_profile_tags=["team-x"])
    text = valid(
        tags_blocks(tags, prefix="team", fetched_at=f.T0, from_cache=True, now=f.T0 + timedelta(seconds=3))
    )
    assert "`Team-A`, `team-b`" in text and "other" not in text
    assert "`team-x`" in text and "Tags starting with `team`" in text and "as of 3 s ago" in text
    assert "2 number tags, 1 outbound profile tags" in tags_text(tags, "team")


def test_webhooks_list_with_summary_and_diagnose_buttons() -> None:
    deliveries = [
        f.delivery(f.attempt(http=503), id="d-1"),
        f.delivery(f.attempt(http=503), id="d-2"),
        f.delivery(f.attempt(status="delivered", http=200), id="d-3", event_type="call.initiated"),
    ]
    summary = summarize_failures(deliveries)
    blocks = webhooks_blocks(deliveries, total=40, summary=summary, filter_label="all last 7 days")
    text = valid(blocks)
    assert "showing 3 of 40 deliveries" in text
    assert "(2 of 3 deliveries failed)" in text
    assert "`hooks.example.com/telnyx`: 2 × server error (5xx)" in text
    assert "call.initiated" in text and "1 attempt · last: HTTP 200" in text
    assert [(b["action_id"], b["value"]) for b in find_buttons(blocks)] == [
        (ids.ACTION_WEBHOOK_DETAIL, d) for d in ("d-1", "d-2", "d-3")
    ]
    fallback = webhooks_text(deliveries, total=40, summary=summary, filter_label="all")
    assert "40 found" in fallback and "server error (5xx)" in fallback


def test_webhook_diagnosis_timeline_response_payload_verdict() -> None:
    d = f.delivery(
        f.attempt(http=503, body='{"error": "db down"}', seconds=0.36),
        f.attempt(errors=[75003], seconds=10, at=f.T0 + timedelta(minutes=1)),
    )
    blocks = webhook_blocks(d, diagnose(d))
    text = valid(blocks)
    assert "The endpoint answered too slowly" in text and "*What to do:*" in text
    assert (
        "1. <!date^1714564800^{date_short_pretty} {time_secs}|2024-05-01 12:00 UTC> · 360 ms · :x: HTTP 503"
        in text
    )
    assert "2. <!date^1714564860^" in text and "10.0 s · :x: timeout (75003)" in text
    assert "*Last response* (attempt 1): HTTP 503" in text and '"error": "db down"' in text
    assert '"to": "+15551234567"' in text  # the payload, pretty printed
    assert "`https://hooks.example.com/telnyx`" in text
    assert "answered too slowly" in webhook_text(d, diagnose(d))


def test_webhook_without_any_http_answer() -> None:
    d = f.delivery(f.attempt(errors=[75001]))
    text = valid(webhook_blocks(d, diagnose(d)))
    assert "no attempt got an HTTP answer" in text and "does not resolve" in text
