"""The `/telnyx` argument parser: a pure function from any text to a command or a usage error.

Grammar: words separated by white space; a word may be quoted with "..." or '...' (Slack's curly quotes
count too) to hold spaces; `key=value` words (key: a letter, then letters, digits, `_`, `.` or `-`) are
options, every other word is a positional argument. The first positional word is the subcommand,
lower-cased. It never raises: every problem comes back as a `UsageError` saying what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201d": "\u201d", "\u2019": "\u2019"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+[.,][0-9]*|[.,][0-9]+)")
_OPTION = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*)=(.*)$", re.DOTALL)
MAX_INPUT = 2000  # Slack's own limit on command text is lower; anything longer is not a real command


@dataclass(frozen=True)
class Parsed:
    """A parsed command line: `name` is "" when the text was empty."""

    name: str
    args: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageError:
    """What was wrong with the text, in words a user can act on."""

    problem: str


def tokenize(text: str) -> list[tuple[str, bool]] | UsageError:
    """Split into words; each word comes with whether it began with a quote (then it is never an option)."""
    words: list[tuple[str, bool]] = []
    current: list[str] = []
    quoted = in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = text.find(close, i + 1)
            if end < 0 and ch in "\u201c\u201d":  # Slack may mix curly quote directions
                end = max(text.find("\u201c", i + 1), text.find("\u201d", i + 1))
            if end < 0:
                return UsageError(f"a quote ({ch}) opened at character {i + 1} is never closed")
            if not in_word:
                quoted = True
            current.append(text[i + 1 : end])
            in_word = True
            i = end + 1
        elif ch.isspace():
            if in_word:
                words.append(("".join(current), quoted))
            current, quoted, in_word = [], False, False
            i += 1
        else:
            current.append(ch)
            in_word = True
            i += 1
    if in_word:
        words.append(("".join(current), quoted))
    return words


def parse(text: str) -> Parsed | UsageError:
    """Parse the text after `/telnyx`."""
    if not isinstance(text, str):
        return UsageError("the command text is missing")
    if len(text) > MAX_INPUT:
        return UsageError(f"the command is {len(text)} characters long; at most {MAX_INPUT} are accepted")
    if "\x00" in text:
        return UsageError("the command contains a NUL character")
    words = tokenize(text)
    if isinstance(words, UsageError):
        return words
    name = ""
    args: list[str] = []
    options: dict[str, str] = {}
    for word, quoted in words:
        match = None if quoted else _OPTION.match(word)
        if match:
            key, value = match.group(1).lower(), match.group(2)
            if key in options:
                return UsageError(f"the option `{key}` is given twice; give it once, e.g. `{key}={value}`")
            if value == "":
                return UsageError(f"the option `{key}=` has no value; write it as `{key}=something`")
            options[key] = value
        elif not name and not quoted:
            name = word.lower()
        elif not name:
            return UsageError("the subcommand must come first and not be in quotes, e.g. `/telnyx balance`")
        else:
            args.append(word)
    if options and not name:
        return UsageError(
            "options need a subcommand before them, e.g. `/telnyx usage messaging status=failed`"
        )
    return Parsed(name=name, args=tuple(args), options=options)


class CountProblem(Enum):
    """Why a word is not a count from 1 to some most (formatting/help.py says it in words)."""

    NOT_A_NUMBER = "not a number"
    NOT_WHOLE = "not a whole number"
    TOO_FEW = "less than 1"
    TOO_MANY = "more than the most"


def parse_count(word: str, most: int) -> int | CountProblem:
    """A count from 1 to `most` typed as ASCII digits, or what is wrong with it."""
    if not _INTEGER.fullmatch(word):
        return CountProblem.NOT_WHOLE if _DECIMAL.fullmatch(word) else CountProblem.NOT_A_NUMBER
    number = int(word)
    if number < 1:
        return CountProblem.TOO_FEW
    if number > most:
        return CountProblem.TOO_MANY
    return number
