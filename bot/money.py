"""The one amount type: parsing money people type or write in files, and the wire's decimal strings.

People's amounts are USD, positive (or zero where a setting allows it), in whole cents, and below
MAX_AMOUNT. The grammar is strict so that no reading is a guess: `150`, `150.5`, `150.50`, `1,234.56`,
optionally with a leading `$` and a leading or trailing `USD`. A comma only ever separates groups of
three digits and a dot only ever starts the cents: `5,00`, `1.000,50` and `1.000` are refused (each with
the reason), never read as 500, 15 or 1. Every refusal is an `InvalidAmount` whose message names
what was read, what is accepted, and an example.

Telnyx's JSON amounts are another matter (negative balances, rates with many places): `wire_decimal`
reads those as they are. Amounts are shown with `formatting.money.money`, the one formatter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

MAX_AMOUNT = Decimal("1000000000")  # exclusive; far above any real top-up, within the store's integer cents
CENT = Decimal("0.01")
LARGEST = MAX_AMOUNT - CENT

EXAMPLE = "e.g. 150, 150.50 or 1,234.56"
_TOO_PRECISE = "has more than two decimals: amounts are in whole cents, e.g. 150.50"
_SHOWN = 24  # what was read is echoed at most this long, so a message fits under a Slack input (150)

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


class InvalidAmount(ValueError):
    """Not an acceptable amount; `user_message` says what was read, what is accepted, and an example.

    `shown` is what was read (shortened when long); `reason` is the message without it, for callers that
    already name the value (`LOW_BALANCE_THRESHOLD='5,00' is not an amount: ...`).
    """

    def __init__(self, shown: str, reason: str) -> None:
        self.shown = shown
        self.reason = reason
        self.user_message = (
            f'"{shown}" {reason}' if shown else f"No amount given: write one in digits, {EXAMPLE}."
        )
        super().__init__(self.user_message)


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
        raise InvalidAmount(_shorten(str(value)), "is not an amount: write it in digits, " + EXAMPLE + ".")
    if isinstance(value, str):
        shown = _shorten(value.strip())
        amount = _read(value, shown)
        _check_range(amount, shown, allow_zero=allow_zero, maximum=maximum)
        return amount.quantize(CENT)
    shown = _shorten(str(value))
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidAmount(shown, "is not an amount: give a number of dollars, " + EXAMPLE + ".")
    _check_range(amount, shown, allow_zero=allow_zero, maximum=maximum)  # first: quantize needs a sane size
    if amount != amount.quantize(CENT):  # by value: Decimal("150.500") is a stored 150.50
        raise InvalidAmount(shown, _TOO_PRECISE + ".")
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
        raise InvalidAmount(shown, _why_unreadable(number))
    whole, cents = match.group("whole"), match.group("cents") or ""
    if len(cents) > 2:
        # "1.000" is more likely a thousand written the European way than a dollar to a tenth of a cent
        dotted = len(cents) == 3 and "," not in whole and whole.strip("0")
        raise InvalidAmount(shown, _TOO_PRECISE + ("; write thousands as 1,000" if dotted else "") + ".")
    return Decimal(match.group("sign") + whole.replace(",", "") + "." + (cents or "0"))


def _why_unreadable(number: str) -> str:
    """The reason a number outside the grammar is refused, as specific as the text allows."""
    if not number:
        return "is not an amount: write it in digits, " + EXAMPLE + "."
    try:
        special = Decimal(number)
    except InvalidOperation:
        special = None
    if special is not None and not special.is_finite():
        return "is not an amount: give a number of dollars, " + EXAMPLE + "."
    if special is not None and "e" in number.lower():
        return "is not an amount: write every digit, without an exponent, e.g. 1000 or 1,000.00."
    if _DECIMAL_COMMA.fullmatch(number):
        return (
            "is not an amount: use a dot for cents and commas only between groups of three digits, "
            + EXAMPLE
            + "."
        )
    if _BARE_DOT.fullmatch(number):
        return "is not an amount: write digits on both sides of the dot, e.g. 0.50 or 150.50."
    if "," in number and _COMMAS.fullmatch(number):
        return "is not an amount: commas go only between groups of three digits, e.g. 1,234 or 12,345.67."
    return "is not an amount: write it in digits, " + EXAMPLE + "."


def _check_range(amount: Decimal, shown: str, *, allow_zero: bool, maximum: Decimal | None) -> None:
    if amount.is_signed() or (amount == 0 and not allow_zero):  # signed: "-0" is refused too
        least = "0 or more" if allow_zero else "more than 0"
        raise InvalidAmount(shown, f"is not an amount: it must be {least}, " + EXAMPLE + ".")
    largest = LARGEST if maximum is None else min(maximum, LARGEST)
    if amount > largest:
        raise InvalidAmount(shown, f"is too large: amounts are at most ${largest:,.2f}.")


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _validate(*, allow_zero: bool) -> Callable[[Any], Decimal]:
    """A pydantic before-validator: the same parsing, its refusal as the validation error's message."""

    def validate(value: Any) -> Decimal:
        # a float can only come from a TOML or JSON number; its shortest repr is what was written there
        raw = str(value) if isinstance(value, float) else value
        try:
            return parse_amount(raw, allow_zero=allow_zero)
        except InvalidAmount as err:
            raise PydanticCustomError("invalid_amount", "{reason}", {"reason": err.user_message}) from None

    return validate


Amount = Annotated[Decimal, BeforeValidator(_validate(allow_zero=False))]
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_validate(allow_zero=True))]
