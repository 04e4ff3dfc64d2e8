"""The console's `home`: the current person's Home tab drawn like a message, its buttons clicked by number,
and the Home drawn again when a click on it changed it."""

from __future__ import annotations

from tests.devkit.console.conftest import RunScript, flat


async def test_home_shows_each_persons_tab_and_its_buttons_work(run_script: RunScript) -> None:
    script = """
as rita
/telnyx topup 150 "launch week"
home
as fred
home
click approve
as rita
home
as vera
home
"""
    run = await run_script(script)
    assert run.code == 0, run.text
    asked = flat(run.answer("rita@#general> home", 0))
    assert "Home tab of Telnyx" in asked and "Your top-up requests" in asked
    assert "Waiting for finance · $150.00 · launch week" in asked and "Request top-up" in asked
    finance = flat(run.answer("fred@#general> home"))
    assert (
        "Top-ups waiting for approval: 1" in finance and "$150.00 for @Rita Requester: launch week" in finance
    )
    assert "Approve $150.00 (asks to confirm)" in finance and "Deny" in finance
    approved = flat(run.answer("fred@#general> click approve"))
    assert "Fred Finance clicked" in approved and "✅ Paid" in approved  # the card, redrawn
    assert "Home tab of Telnyx · changed" in approved and "Top-ups waiting for approval: none." in approved
    paid = flat(run.answer("rita@#general> home", -1))
    assert "✅ Paid · $150.00 · launch week" in paid and "Waiting for finance" not in paid
    viewer = flat(run.answer("vera@#general> home"))
    assert "Balance" in viewer and "Alerts: none firing" in viewer
    assert "Request top-up" not in viewer and "waiting for approval" not in viewer


async def test_home_takes_no_arguments(run_script: RunScript) -> None:
    run = await run_script("home please\n")
    assert run.code == 1
    assert "`home` takes nothing after it" in run.text
