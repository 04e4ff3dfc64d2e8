"""Money and the text helpers: exact strings, escaping, truncation, code blocks, date tokens."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatting.money import money
from formatting.text import (
    code_block,
    compact,
    duration,
    escape,
    escape_truncated,
    freshness,
    inline_code,
    period_label,
    plural,
    showing,
    slack_date,
    strip_control,
    truncate,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "USD", "$1,234.50"),
        ("-5", "USD", "-$5.00"),
        ("0", "USD", "$0.00"),
        ("-0.001", "USD", "$0.00"),  # a rounding residue is not shown as "-$0.00"
        ("12.5", "EUR", "€12.50"),
        ("12.5", "JPY", "¥13"),  # no minor unit; half up
        ("1000000.005", "USD", "$1,000,000.01"),
        ("123456789012345678901234567890.129", "USD", "$123,456,789,012,345,678,901,234,567,890.13"),
        ("12.5", "usd", "$12.50"),
    ],
)
def test_money_exact_strings(amount: str, currency: str, expected: str) -> None:
    assert money(Decimal(amount), currency) == expected


def test_money_exact_keeps_sub_cent_digits() -> None:
    assert money(Decimal("0.0051"), "USD", exact=True) == "$0.0051"
    assert money(Decimal("0.0051"), "USD") == "$0.01"
    assert money(Decimal("12.5"), "USD", exact=True) == "$12.50"


def test_money_never_takes_float_and_handles_odd_input() -> None:
    with pytest.raises(TypeError):
        money(1.5)  # type: ignore[arg-type]
    assert money(Decimal("NaN")) == "n/a"
    assert money(Decimal("Infinity")) == "n/a"
    assert money(Decimal("1E+40"), "USD").startswith("$10,000,000,000")
    assert money(Decimal("3"), "") == "3.00"
    assert money(Decimal("3"), "not a code") == "3.00 NOTACODE"
    assert money(Decimal("3"), "<!here>") == "3.00 HERE"
    assert money(Decimal("1234.5"), "USD", locale="de_DE") == "1.234,50\xa0$"


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_money_formats_any_finite_decimal(amount: Decimal) -> None:
    text = money(amount, "USD")
    assert "$" in text
    assert "e" not in text.lower()  # never scientific notation
    with localcontext() as ctx:
        ctx.prec = 10_000
        negative = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) < 0
    assert text.startswith("-") == negative


def test_escape_neutralises_mentions_links_and_entities() -> None:
    assert (
        escape("<!channel> & <@U1> <https://x|y>") == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;"
    )
    assert escape("a\x00b\x1bc\u202ed\r\ne\tf") == "abcd\ne\tf"
    assert strip_control("x\ry") == "x\ny"


def test_truncate_and_escape_truncated_respect_the_limit() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abcd", 4) == "abcd"
    assert truncate("abcdef", 0) == ""
    # an entity is never cut in half, and the limit counts escaped characters
    out = escape_truncated("a&&&&&", 8)
    assert out == "a&amp;…" and len(out) <= 8
    assert escape_truncated("<<", 8) == "&lt;&lt;"
    assert escape_truncated("a\n b", 10, single_line=True) == "a b"


@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_escape_truncated_never_breaks_an_entity(text: str, limit: int) -> None:
    out = escape_truncated(text, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out
    assert "&" not in re.sub(r"&(amp|lt|gt);", "", out)


def test_inline_code_cannot_be_closed_early() -> None:
    code = inline_code("a`b<@U1>", 50)
    assert code == "`aˋb&lt;@U1&gt;`"
    assert inline_code("") == "` `"


def test_code_block_is_safe_against_fences_and_says_truncated() -> None:
    hostile = "```\n<!channel> hi <@U1>\n```"
    block = code_block(hostile, 200)
    inner = block[len("```\n") : -len("\n```")]
    assert "```" not in inner
    assert "&lt;!channel&gt;" in inner and "&lt;@U1&gt;" in inner
    assert block.startswith("```\n") and block.endswith("\n```")

    long = code_block("x" * 5000, 1000)
    assert len(long) <= 1000
    assert "_truncated: showing" in long and "of 5,000 characters_" in long


@given(st.text(max_size=3000), st.integers(min_value=80, max_value=3000))
def test_code_block_fits_and_keeps_one_fence_pair(text: str, limit: int) -> None:
    block = code_block(text, limit)
    assert len(block) <= limit
    assert block.count("```") == 2


def test_slack_date_token_has_a_utc_fallback() -> None:
    moment = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert slack_date(moment) == "<!date^1714566600^{date_short_pretty} {time}|2024-05-01 12:30 UTC>"
    # a naive datetime is taken as UTC; another zone is converted
    assert slack_date(moment.replace(tzinfo=None)) == slack_date(moment)
    from zoneinfo import ZoneInfo

    paris = moment.astimezone(ZoneInfo("Europe/Paris"))
    assert slack_date(paris) == slack_date(moment)


def test_freshness_and_counts() -> None:
    now = datetime(2024, 5, 1, 12, 0, 12, tzinfo=UTC)
    assert freshness(now - timedelta(seconds=12), now) == "as of 12 s ago"
    assert freshness(now, now) == "as of just now"
    assert freshness(now + timedelta(seconds=5), now) == "as of just now"
    assert freshness(now - timedelta(minutes=3), now) == "as of 3 min ago"
    assert plural(1, "record") == "1 record"
    assert plural(1024, "entry", "entries") == "1,024 entries"
    assert showing(10, 35, "invoice") == "showing 10 of 35 invoices"
    assert showing(35, 35, "invoice") == "35 invoices"
    assert duration(0.25) == "250 ms" and duration(1.44) == "1.4 s" and duration(125) == "2 min 5 s"


def test_compact_renders_any_json_type_on_one_line() -> None:
    assert compact(None) == "(none)"
    assert compact(54321) == "54321"
    assert compact(True) == "true"
    assert compact("") == '""'
    assert compact("plain") == "plain"
    assert compact({"b": [1, 2], "a": {"x": None}}) == '{"a":{"x":null},"b":[1,2]}'
    assert len(compact("y" * 1000, 50)) == 50


def test_period_labels_treat_end_as_exclusive() -> None:
    assert period_label(date(2024, 5, 1), date(2024, 6, 1)) == "May 2024"
    assert period_label(date(2024, 5, 3), date(2024, 5, 10)) == "May 3 – May 9, 2024"
    assert period_label(date(2024, 12, 20), date(2025, 1, 11)) == "Dec 20, 2024 – Jan 10, 2025"
    assert period_label(date(2024, 5, 3), date(2024, 5, 4)) == "May 3, 2024"
    assert period_label(date(2024, 5, 1), date(2024, 5, 31), end_exclusive=False) == "May 2024"
