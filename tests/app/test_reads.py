"""Every read command over HTTP against the sandbox: what the fake Slack received, numbers included."""

from datetime import datetime
from decimal import Decimal

import pytest

from bot import ids
from formatting.money import money
from tests.app.harness import elements, text_of


async def test_balance_shows_every_figure_from_the_account(bot):
    state = bot.sandbox.state
    [msg] = await bot.command("balance")
    text = text_of([msg])
    for amount in (state.balance, state.available_credit, state.credit_limit, state.pending):
        assert money(amount, "USD") in text
    assert msg.ephemeral_to == "U0ALICE"
    labels = [e.get("text", {}).get("text") for e in elements(msg) if e.get("type") == "button"]
    assert {"Refresh", "Share in channel"} <= set(labels)
    assert "Request top-up" not in labels  # a viewer may not ask for one: no button they cannot use


async def test_request_top_up_is_offered_to_a_requester_and_never_in_a_shared_copy(bot):
    [mine] = await bot.command("balance", user="U0REQUEST")
    labels = [e.get("text", {}).get("text") for e in elements(mine) if e.get("type") == "button"]
    assert "Request top-up" in labels
    [shared] = await bot.click(mine.to_dict(), ids.ACTION_SHARE, user="U0REQUEST")
    assert shared.ephemeral_to is None
    assert "Request top-up" not in [e.get("text", {}).get("text") for e in elements(shared)]


async def test_low_balance_warns_below_the_threshold(tmp_path):
    from tests.app.harness import running_bot

    async with running_bot(tmp_path, env={"LOW_BALANCE_THRESHOLD": "100000"}) as bot:
        text = text_of(await bot.command("balance"))
    assert "below" in text.lower() and money(Decimal("100000"), "USD") in text


async def test_concurrent_balance_reads_are_shared_and_say_how_fresh(bot):
    import asyncio

    await asyncio.gather(*(bot.requests.command("/telnyx", "balance") for _ in range(20)))
    await bot.idle()
    assert bot.sandbox.request_count("/v2/balance") == 1
    assert len(bot.slack.messages("C0GENERAL")) == 20  # everyone got an answer
    text = text_of(await bot.command("balance"))  # the next seconds are served from the cache
    assert bot.sandbox.request_count("/v2/balance") == 1 and "Cached, as of" in text


async def test_refresh_drops_the_cache_and_redraws_the_same_message(bot):
    [msg] = await bot.command("balance")
    changed = await bot.click(msg.to_dict(), ids.ACTION_REFRESH_BALANCE)
    assert bot.sandbox.request_count("/v2/balance") == 2
    assert len(changed) == 1 and changed[0].ts == msg.ts  # replaced, not a new message


async def test_invoices_default_six_newest_first_with_download_buttons(bot):
    [msg] = await bot.command("invoices")
    newest = bot.sandbox.state.invoices[:6]
    buttons = [e for e in elements(msg) if e.get("action_id") == ids.ACTION_INVOICE_DOWNLOAD]
    assert [b["value"] for b in buttons] == [i["invoice_id"] for i in newest]
    assert "showing 6 of" in text_of([msg])


@pytest.mark.parametrize("arg", ["0", "25", "many", "3 4"])
async def test_invoices_refuses_bad_counts_before_calling_telnyx(bot, arg):
    text = text_of(await bot.command(f"invoices {arg}"))
    assert "Example" in text and "/telnyx invoices 12" in text
    assert bot.sandbox.request_count("/v2/invoices") == 0


async def test_invoice_download_button_gives_a_fresh_link_only_to_the_clicker(bot):
    [msg] = await bot.command("invoices 2")
    [answer] = await bot.click(msg.to_dict(), ids.ACTION_INVOICE_DOWNLOAD)
    links = [e["url"] for e in elements(answer) if e.get("url")]
    assert answer.ephemeral_to == "U0ALICE" and links and "/_sandbox/files/" in links[0]
    link_requests = [
        r
        for r in bot.sandbox.requests
        if r.path.startswith("/v2/invoices/") and r.query.get("action") == "link"
    ]
    assert len(link_requests) == 1


async def test_invoice_by_id_and_its_errors(bot):
    invoice_id = bot.sandbox.state.first_unpaid_invoice_id
    text = text_of(await bot.command(f"invoice {invoice_id}"))
    assert invoice_id in text and "Unpaid" in text
    assert "no such invoice" in text_of(await bot.command("invoice 00000000-0000-4000-8000-000000000000"))
    bad = text_of(await bot.command("invoice 12345"))
    assert "is not an invoice id" in bad and "Example" in bad


