"""Sharing, the sandbox mark, error answers, help, exports, and hostile text in webhook bodies."""

from __future__ import annotations

import pytest

from bot import ids
from bot.diagnosis import diagnose
from bot.errors import (
    FieldProblem,
    PaymentOutcomeUnknown,
    TelnyxAuthError,
    TelnyxError,
    TelnyxInvalidInput,
    TelnyxNetworkError,
    TelnyxNotFound,
    TelnyxPermissionDenied,
    TelnyxRateLimited,
    TelnyxUnavailable,
)
from formatting import (
    HelpEntry,
    channel_copy,
    error_blocks,
    error_text,
    export_done_blocks,
    export_progress_blocks,
    help_blocks,
    help_text,
    invoice_blocks,
    sandbox_context,
    shared_by_context,
    unknown_command_blocks,
    usage_error_blocks,
    webhook_blocks,
    with_share_button,
)
from formatting.export import export_failed_blocks
from formatting.webhooks import no_ids_blocks
from tests.formatting import factories as f
from tests.formatting.checks import find_buttons, valid


def test_share_button_and_channel_copy() -> None:
    answer = with_share_button(
        invoice_blocks(f.invoice(0, download_url="https://files.example.com/x.pdf")), "invoice inv-0000"
    )
    valid(answer)
    share = find_buttons(answer)[-1]
    assert (share["action_id"], share["value"], share["text"]["text"]) == (
        ids.ACTION_SHARE,
        "invoice inv-0000",
        "Share in channel",
    )
    copy = channel_copy(answer, "U0123ABC")
    text = valid(copy)
    assert text.startswith(":busts_in_silhouette: Shared by <@U0123ABC>")
    # the personal, short-lived link and the share button never reach the channel
    assert find_buttons(copy) == []
    assert "files.example.com" not in str([b.to_dict() for b in copy])


def test_channel_copy_keeps_ordinary_buttons_and_drops_link_accessories() -> None:
    from formatting.layout import button, section

    blocks = [
        section("a", accessory=button("Open", ids.ACTION_INVOICE_LINK, url="https://x.example/y")),
        section("b", accessory=button("Download", ids.ACTION_INVOICE_DOWNLOAD, value="inv-1")),
    ]
    copy = channel_copy(blocks, "U1AB")
    assert [b["action_id"] for b in find_buttons(copy)] == [ids.ACTION_INVOICE_DOWNLOAD]
    valid(copy)


def test_shared_by_accepts_only_user_ids() -> None:
    assert "<@W0ABC>" in shared_by_context("W0ABC").to_dict()["elements"][0]["text"]
    with pytest.raises(ValueError):
        shared_by_context("U1> <!channel")


def test_share_value_over_2000_is_refused() -> None:
    with pytest.raises(ValueError, match="2000"):
        with_share_button([sandbox_context()], "x" * 2001)


def test_sandbox_mark() -> None:
    assert "Sandbox data: not a real Telnyx account" in valid([sandbox_context()])


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (TelnyxAuthError(status=401), ("rejected the bot's API key", "Ask an admin", "configuration")),
        (TelnyxPermissionDenied(status=403), ("not allowed", "billing")),
        (TelnyxNotFound(status=404), ("no such record", "Check the id")),
        (TelnyxRateLimited(retry_after=2.2), ("rate limiting", "Wait 3 s")),
        (TelnyxUnavailable(status=503), ("unavailable", "status.telnyx.com")),
        (TelnyxNetworkError(), ("could not reach Telnyx",)),
        (PaymentOutcomeUnknown(), ("may or may not", "Do not retry")),
        (TelnyxNotFound(subject="invoice", item_id="Odd <!channel> thing"), ("Odd &lt;!channel&gt; thing",)),
        (TelnyxError(), ("answered with an error", "Try again in a minute")),
    ],
)
def test_every_error_says_what_happened_and_what_to_do(err: TelnyxError, words: tuple[str, ...]) -> None:
    text = valid(error_blocks(err))
    for word in words:
        assert word in text
    assert words[0].split(" &")[0] in error_text(err)


def test_invalid_input_lists_field_problems() -> None:
    err = TelnyxInvalidInput(
        status=422,
        problems=[
            FieldProblem(title="Invalid value", detail="must be at most 31 days", field="end_date"),
            FieldProblem(title="Required"),
        ],
    )
    text = valid(error_blocks(err))
    assert "• `end_date`: Invalid value — must be at most 31 days" in text
    assert "• Required" in text
    assert "Telnyx answered HTTP 422." in text


