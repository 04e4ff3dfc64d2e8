"""Scripted console runs of the product's app (`create_app`, every handler) on the sandbox account (seed 7):
every subcommand, both shortcuts, the auto-recharge modal and the whole approval flow, read off the screen."""

from __future__ import annotations

from pathlib import Path

from devkit.sandbox.data.billing import EXAMPLE_INVOICE_ID
from devkit.sandbox.data.webhooks import EXAMPLE_DELIVERY_ID
from tests.devkit.console.conftest import RunScript, flat

WEBHOOK_ID = EXAMPLE_DELIVERY_ID  # the newest failed delivery of the sandbox (the id help shows)
INVOICE_ID = EXAMPLE_INVOICE_ID  # its newest invoice (October of the year before "now")


async def test_every_read_subcommand(run_script: RunScript, tmp_path: Path) -> None:
    script = f"""
/telnyx help
/telnyx balance
/telnyx invoices 2
/telnyx invoice {INVOICE_ID}
/telnyx invoice 00000000-0000-4000-8000-000000000000
/telnyx tags
/telnyx charges
/telnyx charges breakdown
click download csv
/telnyx usage messaging last-7-days
/telnyx webhooks failed
click diagnose
/telnyx webhook {WEBHOOK_ID}
/telnyx whoami
/telnyx nonsense
as ada
/telnyx audit
/telnyx trail
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    helped = flat(run.answer("/telnyx help"))
    for usage in (
        "/telnyx balance",
        "/telnyx invoices [N]",
        "/telnyx charges [breakdown] [period]",
        "/telnyx webhook <id>",
        "/telnyx autorecharge",
        "/telnyx topup <amount> [reason]",
    ):
        assert usage in helped
    balance = flat(run.answer("vera@#general> /telnyx balance"))
    assert "Telnyx account balance" in balance and "$384.60" in balance and "$884.60" in balance
    assert "Refresh" in balance and "Share in channel" in balance
    assert "Request top-up" not in balance  # vera only views: no button she cannot use
    invoices = flat(run.answer("/telnyx invoices 2"))
    assert "Telnyx invoices" in invoices and "showing 2 of 20 invoices" in invoices and "Download" in invoices
    invoice = flat(run.answer(f"/telnyx invoice {INVOICE_ID}"))
    assert "Download PDF ↗ http://127.0.0.1:" in invoice  # the sandbox's short-lived link, on loopback
    assert "Telnyx has no such invoice." in flat(
        run.answer("/telnyx invoice 00000000-0000-4000-8000-000000000000")
    )  # an answer, not an error
    assert "Number tags" in flat(run.answer("/telnyx tags")) and "sales-east" in flat(
        run.answer("/telnyx tags")
    )
    assert "Grand total" in flat(run.answer("vera@#general> /telnyx charges"))
    assert "Biggest costs by number" in flat(run.answer("/telnyx charges breakdown"))
    [csv] = (tmp_path / "downloads").glob("telnyx-charges-*.csv")
    assert csv.read_text().count("\n") > 5
    assert f"saved to {csv}" in flat(run.answer("click download csv"))
    usage = flat(run.answer("/telnyx usage messaging last-7-days"))
    assert "Usage: messaging" in usage and "Next page" in usage and "Export CSV" in usage
    listing = flat(run.answer("/telnyx webhooks failed"))
    assert "Failures by endpoint and cause" in listing and "Diagnose" in listing
    diagnosis = flat(run.answer("vera@#general> click diagnose"))
    assert "Webhook delivery: message.finalized" in diagnosis and WEBHOOK_ID in diagnosis
    assert "The endpoint's host name does not resolve" in flat(run.answer(f"/telnyx webhook {WEBHOOK_ID}"))
    whoami = flat(run.answer("vera@#general> /telnyx whoami"))
    assert "@Vera Viewer, your roles" in whoami and "🚫 request top-ups" in whoami
    assert "is not a command I know" in flat(run.answer("/telnyx nonsense"))
    assert "Account changes" in flat(run.answer("ada@#general> /telnyx audit"))
    assert "ada@#general> /telnyx trail" in run.text


async def test_both_message_shortcuts(run_script: RunScript) -> None:
    script = f"""