async def test_share_posts_the_same_answer_in_channel_credited_and_without_personal_links(bot):
    invoice_id = bot.sandbox.state.first_unpaid_invoice_id
    [msg] = await bot.command(f"invoice {invoice_id}")
    [shared] = await bot.click(msg.to_dict(), ids.ACTION_SHARE)
    assert (
        shared.ephemeral_to is None
        and "Shared by" in shared.visible_text()
        and "U0ALICE" in shared.visible_text()
    )
    assert invoice_id in shared.visible_text()
    assert not [e for e in elements(shared) if e.get("url")]  # the download link stays personal
    assert not [e for e in elements(shared) if e.get("action_id") == ids.ACTION_SHARE]


async def test_charges_summary_totals_match_telnyx(bot):
    text = text_of(await bot.command("charges 2026-10"))
    summary = await bot.svc.telnyx.charges_summary(datetime(2026, 10, 1).date(), datetime(2026, 11, 1).date())
    totals = summary.totals
    for amount in (totals.new_mrc, totals.existing_mrc, totals.new_otc, totals.grand_total):
        assert money(amount, summary.currency) in text
    assert "October" in text or "Oct" in text


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("2025-01-01 2025-03-01", "at most 31 days"),
        ("2025-13", "not a real month"),
        ("soon", "not something"),
        ("9999-12", "too far ahead"),  # the day after its end is past the calendar: refused, not a crash
    ],
)
async def test_charges_refuses_bad_periods_before_calling_telnyx(bot, args, problem):
    text = text_of(await bot.command(f"charges {args}"))
    assert problem in text and "Example" in text
    assert bot.sandbox.request_count("/v2/charges") == 0


async def test_charges_breakdown_and_its_csv_upload(bot):
    [msg] = await bot.command("charges breakdown last-month")
    assert "Biggest costs" in text_of([msg])
    await bot.click(msg.to_dict(), ids.ACTION_CHARGES_CSV)
    [upload] = bot.slack.files
    lines = upload.content.decode().splitlines()
    assert lines[0] == "number,charge_type,service,cost_type,cost,currency"
    breakdown = await bot.svc.telnyx.charges_breakdown(
        datetime(2026, 10, 1).date(), datetime(2026, 11, 1).date()
    )
    assert len(lines) - 1 == sum(len(r.services) for r in breakdown.results)
    # the answer was the asker's alone: so is the file (the app's DM with them), nothing in the channel
    assert upload.channel_id == bot.slack.dm("U0ALICE")
    assert not [m for m in bot.slack.messages("C0GENERAL") if m.ephemeral_to is None]


async def test_a_csv_from_an_answer_shared_in_the_channel_goes_to_the_channel(bot):
    [msg] = await bot.command("charges breakdown last-month")
    [shared] = await bot.click(msg.to_dict(), ids.ACTION_SHARE)
    assert shared.ephemeral_to is None
    await bot.click(shared.to_dict(), ids.ACTION_CHARGES_CSV, user="U0BOB")
    [upload] = bot.slack.files
    assert upload.channel_id == "C0GENERAL" and "<@U0BOB>" in (upload.initial_comment or "")


async def test_an_empty_breakdown_makes_no_file_and_says_so(bot):
    [msg] = await bot.command("charges breakdown 2020-01")
    await bot.click(msg.to_dict(), ids.ACTION_CHARGES_CSV)
    [answer] = [
        m for m in bot.slack.messages("C0GENERAL", "U0ALICE") if "Nothing to export" in m.visible_text()
    ]
    assert "no file" in answer.visible_text() and not bot.slack.files


async def test_usage_counts_cost_statuses_and_pages(bot):
    [msg] = await bot.command("usage messaging last-7-days")
    text = text_of([msg])
    assert "Records 1–10 of" in text and "Next page" in text
    [page2] = await bot.click(msg.to_dict(), ids.ACTION_USAGE_NEXT)
    assert "Records 11–20 of" in text_of([page2]) and page2.ts == msg.ts


async def test_usage_filters_reach_telnyx_as_deep_object_filters(bot):
    text = text_of(await bot.command("usage messaging last-30-days status=failed direction=outbound"))
    sent = [r for r in bot.sandbox.requests if r.path == "/v2/detail_records"]
    assert sent and all(r.query.get("filter[status]") == "failed" for r in sent)
    assert all(r.query.get("filter[direction]") == "outbound" for r in sent)
    assert "failed" in text


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("", "needs a record type"),
        ("texting", "is not a record type"),
        ("messaging soon", "neither a period"),
        ("messaging page=2", "cannot be a filter"),
        ("messaging last-0-days", "between 1 and"),
    ],
)
async def test_usage_refuses_bad_arguments_before_calling_telnyx(bot, args, problem):
    text = text_of(await bot.command(f"usage {args}"))
    assert problem in text and "/telnyx usage messaging" in text
    assert bot.sandbox.request_count("/v2/detail_records") == 0