def test_help_unknown_and_usage_error() -> None:
    entries = [
        HelpEntry("balance", "Show the balance.", "balance"),
        HelpEntry("/telnyx invoices [N]", "Latest invoices.", "/telnyx invoices 3"),
    ]
    text = valid(help_blocks(entries))
    assert "`/telnyx balance` — Show the balance." in text and "e.g. `/telnyx invoices 3`" in text
    assert "/telnyx invoices [N]" in help_text(entries)
    unknown = valid(unknown_command_blocks("balanse", "balance", entries))
    assert (
        "`/telnyx balanse` is not a command I know" in unknown
        and "Did you mean `/telnyx balance`?" in unknown
    )
    assert "Did you mean" not in valid(unknown_command_blocks("zzz", None, entries))
    usage = valid(usage_error_blocks("`invoices` takes a number", "1 to 24", "invoices 6"))
    assert "*Accepted:* 1 to 24" in usage and "`/telnyx invoices 6`" in usage


def test_export_messages() -> None:
    progress = valid(export_progress_blocks(3, 10, 1234, title="messaging May 2024", user_id="U1AB"))
    assert "3 of 10 pages (1,234 rows so far)" in progress and "<@U1AB>" in progress
    assert "▓▓▓▓▓▓░" in progress
    done = valid(export_done_blocks(1234, "telnyx-messaging.csv"))
    assert "`telnyx-messaging.csv` with 1,234 rows" in done
    assert "could not be uploaded" in valid(export_done_blocks(5, "x.csv", uploaded=False))
    assert "rate limiting" in valid(export_failed_blocks(TelnyxRateLimited()))
    assert "no webhook delivery id" in valid(no_ids_blocks("webhook"))


HOSTILE_BODY = (
    "<!channel> <!here> <@U1> ```\nrm -rf /``` <https://evil.example|login> &lt; \x00\x1b[31m\u202egnp.exe"
)


def test_hostile_response_body_is_shown_as_inert_text() -> None:
    d = f.delivery(f.attempt(http=500, body=HOSTILE_BODY), payload={"text": HOSTILE_BODY})
    blocks = webhook_blocks(d, diagnose(d))
    text = valid(blocks)  # no raw <, > or & anywhere outside the bot's own tokens
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U1&gt;" in text
    assert "&lt;https://evil.example|login&gt; &amp;lt;" in text
    assert "\x00" not in text and "\x1b" not in text and "\u202e" not in text
    response = next(b.to_dict()["text"]["text"] for b in blocks if "Last response" in str(b.to_dict()))
    # exactly one fenced block: the ``` inside the body cannot close it
    assert response.count("```") == 2


def test_huge_body_is_cut_and_says_so() -> None:
    d = f.delivery(f.attempt(http=500, body="x" * 10_240))
    text = valid(webhook_blocks(d, diagnose(d)))
    assert "_truncated: showing" in text and "of 10,240 characters_" in text


def test_freshness_context_for_any_cached_answer() -> None:
    from datetime import timedelta

    from formatting import freshness_context

    text = valid([freshness_context(f.T0, from_cache=True, now=f.T0 + timedelta(seconds=12))])
    assert "Cached, as of 12 s ago" in text


def test_caller_values_over_2000_chars_are_refused_not_cut() -> None:
    from decimal import Decimal

    from formatting import UsageStats, charges_breakdown_blocks, usage_blocks

    with pytest.raises(ValueError, match="store the state"):
        charges_breakdown_blocks(f.breakdown(1), csv_value="v" * 2001)
    with pytest.raises(ValueError):
        usage_blocks(
            "messaging",
            "p",
            f.records(1),
            UsageStats(1, Decimal(0)),
            nav_value_prev=None,
            nav_value_next="n" * 2001,
            export_value="e",
        )


def test_ids_too_long_for_a_button_lose_the_button_not_the_row() -> None:
    from formatting import invoices_blocks

    blocks = invoices_blocks(
        [f.invoice(0).model_copy(update={"invoice_id": "i" * 2001})], total=1, fetched_at=f.T0
    )
    text = valid(blocks)
    assert find_buttons(blocks) == [] and "April 2024" in text
