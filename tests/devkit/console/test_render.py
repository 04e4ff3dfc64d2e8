"""Rendering is pure: mrkdwn, dates, blocks, messages and modals to text, read back with export_text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from rich.console import Console, RenderableType

from devkit.console.blocks import Look
from devkit.console.mrkdwn import slack_date, to_rich
from devkit.console.people import Names
from devkit.console.render import REAL_MARK, render_errors, render_message, render_view
from devkit.slackfake import Message

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
NAMES = Names.presets()
NAMES.dms["D0REQUEST"] = "U0REQUEST"
LOOK = Look(NAMES, NOW, UTC)


def text_of(renderable: RenderableType, width: int = 100) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def mrkdwn(text: str) -> str:
    return text_of(to_rich(text, NAMES, now=NOW, tz=UTC)).strip()


def section(text: str, **extra: object) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str, **extra: object) -> dict:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, **extra}


def test_mrkdwn_styles_mentions_channels_groups_and_escapes() -> None:
    assert mrkdwn("*Balance* is _low_, ~old~ `KEY&amp;1`") == "Balance is low, old KEY&1"
    assert mrkdwn("<@U0REQUEST> asked in <#C0APPROVALS> for <!subteam^S0FINANCE>") == (
        "@Rita Requester asked in #approvals for @finance"
    )
    assert mrkdwn("<@U0NOBODY> <#C0ELSE|random> <!here>") == "@U0NOBODY #random @here"
    assert mrkdwn("a &lt;b&gt; &amp;lt; *x*y 2*3*4") == "a <b> &lt; *x*y 2*3*4"  # no bold inside words
    assert mrkdwn(":test_tube: Sandbox") == "🧪 Sandbox"


def test_links_show_their_text_and_address() -> None:
    assert mrkdwn("<https://portal.telnyx.com/x?a=1&amp;b=2|the portal>") == (
        "the portal (https://portal.telnyx.com/x?a=1&b=2)"
    )
    assert mrkdwn("<https://status.telnyx.com>") == "https://status.telnyx.com"


def test_code_blocks_keep_their_lines_in_a_box() -> None:
    shown = mrkdwn('Payload:\n```{\n  "a": 1 &amp; 2\n}```\nafter')
    lines = [line.strip() for line in shown.splitlines()]
    assert lines[0] == "Payload:"
    assert "│ {            │" in lines and '│   "a": 1 & 2 │' in lines and lines[-1] == "after"


def test_dates_read_in_the_readers_zone() -> None:
    ts = int(datetime(2025, 3, 3, 9, 30, tzinfo=UTC).timestamp())
    assert mrkdwn(f"<!date^{ts}^{{date_short_pretty}} {{time}}|2025-03-03 09:30 UTC>") == "today 09:30"
    paris = timezone(timedelta(hours=1))
    assert slack_date(ts, "{date_num} {time}", now=NOW, tz=paris) == "2025-03-03 10:30"
    assert (
        slack_date(ts - 86400 * 3, "{date_short_pretty} ({ago})", now=NOW, tz=UTC)
        == "Feb 28, 2025 (3 days ago)"
    )
    assert slack_date(ts, "{date_long}", now=NOW, tz=UTC) == "Monday, March 3rd, 2025"
    assert mrkdwn("<!date^notanumber^{date}|the fallback>") == "the fallback"


def test_message_panel_says_who_sees_it_and_numbers_every_button() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Webhook deliveries"}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": "*Failed*\n3"}, {"type": "mrkdwn", "text": "*OK*\n9"}],
        },
        section(
            "`message.finalized` to example.com", accessory=button("Diagnose", "webhook_detail", value="d1")
        ),
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                button("Refresh", "refresh", value="r"),
                button("Portal", "link", url="https://portal.telnyx.com"),
                button(
                    "Delete",
                    "delete",
                    style="danger",
                    confirm={"title": {"type": "plain_text", "text": "Sure?"}},
                ),
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Fetched by <@U0FIN1>"}]},
    ]
    message = Message(
        channel="C0GENERAL", ts="1.1", text="fallback", blocks=blocks, user="U0BOT", ephemeral_to="U0FIN1"
    )
    shown = render_message(message, LOOK, viewer="U0FIN1", first_button=7)
    text = text_of(shown.renderable)
    assert "Telnyx in #general · only visible to you" in text and "sandbox data" in text
    assert "Webhook deliveries" in text and "Failed" in text and "OK" in text
    assert "message.finalized to example.com" in text and "[7] Diagnose" in text
    assert "[8] Refresh  [9] Portal ↗ https://portal.telnyx.com  [10] Delete (asks to confirm)" in text
    assert "Fetched by @Fred Finance" in text and "fallback" not in text
    assert [(b.number, b.label, b.value) for b in shown.buttons] == [
        (7, "Diagnose", "d1"),
        (8, "Refresh", "r"),
        (9, "Portal", None),
        (10, "Delete", None),
    ]
    assert shown.buttons[3].confirm == {"title": {"type": "plain_text", "text": "Sure?"}}


def test_audiences_changes_files_and_the_real_account_mark() -> None:
    others = Message(channel="C0GENERAL", ts="1.2", text="hi *there*", user="U0BOT", ephemeral_to="U0REQUEST")
    assert "only visible to Rita Requester" in text_of(
        render_message(others, LOOK, viewer="U0FIN1").renderable
    )
    dm = Message(channel="D0REQUEST", ts="1.3", text="Approved", user="U0BOT", files=["F1"])
    shown = text_of(
        render_message(dm, LOOK, changed=True, mark=REAL_MARK, files={"F1": "downloads/a.csv"}).renderable
    )
    assert "Telnyx · DM with Rita Requester · changed" in shown and "REAL TELNYX ACCOUNT" in shown
    assert "📎 file F1 saved to downloads/a.csv" in shown and "Approved" in shown
    person = Message(channel="C0GENERAL", ts="1.4", text="webhook 123 failed", user="U0ADMIN")
    shown = text_of(render_message(person, LOOK).renderable)
    assert "Ada Admin in #general" in shown and "sandbox data" not in shown  # a person's words are not data


def test_modal_shows_inputs_their_values_and_inline_errors() -> None:
    view = {
        "id": "V1",
        "type": "modal",
        "title": {"type": "plain_text", "text": "Auto-recharge"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section("Changes apply at once."),
            {
                "type": "input",
                "block_id": "thr",
                "label": {"type": "plain_text", "text": "Threshold"},
                "hint": {"type": "plain_text", "text": "USD, two decimals"},
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": True,
                    "min_value": "0",
                    "max_value": "10000",
                    "initial_value": "100.00",
                },
            },
            {
                "type": "input",
                "block_id": "pref",
                "optional": True,
                "label": {"type": "plain_text", "text": "Pay with"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Card"}, "value": "credit_paypal"},
                        {"text": {"type": "plain_text", "text": "ACH"}, "value": "ach"},
                    ],
                },
            },
        ],
    }
    text = text_of(render_view(view, LOOK).renderable)
    assert "modal: Auto-recharge" in text and "Changes apply at once." in text
    assert "Threshold  [number, 0 to 10000, now 100.00]" in text and "USD, two decimals" in text
    assert "Pay with (optional)  [choose one: Card, ACH]" in text and "Submit: Save · Close: Cancel" in text
    errors = text_of(render_errors({"thr": "At most 5000.00.", "other": "Bad."}, view))
    assert "⚠ Threshold: At most 5000.00." in errors and "⚠ other: Bad." in errors


def test_unknown_blocks_are_named_not_dropped() -> None:
    message = Message(channel="C0GENERAL", ts="1.5", blocks=[{"type": "video", "title": "x"}], user="U0BOT")
    assert "[a video block the console does not draw]" in text_of(render_message(message, LOOK).renderable)


def test_brackets_in_app_text_are_shown_not_read_as_markup() -> None:
    view = {
        "id": "V2",
        "type": "modal",
        "title": {"type": "plain_text", "text": "Deny [/draft]"},
        "blocks": [],
    }
    assert "modal: Deny [/draft]" in text_of(render_view(view, LOOK).renderable)
    message = Message(channel="C0NEW", ts="1.6", text="[bold]x[/bold] [/oops]", user="U0BOT")
    shown = text_of(render_message(message, LOOK).renderable)
    assert "Telnyx in C0NEW" in shown and "[bold]x[/bold] [/oops]" in shown
