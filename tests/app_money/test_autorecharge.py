"""Auto-recharge over HTTP: the preferences, Edit (finance only) with a prefilled modal, inline errors as
Slack shows them, the access check again at submit, the PATCH, and the before -> after answer."""

from decimal import Decimal
from typing import Any

import pytest

from bot import ids
from bot.access import parse_policy
from devkit.sandbox import Fault
from devkit.slackfake.records import visible_text
from devkit.slackfake.values import radio_buttons, static_select, text_input
from tests.app.harness import Bot, text_of
from tests.app_money.helpers import ALICE, FIN1, FIN2, GENERAL, audit_posts, buttons

PREFS = "/v2/payment/auto_recharge_prefs"


def form(threshold: str | None, amount: str | None, preference: str | None = "ach") -> dict[str, Any]:
    """The modal's values as Slack submits them."""
    return {
        ids.BLOCK_AR_ENABLED: {ids.INPUT: radio_buttons("on", "On")},
        ids.BLOCK_AR_THRESHOLD: {ids.INPUT: text_input(threshold)},
        ids.BLOCK_AR_AMOUNT: {ids.INPUT: text_input(amount)},
        ids.BLOCK_AR_PREFERENCE: {ids.INPUT: static_select(preference)},
        ids.BLOCK_AR_INVOICE: {ids.INPUT: radio_buttons("on", "On")},
    }


async def open_editor(bot: Bot, user: str = FIN1) -> dict[str, Any]:
    """`/telnyx autorecharge`, then Edit; return the modal."""
    [prefs] = await bot.command("autorecharge", user=user)
    assert buttons(prefs)[0] == ids.ACTION_AUTORECHARGE_EDIT
    await bot.click(prefs, ids.ACTION_AUTORECHARGE_EDIT, user=user)
    [modal] = bot.slack.view_stack(user)
    return modal


def initial(modal: dict[str, Any], block_id: str) -> Any:
    element = next(b["element"] for b in modal["blocks"] if b.get("block_id") == block_id)
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


async def test_only_those_allowed_see_edit_and_the_others_are_told_why(bot):
    prefs = bot.sandbox.state.auto_recharge
    [viewer] = await bot.command("autorecharge", user=ALICE)
    text = text_of([viewer])
    assert f"Recharge when balance is below*\n${prefs['threshold_amount']:,.2f}" in text
    assert f"*Recharge amount*\n${prefs['recharge_amount']:,.2f}" in text
    assert buttons(viewer) == [ids.ACTION_SHARE] and "You cannot change auto-recharge" in text
    [fin] = await bot.command("autorecharge", user=FIN1)
    assert buttons(fin) == [ids.ACTION_AUTORECHARGE_EDIT, ids.ACTION_SHARE] and "You cannot" not in text_of(
        [fin]
    )


async def test_edit_opens_a_modal_prefilled_with_what_telnyx_has_now(bot):
    bot.sandbox.state.auto_recharge.update(enabled=True, invoice_enabled=False, preference="credit_paypal")
    bot.sandbox.state.auto_recharge.update(
        threshold_amount=Decimal("100.00"), recharge_amount=Decimal("250.00")
    )
    await bot.command("autorecharge", user=FIN1)  # caches these values for a few seconds
    bot.sandbox.state.auto_recharge["threshold_amount"] = Decimal("80.50")  # changed in the portal meanwhile
    modal = await open_editor(bot)
    assert modal["callback_id"] == ids.VIEW_AUTORECHARGE and modal["submit"]["text"] == "Save"
    assert initial(modal, ids.BLOCK_AR_ENABLED) == "on" and initial(modal, ids.BLOCK_AR_INVOICE) == "off"
    assert (
        initial(modal, ids.BLOCK_AR_THRESHOLD) == "80.50" and initial(modal, ids.BLOCK_AR_AMOUNT) == "250.00"
    )
    assert initial(modal, ids.BLOCK_AR_PREFERENCE) == "credit_paypal"


