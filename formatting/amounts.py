"""Refused amounts in words: what was read, what is accepted, and an example, from bot.money's data.

Plain text, no mrkdwn and no Slack imports: the words go under a Slack input, into a top-up refusal, an
alert rule's inline error, and the settings and policy-file problems printed at start-up (the CLI). What
was read is already shortened by bot.money, so a sentence fits under a Slack input (150 characters).
"""

from __future__ import annotations

from decimal import Decimal

from bot.money import LARGEST, AmountProblem, InvalidAmount

EXAMPLE = "e.g. 150, 150.50 or 1,234.56"
NO_AMOUNT = f"No amount given: write one in digits, {EXAMPLE}."
_IN_DIGITS = f"is not an amount: write it in digits, {EXAMPLE}."
_TOO_PRECISE = "has more than two decimals: amounts are in whole cents, e.g. 150.50"

# Each problem's reason, said after what was read ("\"5,00\" is not an amount: ...").
_REASONS: dict[AmountProblem, str] = {
    AmountProblem.EMPTY: _IN_DIGITS,
    AmountProblem.NOT_DIGITS: _IN_DIGITS,
    AmountProblem.NOT_A_NUMBER: f"is not an amount: give a number of dollars, {EXAMPLE}.",
    AmountProblem.EXPONENT: "is not an amount: write every digit, without an exponent, e.g. 1000 or 1,000.00.",
    AmountProblem.DECIMAL_COMMA: (
        f"is not an amount: use a dot for cents and commas only between groups of three digits, {EXAMPLE}."
    ),
    AmountProblem.BARE_DOT: "is not an amount: write digits on both sides of the dot, e.g. 0.50 or 150.50.",
    AmountProblem.COMMA_GROUPING: (
        "is not an amount: commas go only between groups of three digits, e.g. 1,234 or 12,345.67."
    ),
    AmountProblem.TOO_PRECISE: f"{_TOO_PRECISE}.",
    AmountProblem.TOO_PRECISE_THOUSANDS: f"{_TOO_PRECISE}; write thousands as 1,000.",
    AmountProblem.NEGATIVE: f"is not an amount: it must be 0 or more, {EXAMPLE}.",
    AmountProblem.NOT_POSITIVE: f"is not an amount: it must be more than 0, {EXAMPLE}.",
    AmountProblem.ABOVE_MAXIMUM: "is too large: amounts are at most {maximum}.",
}


def reason_text(problem: AmountProblem, maximum: Decimal | None = None) -> str:
    """Why an amount was refused, without what was read: "is not an amount: use a dot for cents ..."."""
    largest = LARGEST if maximum is None else maximum
    return _REASONS[problem].format(maximum=f"${largest:,.2f}")


def refused_amount_text(problem: AmountProblem, shown: str, maximum: Decimal | None = None) -> str:
    """The whole sentence: what was read, then why it is refused; nothing read is said plainly."""
    if problem is AmountProblem.EMPTY or not shown:
        return NO_AMOUNT
    return f'"{shown}" {reason_text(problem, maximum)}'


def amount_problem(err: InvalidAmount) -> str:
    """The refusal in words, e.g. '"5,00" is not an amount: use a dot for cents and commas only ...'."""
    return refused_amount_text(err.problem, err.shown, err.maximum)


def amount_reason(err: InvalidAmount) -> str:
    """The refusal without what was read, for a caller that names the value itself
    (`LOW_BALANCE_THRESHOLD='5,00' is not an amount: ...`)."""
    return reason_text(err.problem, err.maximum)
