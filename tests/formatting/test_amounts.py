"""A refused amount's words: every reason bot.money gives has them, and they are the sentences people read
before the refusal was data (pinned word for word)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.alerts.rules import Kind, Problem, Reason, read_threshold
from bot.money import AmountProblem, InvalidAmount, parse_amount
from formatting.alerts import problem_text
from formatting.amounts import NO_AMOUNT, amount_problem, amount_reason, reason_text, refused_amount_text

UNFILLED = re.compile(r"[{}]")


@pytest.mark.parametrize("problem", list(AmountProblem))
def test_every_problem_has_words(problem: AmountProblem) -> None:
    for maximum in (None, Decimal("100000.00")):
        reason = reason_text(problem, maximum)
        whole = refused_amount_text(problem, "abc", maximum)
        assert reason and whole and not UNFILLED.search(reason) and not UNFILLED.search(whole)
        assert reason.endswith(".") and whole.endswith(".")
        if problem is not AmountProblem.EMPTY:
            assert whole == f'"abc" {reason}'


def parse_refusal(value: str | Decimal | int, **options: object) -> InvalidAmount:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(value, **options)
    return caught.value


EXAMPLE = "e.g. 150, 150.50 or 1,234.56"


# what was typed (with parse_amount's options), the problem it is, and the words people read
PINNED: list[tuple[str | Decimal | int, dict[str, object], AmountProblem, str]] = [
    ("", {}, AmountProblem.EMPTY, f"No amount given: write one in digits, {EXAMPLE}."),
    ("   ", {}, AmountProblem.EMPTY, f"No amount given: write one in digits, {EXAMPLE}."),
    ("ten", {}, AmountProblem.NOT_DIGITS, f'"ten" is not an amount: write it in digits, {EXAMPLE}.'),
    ("$", {}, AmountProblem.NOT_DIGITS, f'"$" is not an amount: write it in digits, {EXAMPLE}.'),
    (True, {}, AmountProblem.NOT_DIGITS, f'"True" is not an amount: write it in digits, {EXAMPLE}.'),
    ("NaN", {}, AmountProblem.NOT_A_NUMBER, f'"NaN" is not an amount: give a number of dollars, {EXAMPLE}.'),
    (
        "1e3",
        {},
        AmountProblem.EXPONENT,
        '"1e3" is not an amount: write every digit, without an exponent, e.g. 1000 or 1,000.00.',
    ),
    (
        "5,00",
        {},
        AmountProblem.DECIMAL_COMMA,
        '"5,00" is not an amount: use a dot for cents and commas only between groups of three digits, '
        f"{EXAMPLE}.",
    ),
    (
        "150.",
        {},
        AmountProblem.BARE_DOT,
        '"150." is not an amount: write digits on both sides of the dot, e.g. 0.50 or 150.50.',
    ),
    (
        "1234,567",
        {},
        AmountProblem.COMMA_GROUPING,
        '"1234,567" is not an amount: commas go only between groups of three digits, e.g. 1,234 or '
        "12,345.67.",
    ),
    (
        "12.3456",
        {},
        AmountProblem.TOO_PRECISE,
        '"12.3456" has more than two decimals: amounts are in whole cents, e.g. 150.50.',
    ),
    (
        "0.001",
        {},
        AmountProblem.TOO_PRECISE,
        '"0.001" has more than two decimals: amounts are in whole cents, e.g. 150.50.',
    ),
    (
        Decimal("1.001"),
        {},
        AmountProblem.TOO_PRECISE,
        '"1.001" has more than two decimals: amounts are in whole cents, e.g. 150.50.',
    ),
    (
        "1.000",
        {},
        AmountProblem.TOO_PRECISE_THOUSANDS,
        '"1.000" has more than two decimals: amounts are in whole cents, e.g. 150.50; write thousands as '
        "1,000.",
    ),
    (
        "-1",
        {"allow_zero": True},
        AmountProblem.NEGATIVE,
        f'"-1" is not an amount: it must be 0 or more, {EXAMPLE}.',
    ),
    ("0", {}, AmountProblem.NOT_POSITIVE, f'"0" is not an amount: it must be more than 0, {EXAMPLE}.'),
    ("-5", {}, AmountProblem.NOT_POSITIVE, f'"-5" is not an amount: it must be more than 0, {EXAMPLE}.'),
    (
        "1000000000",
        {},
        AmountProblem.ABOVE_MAXIMUM,
        '"1000000000" is too large: amounts are at most $999,999,999.99.',
    ),
    (
        "100,000.01",
        {"maximum": Decimal("100000")},
        AmountProblem.ABOVE_MAXIMUM,
        '"100,000.01" is too large: amounts are at most $100,000.00.',
    ),
]


@pytest.mark.parametrize(("value", "options", "problem", "words"), PINNED)
def test_the_words_are_those_people_read_before(
    value: str | Decimal | int, options: dict[str, object], problem: AmountProblem, words: str
) -> None:
    refused = parse_refusal(value, **options)
    assert refused.problem is problem
    assert amount_problem(refused) == words
    if problem is not AmountProblem.EMPTY:  # the reason alone is the sentence after what was read
        assert words == f'"{refused.shown}" {amount_reason(refused)}'


def test_every_problem_is_pinned_above() -> None:
    assert {problem for _, _, problem, _ in PINNED} == set(AmountProblem)


def test_nothing_read_has_the_digits_reason_for_a_caller_that_names_the_value() -> None:
    refused = parse_refusal("")
    assert amount_problem(refused) == NO_AMOUNT
    assert amount_reason(refused) == f"is not an amount: write it in digits, {EXAMPLE}."


def test_a_long_value_is_shown_shortened_and_the_words_fit_under_a_slack_input() -> None:
    refused = parse_refusal("9" * 40 + ",00")
    assert refused.shown == "9" * 23 + "…"
    assert amount_problem(refused).startswith(f'"{"9" * 23}…" is not an amount: use a dot for cents')
    assert len(amount_problem(refused)) < 150


def test_the_refusal_itself_is_data() -> None:
    refused = parse_refusal("5,00")
    assert (refused.problem, refused.shown, refused.maximum) == (AmountProblem.DECIMAL_COMMA, "5,00", None)
    assert "dot" not in str(refused) and "5,00" in str(refused)  # data for logs, not the sentence


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("200000", '"200000" is too large: amounts are at most $100,000.00.'),
        (
            "5,00",
            f'"5,00" is not an amount: use a dot for cents and commas only between groups of three digits, {EXAMPLE}.',
        ),
        ("0", f'"0" is not an amount: it must be more than 0, {EXAMPLE}.'),
        (
            "1" * 30 + ".0001",
            '"' + "1" * 23 + '…" has more than two decimals: amounts are in whole cents, e.g. 150.50.',
        ),
    ],
)
def test_an_alert_rules_amount_threshold_is_refused_in_the_same_words(typed: str, words: str) -> None:
    problem = read_threshold(Kind.LOW_CREDIT, typed)
    assert isinstance(problem, Problem) and problem.reason is Reason.BAD_AMOUNT
    assert problem_text(problem) == words