async def test_bad_amounts_get_inline_errors_and_nothing_is_sent(bot):
    modal = await open_editor(bot)
    example = "e.g. 150, 150.50 or 1,234.56."
    cases = [
        (
            form("ten", "0", None),
            {
                ids.BLOCK_AR_THRESHOLD: f'"ten" is not an amount: write it in digits, {example}',
                ids.BLOCK_AR_AMOUNT: f'"0" is not an amount: it must be more than 0, {example}',
                ids.BLOCK_AR_PREFERENCE: "Choose a payment method",
            },
        ),
        (
            form("-1", "12.345"),
            {
                ids.BLOCK_AR_THRESHOLD: f'"-1" is not an amount: it must be 0 or more, {example}',
                ids.BLOCK_AR_AMOUNT: '"12.345" has more than two decimals: amounts are in whole cents, e.g. 150.50; write thousands as 1,000.',
            },
        ),
        (
            form("NaN", "2000000"),
            {
                ids.BLOCK_AR_THRESHOLD: f'"NaN" is not an amount: give a number of dollars, {example}',
                ids.BLOCK_AR_AMOUNT: '"2000000" is too large: amounts are at most $100,000.00.',
            },
        ),
    ]
    for values, errors in cases:
        resp = await bot.requests.view_submission(modal, values, user=FIN1)
        assert resp.json == {"response_action": "errors", "errors": errors}
    await bot.idle()
    assert bot.slack.view_stack(FIN1) == [modal] and bot.sandbox.request_count(PREFS, "PATCH") == 0


@pytest.mark.parametrize("typed", ["2,50", "5,00", "1.000,50"])
async def test_a_decimal_comma_is_refused_under_the_input_and_nothing_is_sent(bot, typed):
    before = dict(bot.sandbox.state.auto_recharge)
    modal = await open_editor(bot)
    error = (
        f'"{typed}" is not an amount: use a dot for cents and commas only between groups of three digits, '
        "e.g. 150, 150.50 or 1,234.56."
    )
    for values, block in (
        (form("75", typed), ids.BLOCK_AR_AMOUNT),
        (form(typed, "300"), ids.BLOCK_AR_THRESHOLD),
    ):
        resp = await bot.requests.view_submission(modal, values, user=FIN1)
        assert resp.json == {"response_action": "errors", "errors": {block: error}}
        assert len(error) < 150  # Slack shows an inline error of at most 150 characters
    await bot.idle()
    assert bot.slack.view_stack(FIN1) == [modal]  # still open, the error under the input
    assert bot.sandbox.request_count(PREFS, "PATCH") == 0
    assert bot.sandbox.state.auto_recharge == before


async def test_save_patches_once_and_answers_before_and_after(bot):
    bot.sandbox.state.auto_recharge.update(  # known starting values, whatever the sandbox generates
        threshold_amount=Decimal("100.00"),
        recharge_amount=Decimal("250.00"),
        preference="credit_paypal",
        enabled=True,
    )
    modal = await open_editor(bot, FIN2)  # finance through the user group
    resp = await bot.requests.view_submission(modal, form("$75", "1,500.5"), user=FIN2)
    await bot.idle()
    assert resp.ok and bot.slack.view_stack(FIN2) == []
    assert bot.sandbox.request_count(PREFS, "PATCH") == 1
    state = bot.sandbox.state.auto_recharge
    assert (state["threshold_amount"], state["recharge_amount"]) == (Decimal("75.00"), Decimal("1500.50"))
    assert (state["preference"], state["invoice_enabled"]) == ("ach", True)
    answer = text_of(bot.slack.messages(GENERAL, FIN2)[-1:])
    assert "*Recharge when balance is below*: $100.00 → *$75.00*" in answer
    assert "*Payment method*: Credit card / PayPal → *ACH bank transfer*" in answer
    assert "Auto-recharge: on (unchanged)" in answer and "Changed by <@U0FIN2>" in answer
    posts = audit_posts(bot)
    assert "autorecharge.change* on `autorecharge` by <@U0FIN2>: *ok*" in posts
    assert "threshold_amount: $100.00 → $75.00" in posts and "recharge_amount: $250.00 → $1,500.50" in posts


