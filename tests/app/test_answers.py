"""Answers that say what is true (issue 12, "Wrong or misleading answers"), over HTTP against the sandbox."""

import re
from datetime import date, timedelta

import pytest

import handlers
from bot import ids
from formatting.money import money
from tests.app.harness import NOW, elements, text_of

TODAY = NOW.date()


async def test_the_failure_summary_states_its_rate_over_the_deliveries_it_counts(bot):
    state = bot.sandbox.state
    everything, failed = len(state.webhook_deliveries), len(state.failed_delivery_ids())
    assert 0 < failed < everything
    rate = f"({failed} of {everything} deliveries failed)"
    listing = text_of(await bot.command("webhooks"))
    assert f"showing 15 of {everything} deliveries" in listing and rate in listing
    assert rate in text_of(await bot.command("webhooks failed"))  # a failed-only list: the same rate
    since = (TODAY - timedelta(days=6)).isoformat()
    week = [d for d in state.webhook_deliveries if d["started_at"] >= since]
    week_failed = sum(d["status"] == "failed" for d in week)
    assert 0 < week_failed < len(week)
    delivered = text_of(await bot.command("webhooks delivered last-7-days"))
    assert "Failures by endpoint and cause" not in delivered  # no failures grouped as if among the rows
    assert f"Of the {len(week)} deliveries in this window, *{week_failed} failed*" in delivered


async def test_a_shared_invoice_says_its_link_is_private_and_how_to_get_one(bot):
    invoice_id = bot.sandbox.state.first_unpaid_invoice_id
    [mine] = await bot.command(f"invoice {invoice_id}")
    [shared] = await bot.click(mine.to_dict(), ids.ACTION_SHARE)
    text = text_of([shared])
    assert "no download link" not in text and "Try again" not in text
    assert "private" in text and f"/telnyx invoice {invoice_id}" in text and "Download button" in text
    assert not [e for e in elements(shared) if e.get("url")]  # the link itself stays personal
    # the shared copy's Download button gives whoever clicks it their own link, privately
    [theirs] = await bot.click(shared.to_dict(), ids.ACTION_INVOICE_DOWNLOAD, user="U0BOB")
    assert theirs.ephemeral_to == "U0BOB" and [e for e in elements(theirs) if e.get("url")]


# what an answer that is an error, a refusal or empty shows
NOT_AN_ANSWER = re.compile(
    r":warning:|:no_entry:|no such|is not |No \w+ (deliveries )?match|_none_|No invoices|No charges|"
    r"Nothing recorded|\*\$0\.00\*|\b0 (deliveries|records|change events)\b"
)


async def test_every_help_example_gets_a_real_answer_from_the_sandbox(bot):
    assert [s.name for s in handlers.SUBCOMMANDS.values()][-2:] == ["whoami", "trail"]
    # in help's order, as an admin (allowed everything): the top-up is asked before the trail shows it
    for sub in handlers.SUBCOMMANDS.values():
        assert sub.example.startswith("/telnyx "), sub.name
        text = text_of(await bot.command(sub.example.removeprefix("/telnyx "), user="U0ADMIN"))
        assert text.strip(), sub.example
        wrong = NOT_AN_ANSWER.search(text)
        assert wrong is None, f"{sub.example} answered {wrong.group(0)!r}:\n{text}"


@pytest.mark.parametrize(
    ("command", "user", "says"),
    [
        ("trail 0", "U0ADMIN", "`0` is less than 1 record"),
        ("trail 1000", "U0ADMIN", "`1000` is more than 100 records"),
        ("trail x", "U0ADMIN", "`x` is not a number"),
        ("trail 5 6", "U0ADMIN", "`trail` takes one number, not 2"),
        ("webhook nope", "U0ALICE", "`nope` is not a delivery id (a UUID)"),
        ("webhook", "U0ALICE", "`webhook` needs a delivery id"),
        ("invoices 25", "U0ALICE", "`25` is more than the 24 invoices one answer shows"),
        ("invoices 2.5", "U0ALICE", "`2.5` is not a whole number"),
    ],
)
async def test_a_refused_argument_is_told_what_is_wrong_with_it(bot, command, user, says):
    text = text_of(await bot.command(command, user=user))
    assert says in text and "Accepted" in text and "Example" in text, text
    assert "takes at most one number" not in text and "needs one delivery id" not in text
    assert bot.sandbox.request_count() == 0  # nothing was asked of Telnyx


