"""The console's machinery, against a small fixture app on the real services and the sandbox: buttons,
confirm dialogs, changed messages, DMs, modals with inline errors, files, shortcuts, errors and exit codes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.config import Settings
from devkit.console.people import policy_path
from devkit.console.stack import console_mapping
from devkit.sandbox import DEFAULT_API_KEY, Sandbox, SandboxConfig
from tests.devkit.console.conftest import RunScript
from tests.devkit.console.fixture_app import make_fixture_app


async def fixture(run_script: RunScript, script: str, **kwargs: object):
    return await run_script(script, make_app=make_fixture_app, **kwargs)


async def test_banner_answers_and_buttons_are_numbered_and_marked_as_sandbox(run_script: RunScript) -> None:
    run = await fixture(run_script, "/telnyx balance\n")
    assert run.code == 0
    assert "SANDBOX: every answer comes from the built-in sandbox account" in run.text
    answer = run.answer("vera@#general> /telnyx balance")
    assert "Telnyx in #general · only visible to you" in answer
    assert "Balance" in answer and "$384.60" in answer  # the sandbox account (seed 7)
    assert "[1] Refresh  [2] Share in channel" in answer
    assert "🧪 Sandbox data" in answer and "sandbox data ─╯" in answer


async def test_click_by_number_redraws_the_message_and_share_posts_to_the_channel(
    run_script: RunScript,
) -> None:
    run = await fixture(run_script, "/telnyx balance\nclick 2\nclick 1\n")
    assert run.code == 0
    shared = run.answer("vera@#general> click 2")
    assert "Vera Viewer clicked [2] Share in channel" in shared
    assert (
        "Telnyx in #general ─" in shared and "Shared by @Vera Viewer" in shared
    )  # not "only visible to you"
    refreshed = run.answer("vera@#general> click 1")
    assert "only visible to you · changed" in refreshed and "Refreshed just now" in refreshed


async def test_a_button_that_is_gone_is_an_error_in_a_script(run_script: RunScript) -> None:
    run = await fixture(run_script, "/telnyx balance\nclick 1\nclick 2\n/telnyx balance\n")
    assert run.code == 1
    assert "✗ stdin line 3: button [2] Share in channel is no longer there" in run.text
    assert "vera@#general> /telnyx balance" not in run.after("click 2")  # the script stopped


async def test_topup_flow_card_confirm_dialog_update_and_dm(run_script: RunScript) -> None:
    script = "as rita\n/telnyx topup 120.00\nas fred\nin #approvals\nclick approve\nas rita\nshow dm\n"
    run = await fixture(run_script, script)
    assert run.code == 0, run.text
    request = run.answer("rita@#general> /telnyx topup 120.00")
    assert "Telnyx in #approvals ─" in request and "@Rita Requester asks for a top-up of $120.00" in request
    assert "[1] Approve (asks to confirm)  [2] Deny" in request
    approved = run.answer("fred@#approvals> click approve")
    assert "? Approve?: Pay $120.00 now?  [Pay / Back]" in approved  # the confirm dialog, confirmed
    assert "Telnyx in #approvals · changed" in approved and "approved by @Fred Finance, paid" in approved
    assert "Telnyx · DM with Rita Requester" in approved
    assert "Your top-up of $120.00: approved" in run.answer("rita@#approvals> show dm")


async def test_no_declines_a_confirm_dialog(run_script: RunScript) -> None:
    run = await fixture(run_script, "/telnyx topup 10\nclick 1 --no\n")
    declined = run.answer("click 1 --no")
    assert run.code == 0 and "(not clicked)" in declined and "changed" not in declined


async def test_modal_asks_each_input_and_shows_inline_errors_again(run_script: RunScript) -> None:
    # threshold 2000 is refused by the app; only that input is asked again
    script = "as fred\n/telnyx autorecharge\noff\n2000\n150\nach\n\n999.50\n"
    run = await fixture(run_script, script)
    assert run.code == 0, run.text
    modal = run.answer("fred@#general> /telnyx autorecharge")
    assert "modal: Auto-recharge" in modal and "Submit: Save · Close: Cancel" in modal
    assert "Threshold (USD)  [number, 0 to …, now 100.00]" in modal
    assert "⚠ Threshold (USD): At most 1000.00." in modal
    assert modal.count("Amount (USD) [number") == 1  # not asked again
    assert "Telnyx · DM with Fred Finance" in modal
    assert "ar_amount=150, ar_enabled=off, ar_invoice=[], ar_preference=ach, ar_threshold=999.50" in modal


async def test_enter_keeps_initial_values_and_cancel_closes(run_script: RunScript) -> None:
    kept = await fixture(run_script, "/telnyx autorecharge\n\n\n25\n1\nE-mail\n")
    assert "ar_enabled=on, ar_invoice=['yes'], ar_preference=credit_paypal, ar_threshold=100.00" in kept.flat
    cancelled = await fixture(run_script, "/telnyx autorecharge\n!cancel\n/telnyx balance\n")
    assert (
        cancelled.code == 0
        and "(modal closed: cancelled)" in cancelled.text
        and "Saved:" not in cancelled.text
    )


async def test_an_answer_the_slack_client_refuses_stops_a_script(run_script: RunScript) -> None:
    run = await fixture(run_script, "/telnyx autorecharge\non\nlots\n/telnyx balance\n")
    assert run.code == 1
    assert "✗ stdin line 3: Threshold (USD): 'lots' is not a number" in run.text


async def test_deny_modal_errors_then_card_redrawn(run_script: RunScript) -> None:
    script = "as rita\n/telnyx topup 50\nas fiona\nclick deny\nno\nover budget this month\n"
    run = await fixture(run_script, script)
    assert run.code == 0, run.text
    denied = run.answer("fiona@#general> click deny")
    assert "modal: Deny top-up" in denied and "⚠ Reason: Say why in 5 characters or more." in denied
    assert "Telnyx in #approvals · changed" in denied and "Denied: over budget this month" in denied


async def test_shortcut_posts_the_message_then_buttons_click_by_label(run_script: RunScript) -> None:
    run = await fixture(run_script, "shortcut diagnose alpha beta\nclick diag\nclick 2\n")
    assert run.code == 0, run.text
    answer = run.answer("shortcut diagnose alpha beta")
    assert "Vera Viewer in #general" in answer and "alpha beta" in answer
    assert "[1] Diagnose" in answer and "[2] Diagnose" in answer
    assert "Detail of alpha" in run.answer("click diag")  # the first of the latest answer's buttons
    assert "Detail of beta" in run.answer("click 2")


async def test_uploaded_files_are_saved_and_their_path_printed(run_script: RunScript, tmp_path: Path) -> None:
    run = await fixture(run_script, "in #audit\n/telnyx export\n")
    saved = tmp_path / "downloads" / "usage.csv"
    assert saved.read_bytes() == b"a,b\n1,2\n"
    assert f"📎 usage.csv (8 bytes) saved to {saved}" in run.flat
    assert "Telnyx in #audit" in run.text and "@Vera Viewer here is the usage." in run.text


async def test_people_as_and_in(run_script: RunScript) -> None:
    run = await fixture(run_script, "people\nas U0FIN2\nin approvals\nas Ada\nin dm\n/telnyx balance\n")
    assert run.code == 0
    for name in ("Vera Viewer", "Rita Requester", "Fred Finance", "Fiona Finance", "Ada Admin"):
        assert name in run.text
    assert "now acting as Fiona Finance (U0FIN2): finance (through the user group @finance)" in run.text
    assert "fiona@#approvals> as Ada" in run.text
    assert "Telnyx · DM with Ada Admin · only visible to you" in run.answer("ada@dm> /telnyx balance")


async def test_console_mistakes_stop_a_script_with_exit_code_1(run_script: RunScript) -> None:
    for script, message in [
        ("dance\n", "'dance' is not a console command"),
        ("click 9\n", "there is no button [9]"),
        ("as nobody\n", "'nobody' is not a preset person"),
        ("/other thing\n", "the app has no /other command"),
        ("shortcut zzz hello\n", "no single shortcut matches 'zzz'"),
    ]:
        run = await fixture(run_script, script + "/telnyx balance\n")
        assert run.code == 1, script
        assert f"✗ stdin line 1: {message}" in run.text
        assert "Account balance" not in run.text


async def test_refused_blocks_and_crashes_are_errors(run_script: RunScript) -> None:
    refused = await fixture(run_script, "/telnyx invalid\n")
    assert refused.code == 1 and "Slack refused response_url: invalid_blocks" in refused.text
    crashed = await fixture(run_script, "/telnyx crash\n")
    assert crashed.code == 1 and "the app logged an error: Failed to run listener function" in crashed.flat
    assert "HTTP" not in crashed.text  # acked in time: only the log tells


async def test_the_real_account_is_announced_and_every_payment_is_asked(run_script: RunScript) -> None:
    # a sandbox stands in for the real Telnyx API: the console only knows TELNYX_API_KEY is set
    async with Sandbox(SandboxConfig(api_key=DEFAULT_API_KEY)) as telnyx:
        env = {"TELNYX_API_KEY": DEFAULT_API_KEY, "TELNYX_BASE_URL": telnyx.base_url}
        script = "as rita\n/telnyx topup 20\n/telnyx topup 30\nas fred\nclick 1\nno\nclick 3\nyes\n"
        run = await fixture(run_script, script, env=env)
        payments = [r for r in telnyx.requests if r.path.endswith("/payment/stored_payment_transactions")]
    assert run.code == 0, run.text
    assert "REAL TELNYX ACCOUNT" in run.text and "SANDBOX" not in run.text
    assert "[REAL] rita@#general> /telnyx topup 20" in run.text
    declined = run.answer("[REAL] fred@#general> click 1")
    assert "REAL PAYMENT" in declined and "charge 20.00 USD" in declined
    assert (
        "payment declined: nothing was sent" in declined and "not paid: The payment was not sent" in declined
    )
    assert "sending the payment" in run.answer("[REAL] fred@#general> click 3")
    assert len(payments) == 1 and payments[0].json == {"amount": "30.00"}


def test_console_settings_keep_the_users_telnyx_account_and_tuning() -> None:
    user = Settings.from_mapping(
        {
            "TELNYX_API_KEY": "KEYREAL",
            "TELNYX_BASE_URL": "http://127.0.0.1:9/v2",
            "CACHE_TTL_SECONDS": "0",
            "LOW_BALANCE_THRESHOLD": "75.5",
            "ACCESS_POLICY": str(policy_path()),
        }
    )
    mapping = console_mapping(
        user,
        slack_api_url="http://127.0.0.1:1/api/",
        bot_token="xoxb-x",
        signing_secret="s",
        database_url="sqlite+aiosqlite:////tmp/x.db",
        telnyx_base_url=user.telnyx_base_url,
        telnyx_api_key="KEYREAL",
    )
    settings = Settings.from_mapping(mapping)
    assert settings.telnyx_base_url == "http://127.0.0.1:9/v2" and settings.cache_ttl_seconds == 0
    assert (
        settings.low_balance_threshold == Decimal("75.5")
        and settings.slack_api_url == "http://127.0.0.1:1/api/"
    )
    assert settings.access_policy == policy_path() and policy_path().name == "access.console.toml"
