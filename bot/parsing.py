"""The `/telnyx` argument parser: a pure function from any text to a command or a usage error.

Grammar: words separated by white space; a word may be quoted with "..." or '...' (Slack's curly quotes
count too) to hold spaces; `key=value` words (key: a letter, then letters, digits, `_`, `.` or `-`) are
options, every other word is a positional argument. The first positional word is the subcommand,
lower-cased. It never raises: every problem comes back as a `UsageError`, data saying what was wrong
(a `Usage` and its facts); formatting/help.py says it in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum, StrEnum

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


class Usage(StrEnum):
    """Why a command line could not be read (formatting/help.py says it in words)."""

    MISSING = "missing"  # no text at all
    TOO_LONG = "too_long"  # `length` characters, more than `limit`
    NUL = "nul"  # a NUL character in it
    UNCLOSED_QUOTE = "unclosed_quote"  # the quote `quote` opened at character `at` (from 1) is never closed
    DUPLICATE_OPTION = "duplicate_option"  # the option `key` given twice, the second time as `value`
    EMPTY_OPTION = "empty_option"  # the option `key=` without a value
    SUBCOMMAND_FIRST = "subcommand_first"  # a quoted word before (or as) the subcommand
    OPTIONS_FIRST = "options_first"  # options and no subcommand


@dataclass(frozen=True)
class UsageError:
    """What was wrong with the text: the problem and the facts it names (the others keep defaults)."""

    problem: Usage
    at: int = 0
    quote: str = ""
    key: str = ""
    value: str = ""
    length: int = 0
    limit: int = 0


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
                return UsageError(Usage.UNCLOSED_QUOTE, at=i + 1, quote=ch)
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
        return UsageError(Usage.MISSING)
    if len(text) > MAX_INPUT:
        return UsageError(Usage.TOO_LONG, length=len(text), limit=MAX_INPUT)
    if "\x00" in text:
        return UsageError(Usage.NUL)
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
                return UsageError(Usage.DUPLICATE_OPTION, key=key, value=value)
            if value == "":
                return UsageError(Usage.EMPTY_OPTION, key=key)
            options[key] = value
        elif not name and not quoted:
            name = word.lower()
        elif not name:
            return UsageError(Usage.SUBCOMMAND_FIRST)
        else:
            args.append(word)
    if options and not name:
        return UsageError(Usage.OPTIONS_FIRST)
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