async def test_usage_export_csv_equals_the_sandbox_records(bot):
    [msg] = await bot.command("usage messaging last-30-days")
    await bot.click(msg.to_dict(), ids.ACTION_USAGE_EXPORT)
    await bot.idle()
    [upload] = bot.slack.files
    rows = upload.content.decode().splitlines()
    start = datetime(2026, 10, 30).isoformat()
    expected = [
        r["id"]
        for r in bot.sandbox.state.detail_records
        if r["record_type"] == "message_detail_record" and r["created_at"] >= start
    ]
    got = [row.split(",")[0] for row in rows[1:]]
    assert sorted(got) == sorted(expected) and len(got) == len(set(got))
    # a private answer's export is private: progress and file in the app's DM with the asker
    assert upload.channel_id == bot.slack.dm("U0ALICE")
    progress = [m for m in bot.slack.messages(bot.slack.dm("U0ALICE")) if "Export" in m.visible_text()]
    assert progress and "rows" in progress[-1].visible_text()
    assert not [m for m in bot.slack.messages("C0GENERAL") if m.ephemeral_to is None]


async def test_an_export_with_no_records_makes_no_file_and_says_so(bot):
    [msg] = await bot.command("usage messaging last-7-days status=nothing-matches-this")
    await bot.click(msg.to_dict(), ids.ACTION_USAGE_EXPORT)
    await bot.idle()
    [progress] = bot.slack.messages(bot.slack.dm("U0ALICE"))
    assert "Nothing to export" in progress.visible_text() and not bot.slack.files


async def test_audit_shows_who_what_when_and_old_new(bot):
    text = text_of(await bot.command("audit last-30-days"))
    start = datetime(2026, 10, 30).isoformat()
    event = next(e for e in bot.sandbox.state.audit_events if e.get("changes") and e["created_at"] >= start)
    change = event["changes"][0]
    assert change["field"] in text and "→" in text
    assert "<!date^" in text  # each reader sees their own time zone


async def test_tags_with_a_prefix(bot):
    text = text_of(await bot.command("tags sales"))
    assert "sales-east" in text and "marketing" not in text
    [r] = [r for r in bot.sandbox.requests if r.path == "/v2/user_tags"]
    assert r.query.get("filter[starts_with]") == "sales"


async def test_webhooks_failed_lists_failures_grouped_by_endpoint_and_cause(bot):
    [msg] = await bot.command("webhooks failed")
    text = text_of([msg])
    assert "failed" in text and "Diagnose" in text
    failed = bot.sandbox.state.failed_delivery_ids()
    values = [e["value"] for e in elements(msg) if e.get("action_id") == ids.ACTION_WEBHOOK_DETAIL]
    assert values and set(values) <= set(failed)


async def test_webhook_diagnosis_verdicts(bot):
    by_id = {d["id"]: d for d in bot.sandbox.state.webhook_deliveries}
    wanted = {"5": "server", "410": "gone", "75003": "too slowly", "75004": "TLS"}
    for delivery_id in bot.sandbox.state.failed_delivery_ids():
        last = by_id[delivery_id]["attempts"][0]
        status = str((last.get("http") or {}).get("response", {}).get("status", ""))
        code = str((last.get("errors") or [""])[0])
        key = next((k for k in wanted if status.startswith(k) or code == k), None)
        if key is None:
            continue
        text = text_of(await bot.command(f"webhook {delivery_id}"))
        assert wanted.pop(key).lower() in text.lower(), text
        assert "Timeline" in text or "Attempt" in text or "attempt" in text
    assert not wanted, f"no delivery showed {wanted}"


async def test_webhook_diagnose_button_and_message_shortcut(bot):
    failed = bot.sandbox.state.failed_delivery_ids()
    [msg] = await bot.command("webhooks failed")
    [answer] = await bot.click(msg.to_dict(), ids.ACTION_WEBHOOK_DETAIL)
    assert answer.ephemeral_to == "U0ALICE"
    snap = bot.snapshot()
    alert = f"PagerDuty: delivery {failed[0]} failed, also {failed[1].upper()} and again {failed[0]}"
    await bot.requests.message_shortcut(ids.SHORTCUT_DIAGNOSE_WEBHOOK, alert)
    await bot.idle()
    answers = [m for m in bot.changed_since(snap) if m.ephemeral_to == "U0ALICE"]
    assert (
        len(answers) == 2
        and failed[0] in answers[0].visible_text()
        and failed[1] in answers[1].visible_text()
    )


