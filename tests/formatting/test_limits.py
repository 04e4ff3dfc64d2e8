"""Property tests: for any input size and any text, every builder stays valid and within Slack's limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import diagnose, summarize_failures
from bot.errors import FieldProblem, TelnyxInvalidInput
from bot.models import (
    Adjustment,
    AuditChange,
    AuditEvent,
    Balance,
    ChargesBreakdown,
    ChargesSummary,
    ChargesTotals,
    DeliveryAttempt,
    DetailRecord,
    DetailRecordPage,
    Invoice,
    NumberCharges,
    Page,
    ServiceCharge,
    SummaryLine,
    UserTags,
    WebhookDelivery,
)
from formatting import (
    MAX_BLOCKS,
    HelpEntry,
    UsageStats,
    audit_blocks,
    balance_blocks,
    channel_copy,
    charges_breakdown_blocks,
    charges_summary_blocks,
    error_blocks,
    freshness_context,
    help_blocks,
    invoice_blocks,
    invoices_blocks,
    sandbox_context,
    shared_by_context,
    tags_blocks,
    unknown_command_blocks,
    usage_blocks,
    usage_error_blocks,
    webhook_blocks,
    webhooks_blocks,
    with_share_button,
)
from tests.formatting.checks import valid
from tests.formatting.factories import T0, json_values, long_text, money_st, text, times

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
ids_st = st.text(min_size=1, max_size=2500)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
currency = st.sampled_from(["USD", "EUR", "JPY", "xx", ""]) | st.text(max_size=8)
counts = st.integers(min_value=0, max_value=10**7)
big_money = st.decimals(
    allow_nan=False, allow_infinity=False, places=6, min_value=Decimal("-1e30"), max_value=Decimal("1e30")
)


def full_message(blocks) -> None:
    """The answer as the channel sees it still fits: shared-by line, sandbox mark and share button."""
    decorated = with_share_button(
        [shared_by_context("U123ABC"), *blocks, freshness_context(T0, from_cache=True), sandbox_context()],
        "x" * 2000,
    )
    assert len(decorated) <= MAX_BLOCKS
    valid(decorated, budget=MAX_BLOCKS)
    valid(channel_copy(decorated, "U999"), budget=MAX_BLOCKS)


@FAST
@given(
    st.builds(
        Balance,
        balance=big_money,
        available_credit=big_money,
        credit_limit=big_money,
        pending=big_money,
        currency=currency,
    ),
    big_money,
    times,
    st.booleans(),
)
def test_balance_any(balance: Balance, threshold: Decimal, fetched_at, cached: bool) -> None:
    blocks = balance_blocks(
        balance, low_threshold=threshold, fetched_at=fetched_at, from_cache=cached, sandbox=True
    )
    valid(blocks)
    full_message(blocks)


invoice_st = st.builds(
    Invoice,
    invoice_id=ids_st,
    period_start=dates,
    period_end=dates,
    paid=st.booleans(),
    download_url=st.none() | st.text(max_size=4000).map(lambda s: "https://x/" + s),
)


@FAST
@given(st.lists(invoice_st, max_size=60), counts, times)
def test_invoices_any(invoices: list[Invoice], total: int, fetched_at) -> None:
    blocks = invoices_blocks(invoices, total=total, fetched_at=fetched_at)
    valid(blocks)
    full_message(blocks)
    if invoices:
        valid(invoice_blocks(invoices[0]))


line_st = st.builds(
    SummaryLine,
    type=st.sampled_from(["simple", "comparative"]),
    name=long_text,
    alias=text,
    quantity=st.none() | counts,
    amount=st.none() | money_st,
    new_quantity=st.none() | counts,
    new_amount=st.none() | money_st,
    existing_quantity=st.none() | counts,
    existing_amount=st.none() | money_st,
)
totals_st = st.builds(
    ChargesTotals,
    new_mrc=money_st,
    new_otc=money_st,
    existing_mrc=money_st,
    other=money_st,
    credits=money_st,
    ledger_adjustments=money_st,
    grand_total=money_st,
)


@FAST
@given(
    st.builds(
        ChargesSummary,
        start_date=dates,
        end_date=dates,
        currency=currency,
        user_email=long_text,
        lines=st.lists(line_st, max_size=300),
        adjustments=st.lists(
            st.builds(Adjustment, amount=money_st, description=long_text, event_date=dates), max_size=80
        ),
        totals=totals_st,
    )
)
def test_charges_summary_any(summary: ChargesSummary) -> None:
    blocks = charges_summary_blocks(summary)
    valid(blocks)
    full_message(blocks)


service_st = st.builds(ServiceCharge, name=text, cost_type=text, cost=money_st)
number_st = st.builds(NumberCharges, tn=text, charge_type=text, services=st.lists(service_st, max_size=20))


@FAST
@given(
    st.builds(
        ChargesBreakdown,
        start_date=dates,
        end_date=dates,
        currency=currency,
        results=st.lists(number_st, max_size=150),
    ),
    st.integers(min_value=0, max_value=500),
    st.text(max_size=2000),
)
def test_charges_breakdown_any(b: ChargesBreakdown, top: int, csv_value: str) -> None:
    blocks = charges_breakdown_blocks(b, top=top, csv_value=csv_value)
    valid(blocks)
    full_message(blocks)


record_st = st.builds(
    DetailRecord,
    id=ids_st,
    record_type=text,
    created_at=st.none() | times,
    status=st.none() | text,
    direction=st.none() | text,
    cost=st.none() | money_st,
    currency=st.none() | currency,
    raw=st.dictionaries(
        st.sampled_from(["to", "from", "cli", "other"]), st.text(max_size=500) | st.integers()
    ),
)
page_st = st.builds(
    Page,
    number=st.integers(0, 10**6),
    size=st.integers(0, 100),
    total_pages=st.integers(0, 10**6),
    total_results=counts,
)


@FAST
@given(
    text,
    long_text,
    st.builds(DetailRecordPage, records=st.lists(record_st, max_size=60), page=page_st),
    st.builds(
        UsageStats,
        count=counts,
        total_cost=big_money,
        currency=currency,
        by_status=st.dictionaries(text, counts, max_size=40),
    ),
    st.none() | st.text(max_size=2000),
    st.none() | st.text(max_size=2000),
    st.text(max_size=2000),
)
def test_usage_any(record_type, period_label, page, stats, prev, nxt, export) -> None:
    blocks = usage_blocks(
        record_type, period_label, page, stats, nav_value_prev=prev, nav_value_next=nxt, export_value=export
    )
    valid(blocks)
    full_message(blocks)


event_st = st.builds(
    AuditEvent,
    id=text,
    created_at=times,
    change_made_by=st.none() | st.sampled_from(["telnyx", "account_owner"]) | text,
    change_type=st.none() | text,
    resource_id=st.none() | long_text,
    user_id=st.none() | text,
    changes=st.lists(st.builds(AuditChange, field=text, old=json_values, new=json_values), max_size=13),
)


@FAST
@given(st.lists(event_st, max_size=22), counts, text)
def test_audit_any(events: list[AuditEvent], total: int, label: str) -> None:
    blocks = audit_blocks(events, total=total, period_label=label)
    valid(blocks)
    full_message(blocks)


@FAST
@given(
    st.builds(
        UserTags,
        number_tags=st.lists(st.text(max_size=300), max_size=400),
        outbound_profile_tags=st.lists(st.text(max_size=300), max_size=400),
    ),
    st.none() | text,
    times,
)
def test_tags_any(tags: UserTags, prefix, fetched_at) -> None:
    blocks = tags_blocks(tags, prefix=prefix, fetched_at=fetched_at)
    valid(blocks)
    full_message(blocks)


attempt_st = st.builds(
    DeliveryAttempt,
    status=st.none() | st.sampled_from(["delivered", "failed"]),
    started_at=st.none() | times,
    finished_at=st.none() | times,
    errors=st.lists(st.sampled_from([75001, 75002, 75003, 75004, 75499, 1, 99999]), max_size=3),
    request_url=st.none()
    | st.text(max_size=3000)
    | st.text(max_size=200).map(lambda s: "https://h.example.com/" + s),
    response_status=st.none() | st.integers(100, 599),
    response_body=st.none() | st.text(max_size=3000) | st.just("<!channel> ```" * 1000),
)
delivery_st = st.builds(
    WebhookDelivery,
    id=ids_st,
    status=st.sampled_from(["delivered", "failed"]),
    started_at=st.none() | times,
    event_type=st.none() | long_text,
    event_id=st.none() | text,
    occurred_at=st.none() | times,
    payload=st.dictionaries(st.text(max_size=50), json_values, max_size=20),
    attempts=st.lists(attempt_st, max_size=20),
)


@FAST
@given(st.lists(delivery_st, max_size=25), counts, long_text)
def test_webhooks_any(deliveries: list[WebhookDelivery], total: int, label: str) -> None:
    blocks = webhooks_blocks(
        deliveries, total=total, summary=summarize_failures(deliveries), filter_label=label
    )
    valid(blocks)
    full_message(blocks)


@FAST
@given(delivery_st)
def test_webhook_any(delivery: WebhookDelivery) -> None:
    blocks = webhook_blocks(delivery, diagnose(delivery))
    text = valid(blocks)
    full_message(blocks)
    if delivery.attempts:  # the latest attempt is always in the timeline
        assert f"\n{len(delivery.attempts)}. " in text


@FAST
@given(
    st.lists(st.builds(HelpEntry, usage=long_text, description=long_text, example=long_text), max_size=80),
    long_text,
    st.none() | long_text,
)
def test_help_any(entries: list[HelpEntry], given_text: str, suggestion) -> None:
    valid(help_blocks(entries))
    valid(unknown_command_blocks(given_text, suggestion, entries))
    valid(usage_error_blocks(given_text, given_text, given_text))


@FAST
@given(
    st.lists(
        st.builds(FieldProblem, title=long_text, detail=long_text, field=st.none() | long_text), max_size=100
    ),
    st.none() | st.integers(100, 599),
)
def test_errors_any(problems: list[FieldProblem], status) -> None:
    blocks = error_blocks(TelnyxInvalidInput(status=status, problems=problems))
    valid(blocks)
    full_message(blocks)


# Deterministic huge inputs: the caps are reached and the answer says how much is shown.


def test_huge_invoice_list_is_capped_at_24() -> None:
    from tests.formatting.factories import T0, invoice

    blocks = invoices_blocks([invoice(i) for i in range(300)], total=300, fetched_at=T0)
    assert "showing 24 of 300 invoices" in valid(blocks)


def test_huge_tag_lists_fit_one_section_each() -> None:
    from tests.formatting.factories import T0

    tags = UserTags(
        number_tags=[f"tag-{i:05d}-" + "x" * 100 for i in range(10_000)], outbound_profile_tags=["a"]
    )
    text = valid(tags_blocks(tags, prefix=None, fetched_at=T0))
    assert "of 10,000 tags_" in text and "_1 tag_" in text


def test_huge_summary_and_breakdown() -> None:
    from tests.formatting.factories import breakdown, summary

    lines = [
        SummaryLine(type="simple", name=f"line {i}", alias="L" * 500 + str(i), amount=Decimal(i))
        for i in range(2000)
    ]
    text = valid(charges_summary_blocks(summary(lines=lines)))
    assert "showing " in text and "of 2,000 summary lines" in text
    text = valid(charges_breakdown_blocks(breakdown(5000), top=15, csv_value="v"))
    assert "showing 15 of 5,000 numbers" in text


def test_huge_webhook_listing_and_diagnosis() -> None:
    from datetime import timedelta

    from tests.formatting.factories import T0, attempt, delivery

    many = [
        delivery(
            *(attempt(http=500 + i % 4, body="b" * 10_000, at=T0 + timedelta(seconds=a)) for a in range(100)),
            id=f"d{i}",
        )
        for i in range(60)
    ]
    blocks = webhooks_blocks(many, total=5000, summary=summarize_failures(many), filter_label="failed")
    text = valid(blocks)
    assert "showing 20 of 5,000 deliveries" in text
    text = valid(webhook_blocks(many[0], diagnose(many[0])))
    assert "showing 15 of 100 attempts, the latest" in text and "_truncated: showing" in text
    assert "\n100. <!date^" in text and "\n86. <!date^" in text and "\n85. " not in text


def test_huge_audit_and_usage() -> None:
    from tests.formatting.factories import audit_event, records

    events = [
        audit_event(i, [AuditChange(field=f"f{j}", old="o" * 500, new=list(range(100))) for j in range(50)])
        for i in range(200)
    ]
    text = valid(audit_blocks(events, total=10_000, period_label="p"))
    assert "showing 20 of 10,000 change events" in text and "more changes" in text
    page = records(50, total=100_000, size=50)
    stats = UsageStats(
        count=100_000, total_cost=Decimal("510.00"), by_status={f"s{i}": i for i in range(100)}
    )
    text = valid(
        usage_blocks("messaging", "p", page, stats, nav_value_prev=None, nav_value_next="n", export_value="e")
    )
    assert "Records 1–50 of 100,000 (page 1 of 2,000)" in text and "+92 more" in text