async def test_a_period_that_starts_after_today_is_refused(bot):
    text = text_of(await bot.command("charges 2030-01"))
    assert "January 2030 starts after today (Nov 28, 2026)" in text
    assert "Accepted" in text and "starts today or earlier" in text and "Example" in text
    assert bot.sandbox.request_count("/v2/charges") == 0


async def test_a_period_that_ends_after_today_is_cut_at_today_and_says_so(bot):
    text = text_of(await bot.command("charges 2026-11"))
    assert "Charges: Nov 1 – Nov 28, 2026" in text
    assert "You asked for November 2026; the days after today have not happened yet" in text
    [sent] = [r for r in bot.sandbox.requests if r.path == "/v2/charges_summary"]
    assert (sent.query["start_date"], sent.query["end_date"]) == ("2026-11-01", "2026-11-29")
    usage = text_of(await bot.command("usage messaging 2026-11-20 2026-12-10"))
    assert "Nov 20 – Nov 28, 2026, cut at today (asked up to Dec 10, 2026)" in usage


async def test_dates_read_one_way_everywhere_with_the_last_day_included(bot):
    charges = text_of(await bot.command("charges 2026-10-05 2026-10-20"))
    assert "Charges: Oct 5 – Oct 20, 2026" in charges
    usage = text_of(await bot.command("usage messaging 2025-12-20 2026-01-10"))
    assert "Dec 20, 2025 – Jan 10, 2026" in usage and "2025-12-20 to" not in usage
    audit = text_of(await bot.command("audit last-7-days"))
    assert "the last 7 days (Nov 22 – Nov 28, 2026)" in audit
    [breakdown] = await bot.command("charges breakdown 2026-10-05 2026-10-20")
    await bot.click(breakdown.to_dict(), ids.ACTION_CHARGES_CSV)
    [upload] = bot.slack.files
    assert upload.name == "telnyx-charges-2026-10-05-to-2026-10-20.csv"  # ISO, the last day included
    assert upload.title == "Charges breakdown, Oct 5 – Oct 20, 2026"


async def test_charge_totals_say_what_they_cover(bot):
    start, end = date(2026, 11, 1), date(2026, 11, 21)
    summary = await bot.svc.telnyx.charges_summary(start, end)
    text = text_of(await bot.command("charges 2026-11-01 2026-11-20"))
    new = [line for line in summary.lines if line.type == "comparative"]
    # each "new" line shows its monthly part apart from its one-time part: the parts add up to the totals
    monthly = sum(line.new_amount - (line.new_one_time or 0) for line in new)
    one_time = sum(line.new_one_time or 0 for line in new)
    assert (monthly, one_time) == (summary.totals.new_mrc, summary.totals.new_otc) and one_time > 0
    for line in new:
        if line.new_one_time:
            part = (
                f"{money(line.new_amount - line.new_one_time)} monthly + {money(line.new_one_time)} one-time"
            )
            assert f"new {line.new_quantity} ({part})" in text
    assert "Grand total = monthly (new + existing) + one-time + other + credits + adjustments" in text
    # the breakdown's total is the numbers' charges only: it says so, and why the grand total differs
    breakdown = text_of(await bot.command("charges breakdown 2026-11-01 2026-11-20"))
    numbers = summary.totals.new_mrc + summary.totals.new_otc + summary.totals.existing_mrc
    assert numbers != summary.totals.grand_total and f"*Total*\n*{money(numbers)}*" in breakdown
    assert "Total = every number's monthly and one-time charges" in breakdown
    assert "also counts port-outs, campaign fees, credits and adjustments" in breakdown
