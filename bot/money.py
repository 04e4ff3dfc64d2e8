"""The one amount type: parsing money people type or write in files, and the wire's decimal strings.

People's amounts are USD, positive (or zero where a setting allows it), in whole cents, and below
MAX_AMOUNT. The grammar is strict so that no reading is a guess: `150`, `150.5`, `150.50`, `1,234.56`,
optionally with a leading `$` and a leading or trailing `USD`. A comma only ever separates groups of
three digits and a dot only ever starts the cents: `5,00`, `1.000,50` and `1.000` are refused (each with
the reason), never read as 500, 15 or 1. Every refusal is an `InvalidAmount`: data (an `AmountProblem`,
what was read, the largest amount accepted when it was above it), which formatting/amounts.py says in
words (what was read, what is accepted, and an example).

Telnyx's JSON amounts are another matter (negative balances, rates with many places): `wire_decimal`
reads those as they are. Amounts are shown with `formatting.money.money`, the one formatter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import ErrorDetails, PydanticCustomError

MAX_AMOUNT = Decimal("1000000000")  # exclusive; far above any real top-up, within the store's integer cents
CENT = Decimal("0.01")
LARGEST = MAX_AMOUNT - CENT

INVALID_AMOUNT = "invalid_amount"  # the pydantic error type of a refused `Amount` / `NonNegativeAmount`
_SHOWN = 24  # what was read is kept at most this long, so the words fit under a Slack input (150)

# The whole text: optional "USD" before or after, optional "$", then a signed number (the sign and the
# unrestricted fraction are matched only to explain the refusal).
_TEXT = re.compile(
    r"\s*(?:USD\s*)?(?P<minus>-?)\s*(?:\$\s*)?(?P<number>[^\s$]*?)\s*(?:USD)?\s*",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?P<sign>-?)(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<cents>[0-9]+))?",
)
_DECIMAL_COMMA = re.compile(r"-?(?:[0-9.,]*,[0-9]{1,2}|0,[0-9]+)")  # 5,00  1,5  1.000,50  0,125
_COMMAS = re.compile(r"-?[0-9.,]+")
_BARE_DOT = re.compile(r"-?(?:[0-9,]+\.|\.[0-9]+)")  # 150.  .50


class AmountProblem(StrEnum):
    """Why a text or value is not an acceptable amount (formatting/amounts.py says it in words)."""

    EMPTY = "empty"  # nothing was given
    NOT_DIGITS = "not_digits"  # not a number written in digits: "ten", "+5", "1_000", "$", a bool
    NOT_A_NUMBER = "not_a_number"  # NaN or an infinity
    EXPONENT = "exponent"  # "1e3"
    DECIMAL_COMMA = "decimal_comma"  # "5,00", "1,5", "1.000,50": a comma where the cents start
    BARE_DOT = "bare_dot"  # "150.", ".50": digits on one side of the dot only
    COMMA_GROUPING = "comma_grouping"  # ",100", "1,,000", "1234,567": commas not between groups of three
    TOO_PRECISE = "too_precise"  # more than two decimals
    TOO_PRECISE_THOUSANDS = "too_precise_thousands"  # "1.000": three decimals, likely a European thousand
    NEGATIVE = "negative"  # below 0 (or "-0") where 0 is accepted
    NOT_POSITIVE = "not_positive"  # 0 or below where only more than 0 is accepted
    ABOVE_MAXIMUM = "above_maximum"  # above `maximum`


class InvalidAmount(ValueError):
    """Not an acceptable amount: `problem` says why, as data; formatting/amounts.py says it in words.

    `shown` is what was read ("" when nothing was; shortened when long, so the words fit under a Slack
    input); `maximum` is the largest amount accepted, for ABOVE_MAXIMUM (None otherwise). str() is data
    for logs, never the words.
    """

    def __init__(self, problem: AmountProblem, shown: str = "", maximum: Decimal | None = None) -> None:
        self.problem = problem
        self.shown = shown
        self.maximum = maximum
        super().__init__(
            f"{problem.value}: {shown!r}" + (f" (maximum {maximum})" if maximum is not None else "")
        )


def parse_amount(
    value: str | Decimal | int,
    *,
    allow_zero: bool = False,
    maximum: Decimal | None = None,
) -> Decimal:
    """A typed or written amount as a two-place Decimal; raise InvalidAmount saying why not.

    `maximum` is the largest amount accepted (inclusive); every amount stays below MAX_AMOUNT.
    """
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        shown = _shorten(str(value))
        raise InvalidAmount(AmountProblem.NOT_DIGITS if shown else AmountProblem.EMPTY, shown)
    if isinstance(value, str):
        shown = _shorten(value.strip())
        amount = _read(value, shown)
        _check_range(amount, shown, allow_zero=allow_zero, maximum=maximum)
        return amount.quantize(CENT)
    shown = _shorten(str(value))
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidAmount(AmountProblem.NOT_A_NUMBER, shown)
    _check_range(amount, shown, allow_zero=allow_zero, maximum=maximum)  # first: quantize needs a sane size
    if amount != amount.quantize(CENT):  # by value: Decimal("150.500") is a stored 150.50
        raise InvalidAmount(AmountProblem.TOO_PRECISE, shown)
    return amount.quantize(CENT)


def wire_decimal(value: Any) -> Decimal:
    """A decimal string (or integer) from Telnyx's JSON as it is: any sign, any places; else ValueError."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"expected a decimal amount, got {type(value).__name__}")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError("expected a decimal amount") from None
    if not amount.is_finite():
        raise ValueError("expected a finite decimal amount")
    return amount