async def test_access_is_checked_again_when_the_form_is_submitted(bot):
    before = bot.sandbox.state.auto_recharge["threshold_amount"]
    modal = await open_editor(bot, FIN2)
    # FIN2 leaves finance (the policy in force changes) while the modal is open
    bot.svc.access.policy = parse_policy(
        {
            "roles": {
                "viewer": ["*"],
                "requester": ["U0REQUEST"],
                "finance": ["U0FIN1"],
                "admin": ["U0ADMIN"],
            },
            "channels": {"approvals": "C0APPROVALS", "audit": "C0AUDIT"},
            "limits": {"max_topup": "500.00", "daily_topup": "1000.00"},
        }
    )
    await bot.requests.view_submission(modal, form("75", "300"), user=FIN2)
    await bot.idle()
    answer = text_of(bot.slack.messages(GENERAL, FIN2)[-1:])
    assert "You may not change auto-recharge" in answer and "finance or admin role" in answer
    assert bot.sandbox.request_count(PREFS, "PATCH") == 0
    assert bot.sandbox.state.auto_recharge["threshold_amount"] == before
    assert "<@U0FIN2> was refused *change_autorecharge* on `change auto-recharge`" in audit_posts(bot)


async def test_leaving_the_finance_group_takes_effect_at_submit_despite_the_cached_membership(bot):
    modal = await open_editor(bot, FIN2)  # FIN2 is finance through S0FINANCE: membership now cached
    bot.slack.set_usergroup("S0FINANCE", [])  # removed from the group while the modal is open
    await bot.requests.view_submission(modal, form("75", "300"), user=FIN2)
    await bot.idle()
    answer = text_of(bot.slack.messages(GENERAL, FIN2)[-1:])
    assert "You may not change auto-recharge" in answer
    assert bot.sandbox.request_count(PREFS, "PATCH") == 0


async def test_telnyx_failing_changes_nothing_and_says_so(bot):
    modal = await open_editor(bot)
    [prefs] = bot.slack.messages(GENERAL, FIN1)
    bot.sandbox.set_fault(PREFS, Fault(status=503))
    await bot.requests.view_submission(modal, form("75", "300"), user=FIN1)
    await bot.idle()
    assert "Telnyx is unavailable" in text_of(bot.slack.messages(GENERAL, FIN1)[-1:])
    assert bot.sandbox.request_count(PREFS, "PATCH") == 0
    assert "autorecharge.change* on `autorecharge` by <@U0FIN1>: *failed*" in audit_posts(bot)
    await bot.click(
        prefs, ids.ACTION_AUTORECHARGE_EDIT, user=FIN1
    )  # the modal says so instead of loading forever
    [broken] = bot.slack.view_stack(FIN1)
    assert "Telnyx is unavailable" in visible_text(broken["blocks"]) and broken.get("submit") is None


async def test_a_save_that_changes_nothing_says_so_and_sends_and_records_nothing(bot):
    bot.sandbox.state.auto_recharge.update(
        threshold_amount=Decimal("100.00"),
        recharge_amount=Decimal("250.00"),
        preference="ach",
        enabled=True,
        invoice_enabled=True,
    )
    modal = await open_editor(bot)
    records = await bot.svc.audit.recent()
    resp = await bot.requests.view_submission(modal, form("100", "250.00"), user=FIN1)  # as they are
    await bot.idle()
    assert resp.ok and bot.slack.view_stack(FIN1) == []
    answer = text_of(bot.slack.messages(GENERAL, FIN1)[-1:])
    assert "nothing changed" in answer and "nothing was sent to Telnyx" in answer
    assert "Auto-recharge saved" not in answer and "Changed by" not in answer
    assert bot.sandbox.request_count(PREFS, "PATCH") == 0
    assert await bot.svc.audit.recent() == records and "autorecharge.change" not in audit_posts(bot)


async def test_a_save_sends_telnyx_only_what_changed(bot):
    bot.sandbox.state.auto_recharge.update(
        threshold_amount=Decimal("100.00"),
        recharge_amount=Decimal("250.00"),
        preference="ach",
        enabled=True,
        invoice_enabled=True,
    )
    modal = await open_editor(bot)
    await bot.requests.view_submission(modal, form("75", "250"), user=FIN1)
    await bot.idle()
    [patch] = [r for r in bot.sandbox.requests if r.method == "PATCH"]
    assert patch.json == {"threshold_amount": "75.00"}
    assert "threshold_amount: $100.00 → $75.00" in audit_posts(bot)
