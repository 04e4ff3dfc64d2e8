"""The one amount type: every accepted way of writing an amount reads back the same, every refusal says
(in formatting/amounts.py's words) what was read and gives an example, and what the card shows reads back
as the amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bot.money import (
    CENT,
    MAX_AMOUNT,
    Amount,
    InvalidAmount,
    NonNegativeAmount,
    parse_amount,
    refusal_in,
    wire_decimal,
)
from formatting.amounts import amount_problem, amount_reason
from formatting.money import money

AMOUNTS = st.integers(min_value=1, max_value=99_999_999_999).map(lambda cents: Decimal(cents) / 100)


def styles(amount: Decimal) -> list[str]:
    """The amount written in every style people use and the parser accepts."""
    two, grouped = f"{amount:.2f}", f"{amount:,.2f}"
    short, grouped_short = two.rstrip("0").rstrip("."), grouped.rstrip("0").rstrip(".")  # 150, 150.5
    return [
        two,
        short,
        grouped,
        grouped_short,
        "$" + two,
        "$" + grouped,
        f"USD {short}",
        f"{short} USD",
        f"  $ {grouped}  ",
        f"usd{two}",
    ]


@given(AMOUNTS)
def test_every_accepted_style_reads_back_the_same_amount(amount: Decimal) -> None:
    for text in styles(amount):
        parsed = parse_amount(text)
        assert parsed == amount and parsed.as_tuple().exponent == -2, text
    assert parse_amount(amount) == amount
    if amount % 1 == 0:
        assert parse_amount(int(amount)) == amount


@given(AMOUNTS)
def test_what_the_card_shows_reads_back_as_the_amount(amount: Decimal) -> None:
    shown = money(amount)
    assert shown == f"${amount:,.2f}"
    assert parse_amount(shown) == amount
    for text in styles(amount):
        assert money(parse_amount(text)) == shown


@given(AMOUNTS)
def test_a_decimal_comma_is_always_refused_never_guessed(amount: Decimal) -> None:
    european = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # 1.234,56
    for text in (f"{amount:.2f}".replace(".", ","), european):
        with pytest.raises(InvalidAmount) as caught:
            parse_amount(text)
        assert "use a dot for cents" in amount_problem(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("5,00", "is not an amount: use a dot for cents and commas only between groups of three digits"),
        ("1,5", "use a dot for cents"),
        ("1.000,50", "use a dot for cents"),
        (
            "1.000",
            "has more than two decimals: amounts are in whole cents, e.g. 150.50; write thousands as 1,000",
        ),
        ("0.001", "has more than two decimals: amounts are in whole cents"),
        ("12.345", "has more than two decimals"),
        ("1e3", "without an exponent"),
        ("NaN", "is not an amount: give a number of dollars"),
        ("Infinity", "give a number of dollars"),
        ("-inf", "give a number of dollars"),
        ("-5", "it must be more than 0"),
        ("-$5", "it must be more than 0"),
        ("0", "it must be more than 0"),
        ("0.00", "it must be more than 0"),
        (",100", "commas go only between groups of three digits"),
        ("1,,000", "commas go only between groups of three digits"),
        ("1234,567", "commas go only between groups of three digits"),
        ("1_000", "is not an amount: write it in digits"),
        ("ten", "write it in digits"),
        ("+5", "write it in digits"),
        ("150.", "digits on both sides of the dot"),
        ("1000000000", "is too large: amounts are at most $999,999,999.99"),
    ],
)
def test_each_refusal_names_what_was_read_why_and_an_example(text: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    message = amount_problem(caught.value)
    assert message.startswith(f'"{text}" ') and reason in message
    assert "e.g." in message or "at most $" in message


def test_zero_only_where_allowed_and_a_maximum_is_inclusive() -> None:
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("-0", allow_zero=True)
    assert "it must be 0 or more" in amount_problem(caught.value)
    assert parse_amount("100,000", maximum=Decimal("100000")) == Decimal("100000.00")
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("100,000.01", maximum=Decimal("100000"))
    assert amount_problem(caught.value).startswith(
        '"100,000.01" is too large: amounts are at most $100,000.00'
    )
    assert parse_amount("999,999,999.99") == MAX_AMOUNT - CENT


def test_nothing_typed_is_said_plainly() -> None:
    for text in ("", "   "):
        with pytest.raises(InvalidAmount) as caught:
            parse_amount(text)
        assert amount_problem(caught.value).startswith("No amount given: write one in digits, e.g. 150")


def test_decimals_and_ints_are_checked_by_value() -> None:
    assert parse_amount(Decimal("150.500")) == Decimal("150.50")  # trailing zeros as a database gives them
    assert parse_amount(7) == Decimal("7.00")
    for value, reason in [
        (Decimal("1.001"), "has more than two decimals"),
        (Decimal("NaN"), "give a number of dollars"),
        (Decimal("-Infinity"), "give a number of dollars"),
        (Decimal("-1"), "it must be more than 0"),
        (Decimal("1E+40"), "is too large"),
        (0, "it must be more than 0"),
        (True, "is not an amount"),
    ]:
        with pytest.raises(InvalidAmount) as caught:
            parse_amount(value)
        assert reason in amount_problem(caught.value)


def test_a_long_input_is_shortened_so_the_message_fits_under_a_slack_input() -> None:
    for text in ("9" * 40 + ",00", "x" * 500, "1," * 60, "-" + "1" * 80):
        with pytest.raises(InvalidAmount) as caught:
            parse_amount(text)
        assert len(amount_problem(caught.value)) < 150 and "…" in amount_problem(caught.value)


def test_the_reason_alone_lets_a_caller_name_the_value_itself() -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("5,00")
    assert caught.value.shown == "5,00"
    assert amount_reason(caught.value).startswith("is not an amount: use a dot for cents")


class Limits(BaseModel):
    cap: Amount
    floor: NonNegativeAmount = Decimal("0")


def test_the_pydantic_type_parses_the_same_and_explains_a_refusal() -> None:
    assert Limits.model_validate({"cap": "1,234.5", "floor": 0}) == Limits(
        cap=Decimal("1234.50"), floor=Decimal("0.00")
    )
    assert Limits.model_validate({"cap": 5.5}).cap == Decimal("5.50")  # a TOML float, as written
    with pytest.raises(ValidationError) as caught:
        Limits.model_validate({"cap": "5,00", "floor": "-1"})
    refusals = {e["loc"][0]: refusal_in(e) for e in caught.value.errors()}
    errors = {loc: amount_problem(refused) for loc, refused in refusals.items() if refused is not None}
    assert errors["cap"].startswith('"5,00" is not an amount: use a dot for cents')
    assert errors["floor"] == '"-1" is not an amount: it must be 0 or more, e.g. 150, 150.50 or 1,234.56.'
    assert "decimal_comma: 5,00" in str(caught.value)  # pydantic's own message is the data, not the words
    with pytest.raises(ValidationError) as caught:
        Limits.model_validate({})
    assert [refusal_in(e) for e in caught.value.errors()] == [None]  # another kind of error carries none


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("300.00", Decimal("300.00")),
        (" -12.3456 ", Decimal("-12.3456")),
        (7, Decimal(7)),
        (Decimal("0.0001"), Decimal("0.0001")),
    ],
)
def test_the_wire_reads_telnyx_decimals_as_they_are(raw: object, expected: Decimal) -> None:
    assert wire_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["NaN", "abc", "", 1.5, True, None])
def test_the_wire_refuses_what_is_not_a_finite_decimal(raw: object) -> None:
    with pytest.raises(ValueError, match="expected a"):
        wire_decimal(raw)