def _read(text: str, shown: str) -> Decimal:
    """The number in `text` under the strict grammar, before the range checks."""
    outer = _TEXT.fullmatch(text)
    number = outer.group("minus") + outer.group("number") if outer else text.strip()
    match = _NUMBER.fullmatch(number)
    if match is None:
        raise InvalidAmount(_why_unreadable(number, shown), shown)
    whole, cents = match.group("whole"), match.group("cents") or ""
    if len(cents) > 2:
        # "1.000" is more likely a thousand written the European way than a dollar to a tenth of a cent
        dotted = len(cents) == 3 and "," not in whole and whole.strip("0")
        raise InvalidAmount(
            AmountProblem.TOO_PRECISE_THOUSANDS if dotted else AmountProblem.TOO_PRECISE, shown
        )
    return Decimal(match.group("sign") + whole.replace(",", "") + "." + (cents or "0"))


def _why_unreadable(number: str, shown: str) -> AmountProblem:
    """Why a number outside the grammar is refused, as specific as the text allows."""
    if not number:
        return AmountProblem.NOT_DIGITS if shown else AmountProblem.EMPTY  # "$" or "USD" alone, or nothing
    try:
        special = Decimal(number)
    except InvalidOperation:
        special = None
    if special is not None and not special.is_finite():
        return AmountProblem.NOT_A_NUMBER
    if special is not None and "e" in number.lower():
        return AmountProblem.EXPONENT
    if _DECIMAL_COMMA.fullmatch(number):
        return AmountProblem.DECIMAL_COMMA
    if _BARE_DOT.fullmatch(number):
        return AmountProblem.BARE_DOT
    if "," in number and _COMMAS.fullmatch(number):
        return AmountProblem.COMMA_GROUPING
    return AmountProblem.NOT_DIGITS


def _check_range(amount: Decimal, shown: str, *, allow_zero: bool, maximum: Decimal | None) -> None:
    if amount.is_signed() or (amount == 0 and not allow_zero):  # signed: "-0" is refused too
        raise InvalidAmount(AmountProblem.NEGATIVE if allow_zero else AmountProblem.NOT_POSITIVE, shown)
    largest = LARGEST if maximum is None else min(maximum, LARGEST)
    if amount > largest:
        raise InvalidAmount(AmountProblem.ABOVE_MAXIMUM, shown, largest)


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _validate(*, allow_zero: bool) -> Callable[[Any], Decimal]:
    """A pydantic before-validator: the same parsing, its refusal as data in the validation error's
    context (`refusal_in` reads it back; the message is that data, not words)."""

    def validate(value: Any) -> Decimal:
        # a float can only come from a TOML or JSON number; its shortest repr is what was written there
        raw = str(value) if isinstance(value, float) else value
        try:
            return parse_amount(raw, allow_zero=allow_zero)
        except InvalidAmount as err:
            maximum = "" if err.maximum is None else str(err.maximum)
            context = {"problem": err.problem.value, "shown": err.shown, "maximum": maximum}
            raise PydanticCustomError(INVALID_AMOUNT, "{problem}: {shown}", context) from None

    return validate


def refusal_in(error: ErrorDetails) -> InvalidAmount | None:
    """The refusal a validation error of `Amount` or `NonNegativeAmount` carries; None for any other."""
    context = error.get("ctx") or {}
    if error["type"] != INVALID_AMOUNT or "problem" not in context:
        return None
    maximum = context.get("maximum")
    shown = str(context.get("shown", ""))
    return InvalidAmount(AmountProblem(context["problem"]), shown, Decimal(maximum) if maximum else None)


Amount = Annotated[Decimal, BeforeValidator(_validate(allow_zero=False))]
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_validate(allow_zero=True))]
