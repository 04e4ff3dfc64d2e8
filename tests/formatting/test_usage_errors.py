"""A command line that cannot be read: bot/parsing.py says why as data, formatting/help.py in the words
people read before it was data (pinned word for word)."""

from __future__ import annotations

import re

import pytest

from bot.parsing import MAX_INPUT, Usage, UsageError, parse
from formatting.help import usage_problem_text

# what was typed, the problem it is, and the words people read
PINNED: list[tuple[object, UsageError, str]] = [
    (None, UsageError(Usage.MISSING), "the command text is missing"),
    (
        "x" * (MAX_INPUT + 1),
        UsageError(Usage.TOO_LONG, length=MAX_INPUT + 1, limit=MAX_INPUT),
        f"the command is {MAX_INPUT + 1} characters long; at most {MAX_INPUT} are accepted",
    ),
    ("balance\x00", UsageError(Usage.NUL), "the command contains a NUL character"),
    (
        'topup 5 "oops',
        UsageError(Usage.UNCLOSED_QUOTE, at=9, quote='"'),
        'a quote (") opened at character 9 is never closed',
    ),
    (
        "tags \u2018my tag",
        UsageError(Usage.UNCLOSED_QUOTE, at=6, quote="\u2018"),
        "a quote (\u2018) opened at character 6 is never closed",
    ),
    (
        "usage messaging status=a Status=b",
        UsageError(Usage.DUPLICATE_OPTION, key="status", value="b"),
        "the option `status` is given twice; give it once, e.g. `status=b`",
    ),
    (
        "usage messaging status=",
        UsageError(Usage.EMPTY_OPTION, key="status"),
        "the option `status=` has no value; write it as `status=something`",
    ),
    (
        '"balance"',
        UsageError(Usage.SUBCOMMAND_FIRST),
        "the subcommand must come first and not be in quotes, e.g. `/telnyx balance`",
    ),
    (
        "status=failed",
        UsageError(Usage.OPTIONS_FIRST),
        "options need a subcommand before them, e.g. `/telnyx usage messaging status=failed`",
    ),
]


@pytest.mark.parametrize(("typed", "error", "words"), PINNED)
def test_each_usage_error_is_data_said_in_the_words_of_before(
    typed: object, error: UsageError, words: str
) -> None:
    assert parse(typed) == error  # parse takes any value: None is "missing"
    assert usage_problem_text(error) == words


def test_every_usage_problem_is_pinned_above() -> None:
    assert {error.problem for _, error, _ in PINNED} == set(Usage)


@pytest.mark.parametrize("problem", list(Usage))
def test_every_usage_problem_has_words(problem: Usage) -> None:
    words = usage_problem_text(
        UsageError(problem, at=3, quote='"', key="status", value="x", length=9, limit=5)
    )
    assert words and not re.search(r"[{}]", words)