shortcut diagnose Alert: delivery {WEBHOOK_ID} failed again
in #audit
shortcut invoice is {INVOICE_ID} paid yet?
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    diagnosed = flat(run.answer(f"shortcut diagnose Alert: delivery {WEBHOOK_ID} failed again"))
    assert (
        "Vera Viewer in #general" in diagnosed and f"Alert: delivery {WEBHOOK_ID} failed again" in diagnosed
    )
    assert "Webhook delivery: message.finalized" in diagnosed and "DNS" in diagnosed
    looked_up = flat(run.answer(f"shortcut invoice is {INVOICE_ID} paid yet?"))
    assert "Vera Viewer in #audit" in looked_up and "Invoice October" in looked_up and INVOICE_ID in looked_up


async def test_autorecharge_modal_as_finance_with_an_inline_error(run_script: RunScript) -> None:
    script = """
/telnyx autorecharge
as fiona
/telnyx autorecharge
click edit
on
a hundred
300.00
ach

150.00
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    assert "Edit" not in flat(run.answer("vera@#general> /telnyx autorecharge"))  # viewers may not
    modal = flat(run.answer("fiona@#general> click edit"))
    assert "modal: Auto-recharge" in modal and "Recharge when balance is below" in modal
    assert '⚠ Recharge when balance is below: "a hundred" is not an amount: write it in digits' in modal
    assert modal.count("Recharge amount [text, now 250.00]:") == 1  # only the refused input is asked again
    saved = modal
    assert "Auto-recharge saved" in saved and "Recharge when balance is below: $100.00 → $150.00" in saved
    assert "Recharge amount: $250.00 → $300.00" in saved and "ACH" in saved
    assert "Telnyx in #audit" in modal and "threshold_amount: $100.00 → $150.00" in saved


async def test_the_whole_approval_flow(run_script: RunScript) -> None:
    script = """
as rita
/telnyx topup 120.00 "launch week traffic"
in #approvals
click approve
as vera
click approve
as fred
click approve
as rita
show dm
in #general
/telnyx balance
click request top-up
80
test numbers
as fiona
click deny
no
as fiona
/telnyx balance
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    card = flat(run.answer('rita@#general> /telnyx topup 120.00 "launch week traffic"'))
    assert (
        "Telnyx in #approvals ─" in card
        and "Top-up request: $120.00" in card
        and "Waiting for finance" in card
    )
    assert "Approve $120.00 (asks to confirm)" in card and "Deny" in card
    assert "📥 Your top-up request for $120.00 was sent to #approvals" in card
    own = flat(run.answer("rita@#approvals> click approve"))
    assert "only visible to you" in own and "Paid" not in own  # four eyes: not her own
    viewer = flat(run.answer("vera@#approvals> click approve"))
    assert (
        "You may not approve a top-up." in viewer
        and "⛔ @Vera Viewer was refused approve_topup on approve a top-up" in viewer
    )
    paid = flat(run.answer("fred@#approvals> click approve"))
    assert "? Approve this top-up?" in paid and "Fred Finance clicked" in paid
    assert "Telnyx in #approvals · changed" in paid and "✅ Paid" in paid and "New balance: $504.60" in paid
    assert "Telnyx · DM with Rita Requester" in paid and "Your top-up request for $120.00: ✅ Paid" in paid
    assert "Your top-up request for $120.00: ✅ Paid" in flat(run.answer("rita@#approvals> show dm"))
    modal = flat(run.answer("rita@#general> click request top-up"))
    assert "modal: Request a top-up" in modal and "Top-up request: $80.00" in modal
    denied = flat(run.answer("fiona@#general> click deny"))
    assert "modal: Deny top-up" in denied
    assert "no" in denied and "Telnyx in #approvals · changed" in denied and "⛔ Denied" in denied
    assert "Your top-up request for $80.00: ⛔ Denied" in denied
    assert "$504.60" in flat(run.answer("fiona@#general> /telnyx balance"))