async def test_a_shortcut_on_six_ids_answers_within_the_five_posts_a_response_url_takes(bot):
    failed = bot.sandbox.state.failed_delivery_ids()[:6]
    assert len(failed) == 6
    snap = bot.snapshot()
    await bot.requests.message_shortcut(ids.SHORTCUT_DIAGNOSE_WEBHOOK, "deliveries: " + " ".join(failed))
    await bot.idle()
    answers = [m for m in bot.changed_since(snap) if m.ephemeral_to == "U0ALICE"]
    assert len(answers) == 5  # four diagnoses and the note, every post accepted
    assert all(failed[i] in answers[i].visible_text() for i in range(4))
    note = answers[4].visible_text()
    assert "6 ids" in note and "first 4" in note and failed[4] in note and failed[5] in note
    assert not [c for c in bot.slack.calls if not c.ok]  # no used_url


async def test_shortcuts_without_ids_say_what_an_id_looks_like(bot):
    snap = bot.snapshot()
    await bot.requests.message_shortcut(ids.SHORTCUT_LOOKUP_INVOICE, "can someone check last month's bill?")
    await bot.idle()
    text = text_of([m for m in bot.changed_since(snap) if m.ephemeral_to == "U0ALICE"])
    assert "no invoice id" in text.lower() and "/telnyx invoice" in text


async def test_invoice_shortcut_finds_the_invoice(bot):
    invoice_id = bot.sandbox.state.first_unpaid_invoice_id
    snap = bot.snapshot()
    await bot.requests.message_shortcut(ids.SHORTCUT_LOOKUP_INVOICE, f"Invoice {invoice_id} is overdue")
    await bot.idle()
    [answer] = [m for m in bot.changed_since(snap) if m.ephemeral_to == "U0ALICE"]
    assert invoice_id in answer.visible_text() and [e for e in elements(answer) if e.get("url")]


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ({"status": 503}, "unavailable"),
        ({"status": 429, "retry_after": 30}, "rate limit"),
        pytest.param({"hang": True}, "did not answer in time", marks=pytest.mark.telnyx_timeout(1)),
    ],
)
async def test_telnyx_errors_become_answers_that_say_what_to_do(bot, fault, says):
    from devkit.sandbox import Fault

    bot.sandbox.set_fault("/v2/balance", Fault(**fault))
    text = text_of(await bot.command("balance"))
    assert says in text.lower()


async def test_rejected_api_key_asks_an_admin_without_showing_a_key(tmp_path):
    from tests.app.harness import KEY, running_bot

    async with running_bot(tmp_path, env={"TELNYX_API_KEY": "KEYwrongwrongwrong"}) as bot:
        text = text_of(await bot.command("tags"))
    assert "admin" in text.lower() and "API key" in text
    assert "KEYwrongwrongwrong" not in text and KEY not in text


async def test_usage_over_the_stats_cap_counts_all_and_says_what_the_cost_covers(bot, monkeypatch):
    import handlers.usage

    monkeypatch.setattr(handlers.usage, "STATS_CAP", 5)  # the real cap is 1,000; the sandbox has fewer
    text = text_of(await bot.command("usage messaging last-30-days"))
    assert "over the first 5 of" in text and "Export CSV" in text


async def test_an_export_that_telnyx_breaks_midway_says_so_on_its_progress_message(bot):
    from devkit.sandbox import Fault

    [msg] = await bot.command("usage messaging last-30-days")
    bot.sandbox.set_fault("/v2/detail_records", Fault(status=503))
    await bot.click(msg.to_dict(), ids.ACTION_USAGE_EXPORT)
    await bot.idle()
    progress = bot.slack.messages(bot.slack.dm("U0ALICE"))
    assert progress and "unavailable" in progress[-1].visible_text().lower()
    assert not bot.slack.files


async def test_a_csv_for_a_channel_the_bot_is_not_in_asks_to_invite_it(tmp_path):
    from tests.app.harness import running_bot

    async with running_bot(tmp_path) as bot:  # Slack refuses a call here on purpose
        bot.slack.add_channel("C0PRIVATE", name="private", is_member=False)
        [msg] = await bot.command("charges breakdown last-month", channel="C0PRIVATE")
        # shared there (a response_url works without membership), then downloaded from the channel's copy
        [shared] = await bot.click(msg.to_dict(), ids.ACTION_SHARE, channel="C0PRIVATE")
        changed = await bot.click(shared.to_dict(), ids.ACTION_CHARGES_CSV, channel="C0PRIVATE")
        assert "/invite" in text_of(changed) and not [f for f in bot.slack.files if f.channel_id]
        assert [c.error for c in bot.slack.calls if not c.ok] == ["not_in_channel"]
