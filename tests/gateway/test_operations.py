"""Every gateway operation against the sandbox: typed answers, Decimal money, the request on the wire."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources

import pytest

from bot.cache import Fresh
from bot.config import Settings
from bot.errors import ConfigError, TelnyxInvalidInput
from bot.models import AutoRechargeChange, Balance, DeliveryAttempt
from bot.telnyx_client import DATE_RANGES, RECORD_TYPES, TelnyxGateway
from devkit.sandbox import Sandbox
from formatting import telnyx_errors as words

from .conftest import KEY


def last_query(sb: Sandbox) -> dict[str, str]:
    return dict(sb.requests[-1].query)


async def test_balance_is_decimal_and_matches_the_account(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    fresh = await gateway.balance()
    assert isinstance(fresh, Fresh) and isinstance(fresh.value, Balance) and not fresh.from_cache
    b = fresh.value
    assert all(isinstance(v, Decimal) for v in (b.balance, b.available_credit, b.credit_limit, b.pending))
    assert (b.balance, b.available_credit, b.pending) == (
        sandbox.state.balance,
        sandbox.state.available_credit,
        sandbox.state.pending,
    )
    assert b.currency == "USD"
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/v2/balance")]


async def test_auto_recharge_prefs(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    prefs = (await gateway.auto_recharge_prefs()).value
    assert prefs.threshold_amount == sandbox.state.auto_recharge["threshold_amount"]
    assert isinstance(prefs.threshold_amount, Decimal) and isinstance(prefs.recharge_amount, Decimal)
    assert prefs.enabled is sandbox.state.auto_recharge["enabled"]
    assert sandbox.requests[-1].path == "/v2/payment/auto_recharge_prefs"


async def test_update_auto_recharge_prefs_sends_only_the_set_fields_as_decimal_strings(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    change = AutoRechargeChange(threshold_amount=Decimal("75"), enabled=False)
    prefs = await gateway.update_auto_recharge_prefs(change)
    assert (prefs.threshold_amount, prefs.enabled) == (Decimal("75.00"), False)
    request = sandbox.requests[-1]
    assert (request.method, request.path) == ("PATCH", "/v2/payment/auto_recharge_prefs")
    assert request.json == {"threshold_amount": "75.00", "enabled": False}
    assert sandbox.state.auto_recharge["threshold_amount"] == Decimal("75.00")


async def test_invoices_newest_first_paged_on_the_wire(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    first = (await gateway.invoices(page=1, size=5)).value
    assert last_query(sandbox) == {"page[number]": "1", "page[size]": "5", "sort": "-period_start"}
    second = (await gateway.invoices(page=2, size=5)).value
    starts = [i.period_start for i in first.invoices + second.invoices]
    assert starts == sorted(starts, reverse=True) and len(starts) == 10
    assert first.page.total_results == len(sandbox.state.invoices)
    assert first.page.total_pages == -(-len(sandbox.state.invoices) // 5)


async def test_invoice_with_and_without_a_download_link(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    invoice_id = sandbox.state.first_unpaid_invoice_id
    plain = await gateway.invoice(invoice_id)
    assert plain.invoice_id == invoice_id and plain.paid is False and plain.download_url is None
    assert "action" not in last_query(sandbox)
    linked = await gateway.invoice(invoice_id, link=True)
    assert linked.download_url and last_query(sandbox) == {"action": "link"}
    assert sandbox.request_count("/v2/invoices/") == 2  # a link is never served from a cache


async def test_charges_summary(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    start = sandbox.state.now.date().replace(day=1)
    summary = await gateway.charges_summary(start, start + timedelta(days=28))
    assert (summary.start_date, summary.end_date) == (start, start + timedelta(days=28))
    assert last_query(sandbox) == {
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=28)).isoformat(),
    }
    assert summary.lines and all(isinstance(line.total, Decimal) for line in summary.lines)
    assert all(isinstance(v, Decimal) for v in summary.totals.model_dump().values())


async def test_charges_breakdown_with_and_without_an_end(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    start = date(sandbox.state.now.year, sandbox.state.now.month, 1)
    month = await gateway.charges_breakdown(start)
    assert last_query(sandbox) == {"start_date": start.isoformat()}
    assert month.results and all(isinstance(s.cost, Decimal) for r in month.results for s in r.services)
    week = await gateway.charges_breakdown(start, start + timedelta(days=7))
    assert week.end_date == start + timedelta(days=7)


async def test_detail_records_filters_go_out_as_deep_objects(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    page = await gateway.detail_records(
        "messaging", filters={"status": "failed", "cli[starts_with]": "+1"}, size=5
    )
    assert last_query(sandbox) == {
        "filter[record_type]": "messaging",
        "filter[status]": "failed",
        "filter[cli][starts_with]": "+1",
        "page[number]": "1",
        "page[size]": "5",
    }
    failed = [
        r
        for r in sandbox.state.detail_records
        if r["record_type"] == "message_detail_record" and r["status"] == "failed"
    ]
    assert page.page.total_results == len(failed) > 0
    assert all(r.status == "failed" and isinstance(r.cost, Decimal) for r in page.records)
    assert all(r.created_at is not None and r.created_at.tzinfo == UTC for r in page.records)


async def test_detail_records_date_range_and_voice_time_window(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    recent = await gateway.detail_records("messaging", date_range="last_7_days", size=50)
    assert last_query(sandbox)["filter[date_range]"] == "last_7_days"
    cutoff = sandbox.state.now - timedelta(days=8)
    assert recent.records and all(r.created_at and r.created_at >= cutoff for r in recent.records)

    end = sandbox.state.now
    start = end - timedelta(days=10)
    calls = await gateway.detail_records("call-control", start=start, end=end, sort="started_at", size=50)
    query = last_query(sandbox)
    assert query["filter[started_at][gte]"].endswith("Z") and "filter[started_at][lte]" in query
    assert query["sort"] == "started_at"
    times = [r.created_at for r in calls.records]
    assert times and times == sorted(times) and all(start <= t <= end for t in times if t)


async def test_audit_events_newest_first_and_filtered(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    events = (await gateway.audit_events(size=50)).events
    assert events and [e.created_at for e in events] == sorted((e.created_at for e in events), reverse=True)
    after = events[len(events) // 2].created_at
    newer = await gateway.audit_events(created_after=after, sort="asc", size=50)
    assert last_query(sandbox)["filter[created_after]"] == after.isoformat().replace("+00:00", "Z")
    assert newer.events and all(e.created_at > after for e in newer.events)


async def test_user_tags_by_prefix(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    everything = (await gateway.user_tags()).value
    assert everything.number_tags == sandbox.state.number_tags
    sales = (await gateway.user_tags("sales")).value
    assert last_query(sandbox) == {"filter[starts_with]": "sales"}
    assert sales.number_tags and all(
        t.startswith("sales") for t in sales.number_tags + sales.outbound_profile_tags
    )


async def test_webhook_deliveries_and_one_delivery(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    since = sandbox.state.now - timedelta(days=30)
    failed = await gateway.webhook_deliveries(status="failed", started_after=since, size=3)
    query = last_query(sandbox)
    assert query["filter[status][eq]"] == "failed" and query["filter[started_at][gte]"].endswith("Z")
    assert [d.id for d in failed.deliveries] == [
        i for i in sandbox.state.failed_delivery_ids() if i in {d.id for d in failed.deliveries}
    ]
    assert failed.deliveries and all(d.status == "failed" for d in failed.deliveries)
    one = await gateway.webhook_delivery(failed.deliveries[0].id)
    assert one.id == failed.deliveries[0].id and one.event_type
    assert one.attempts and all(isinstance(a, DeliveryAttempt) and a.started_at for a in one.attempts)
    assert all(isinstance(code, int) for a in one.attempts for code in a.errors)


async def test_create_payment_raises_the_balance_by_exactly_the_amount(
    sandbox: Sandbox, gateway: TelnyxGateway
) -> None:
    before = sandbox.state.balance
    result = await gateway.create_payment(Decimal("120"), idempotency_key="topup-ops-1")
    assert result.amount == Decimal("120.00") and isinstance(result.amount, Decimal)
    assert result.currency == "USD" and result.id and result.created_at and result.created_at.tzinfo == UTC
    assert sandbox.state.balance == before + Decimal("120.00")
    assert sandbox.requests[-1].json == {"amount": "120.00"}
    assert sandbox.requests[-1].idempotency_key == "topup-ops-1"


@pytest.mark.parametrize(
    "call",
    [
        lambda gw: gw.invoice("../balance"),
        lambda gw: gw.webhook_delivery("nope"),
        lambda gw: gw.charges_summary(date(2025, 1, 1), date(2025, 3, 1)),
        lambda gw: gw.charges_summary(date(2025, 1, 2), date(2025, 1, 1)),
        lambda gw: gw.detail_records("faxes"),
        lambda gw: gw.detail_records("messaging", size=51),
        lambda gw: gw.detail_records("messaging", date_range="last_fortnight"),
        lambda gw: gw.detail_records("messaging", filters={"record_type": "fax"}),
        lambda gw: gw.detail_records("messaging", filters={"cld": "1", "cld[contains]": "2"}),
        lambda gw: gw.webhook_deliveries(status="lost"),
        lambda gw: gw.invoices(size=0),
        lambda gw: gw.audit_events(sort="sideways"),
        lambda gw: gw.create_payment(Decimal("10.005"), idempotency_key="k"),
        lambda gw: gw.create_payment(Decimal("0"), idempotency_key="k"),
        lambda gw: gw.create_payment(Decimal("-5"), idempotency_key="k"),
        lambda gw: gw.update_auto_recharge_prefs(AutoRechargeChange()),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    sandbox: Sandbox, gateway: TelnyxGateway, call
) -> None:
    with pytest.raises(TelnyxInvalidInput) as caught:
        await call(gateway)
    (problem,) = caught.value.problems
    said = words.problem_title(problem)  # the check is data; its words are formatting's
    assert problem.check is not None and said and "?" not in said
    assert words.message(caught.value) == said
    assert sandbox.requests == []


def test_record_types_and_date_ranges_match_the_contract() -> None:
    spec = json.loads((resources.files("devkit.sandbox") / "account-openapi.json").read_text())
    (param,) = [p for p in spec["paths"]["/detail_records"]["get"]["parameters"] if p.get("name") == "filter"]
    assert tuple(param["schema"]["properties"]["record_type"]["enum"]) == RECORD_TYPES
    assert tuple(param["schema"]["properties"]["date_range"]["enum"]) == DATE_RANGES


async def test_from_settings_and_its_limits(sandbox: Sandbox) -> None:
    settings = Settings.from_mapping(
        {"TELNYX_API_KEY": KEY, "TELNYX_BASE_URL": sandbox.base_url, "TELNYX_TIMEOUT": "3"}
    )
    async with TelnyxGateway.from_settings(settings) as gw:
        assert gw.timeout == 3.0
        assert (await gw.balance()).value.balance == sandbox.state.balance
        assert KEY not in repr(gw)
    with pytest.raises(ConfigError):
        TelnyxGateway.from_settings(Settings.from_mapping({}))
    with pytest.raises(ValueError):
        TelnyxGateway(KEY, sandbox.base_url, timeout=30)


async def test_naive_datetimes_are_taken_as_utc(sandbox: Sandbox, gateway: TelnyxGateway) -> None:
    await gateway.audit_events(created_before=datetime(2030, 1, 1, 12, 0))
    assert last_query(sandbox)["filter[created_before]"] == "2030-01-01T12:00:00Z"


async def test_telnyx_environment_variables_change_nothing(
    sandbox: Sandbox, closed_port_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only Settings reads the environment: a stray TELNYX_* variable never redirects or re-keys the gateway.
    for name, value in {
        "TELNYX_API_KEY": "KEYSOMEONEELSE",
        "TELNYX_BASE_URL": closed_port_url,
        "TELNYX_CLIENT_ID": "someone",
        "TELNYX_CLIENT_SECRET": "something",
    }.items():
        monkeypatch.setenv(name, value)
    async with TelnyxGateway(KEY, sandbox.base_url, timeout=2) as gw:
        assert (await gw.balance()).value.balance == sandbox.state.balance
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/v2/balance")]  # and authorised