async def test_the_preset_people_hold_the_roles_the_policy_gives_them(run_script: RunScript) -> None:
    script = "".join(f"as {who}\n/telnyx whoami\n" for who in ("vera", "rita", "fred", "fiona", "ada"))
    run = await run_script(script)
    assert run.code == 0, run.text
    vera, rita, fred, fiona, ada = (
        flat(run.answer(f"{who}@#general> /telnyx whoami"))
        for who in ("vera", "rita", "fred", "fiona", "ada")
    )
    assert "✅ view the Telnyx account" in vera and "🚫 request top-ups" in vera
    assert "✅ request top-ups: role requester" in rita and "🚫 approve or deny top-ups" in rita
    assert "✅ approve or deny top-ups: role finance (listed as U0FIN1)" in fred
    assert "✅ approve or deny top-ups: role finance via group S0FINANCE" in fiona
    assert "✅ administer the bot: role admin" in ada


async def test_an_alert_rule_added_in_its_modal_fires_on_tick_and_shows_in_alerts(
    run_script: RunScript,
) -> None:
    script = """
as ada
/telnyx alerts add
low
1,000,000
https://nowhere.example
alerts

5,000


/telnyx alerts
tick
show #alerts
tick
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    modal = flat(run.answer("ada@#general> /telnyx alerts add"))
    assert "modal: New alert rule" in modal
    assert '"1,000,000" is too large: amounts are at most $100,000.00' in modal  # refused inline, asked again
    assert "Only webhook-failure alerts watch one endpoint" in modal
    assert "Alert rule added: Low available credit, available credit below $5,000.00" in modal
    listed = flat(run.answer("ada@#general> /telnyx alerts"))
    assert "available credit below $5,000.00" in listed and "Edit" in listed and "Delete" in listed
    # the alert may be shown before or after the tick's summary line: the outbox posts it meanwhile
    first, second = flat(run.text).split("ada@#general> tick")[1:]
    assert "tick: 1 rule(s) checked: 1 fired, 0 reminded, 0 resolved, 0 still firing" in first
    assert "Available credit is $884.60" in first and "Telnyx in #alerts" in first  # shown as it is posted
    assert "Acknowledge" in first and "Request top-up" in first
    assert "tick: 1 rule(s) checked: 0 fired, 0 reminded, 0 resolved, 1 still firing" in second
    assert "Available credit is" not in second  # nothing posted again
    assert "Available credit is $884.60" in flat(run.answer("ada@#general> show #alerts"))


async def test_digest_now_shows_the_digest_and_admins_set_one_up(run_script: RunScript) -> None:
    script = """
/telnyx digest now
as ada
/telnyx digest daily 9am UTC #general
/telnyx digest daily 09:00 Europe/Berlin <#C0GENERAL|general>
/telnyx digest list
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    preview = flat(run.answer("vera@#general> /telnyx digest now"))
    assert "Daily Telnyx digest for" in preview and "A preview only you can see" in preview
    sections = (
        "Balance and runway",
        "Spend",
        "Top cost drivers",
        "Webhook health",
        "Top-ups waiting",
        "Unpaid",
    )
    assert all(section in preview for section in sections)
    assert "$884.60" in preview and "charged numbers" in preview and "Could not be read" not in preview
    refused = flat(run.answer("ada@#general> /telnyx digest daily 9am UTC #general"))
    assert "9am is not a time of day" in refused and "24-hour clock" in refused
    added = flat(run.answer("ada@#general> /telnyx digest daily 09:00 Europe/Berlin <#C0GENERAL|general>"))
    assert "set up a Telnyx digest here, daily at 09:00 (Europe/Berlin)" in added
    assert "added: daily at 09:00 (Europe/Berlin)" in added
    assert "daily at 09:00 (Europe/Berlin)" in flat(run.answer("ada@#general> /telnyx digest list"))
