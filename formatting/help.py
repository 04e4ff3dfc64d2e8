"""`/telnyx help`, unknown commands and usage errors (bot/parsing.py's `UsageError` and `CountProblem`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot import ids
from bot.parsing import CountProblem, Parsed, Usage, UsageError
from formatting.layout import context, fallback, header, pack_lines, section
from formatting.text import escape, escape_truncated, inline_code, plural, showing, truncate

MAX_HELP_BLOCKS = 8


@dataclass(frozen=True)
class HelpEntry:
    """One command in the help: how to call it, what it does, an example."""

    usage: str
    description: str
    example: str


def command(text: str) -> str:
    """`text` as a full slash command: "balance" -> "/telnyx balance"."""
    text = " ".join(text.split())
    return text if text.startswith("/") else f"{ids.COMMAND} {text}".strip()


def _entry_line(entry: HelpEntry) -> str:
    line = f"{inline_code(command(entry.usage), 150)} — {escape_truncated(entry.description, 400)}"
    if entry.example:
        line += f"\n      e.g. {inline_code(command(entry.example), 150)}"
    return line


def help_blocks(entries: Sequence[HelpEntry]) -> list[Block]:
    """Every command with what it does and an example."""
    blocks: list[Block] = [header("Telnyx in Slack")]
    lines = [_entry_line(e) for e in entries]
    entry_blocks, shown = pack_lines(lines, max_blocks=MAX_HELP_BLOCKS)
    blocks.extend(entry_blocks)
    if shown < len(lines):
        blocks.append(context(showing(shown, len(lines), "command")))
    blocks.append(context("Answers are only visible to you until you press *Share in channel*."))
    return blocks


def help_text(entries: Sequence[HelpEntry]) -> str:
    """Plain fallback for help_blocks."""
    return fallback(escape("Telnyx commands: " + ", ".join(command(e.usage) for e in entries)))


def unknown_command_blocks(given: str, suggestion: str | None, entries: Sequence[HelpEntry]) -> list[Block]:
    """ "I don't know X", a "did you mean" when there is a close match, and the list of commands."""
    text = f":thinking_face: {inline_code(command(given), 150)} is not a command I know."
    if suggestion:
        text += f"\nDid you mean {inline_code(command(suggestion), 150)}?"
    blocks: list[Block] = [section(text)]
    usages = [inline_code(command(e.usage), 100) for e in entries]
    if usages:
        usage_blocks, shown = pack_lines(usages, title="*Commands*", max_blocks=2)
        blocks.extend(usage_blocks)
        if shown < len(usages):
            blocks.append(context(showing(shown, len(usages), "command")))
    blocks.append(context(f"{inline_code(command('help'))} explains each one."))
    return blocks


def unknown_command_text(given: str, suggestion: str | None = None) -> str:
    """Plain fallback for unknown_command_blocks."""
    text = f"Unknown command: {command(given)}."
    if suggestion:
        text += f" Did you mean {command(suggestion)}?"
    return fallback(escape(text))


def usage_error_blocks(problem: str, accepted: str, example: str) -> list[Block]:
    """What was wrong with the input, what is accepted, and an example."""
    return [
        section(
            f":warning: {escape_truncated(problem, 800)}\n*Accepted:* {escape_truncated(accepted, 1200)}\n"
            f"*Example:* {inline_code(command(example), 300)}"
        )
    ]


def usage_error_text(problem: str, accepted: str = "", example: str = "") -> str:
    """Plain fallback for usage_error_blocks."""
    text = (
        problem
        + (f" Accepted: {accepted}." if accepted else "")
        + (f" Example: {command(example)}" if example else "")
    )
    return fallback(escape(text))


def usage_problem_text(error: UsageError) -> str:
    """Why the command line could not be read, e.g. "the option `status` is given twice; give it once, ..."."""
    key = error.key
    match error.problem:
        case Usage.MISSING:
            return "the command text is missing"
        case Usage.TOO_LONG:
            return f"the command is {error.length} characters long; at most {error.limit} are accepted"
        case Usage.NUL:
            return "the command contains a NUL character"
        case Usage.UNCLOSED_QUOTE:
            return f"a quote ({error.quote}) opened at character {error.at} is never closed"
        case Usage.DUPLICATE_OPTION:
            return f"the option `{key}` is given twice; give it once, e.g. `{key}={error.value}`"
        case Usage.EMPTY_OPTION:
            return f"the option `{key}=` has no value; write it as `{key}=something`"
        case Usage.SUBCOMMAND_FIRST:
            return "the subcommand must come first and not be in quotes, e.g. `/telnyx balance`"
        case Usage.OPTIONS_FIRST:
            return "options need a subcommand before them, e.g. `/telnyx usage messaging status=failed`"


def count_problem_text(
    word: str,
    problem: CountProblem,
    *,
    most: int,
    noun: str,
    plural_form: str | None = None,
    most_is: str = "",
) -> str:
    """What is wrong with a typed count, e.g. "`1000` is more than 100 records".

    `most_is` says what the most is when the bare number would not ("the 24 invoices one answer shows").
    """
    typed = f"`{truncate(word, 40)}`"
    if problem is CountProblem.NOT_A_NUMBER:
        return f"{typed} is not a number"
    if problem is CountProblem.NOT_WHOLE:
        return f"{typed} is not a whole number"
    if problem is CountProblem.TOO_FEW:
        return f"{typed} is less than 1 {noun}"
    return f"{typed} is more than {most_is or plural(most, noun, plural_form)}"


def extra_words_problem(parsed: Parsed, takes: str) -> str | None:
    """What is wrong when a command that takes at most `takes` ("one number") got more, or an option."""
    if parsed.options:
        key, value = next(iter(parsed.options.items()))
        return f"`{truncate(f'{key}={value}', 40)}` is not something `{parsed.name}` understands"
    if len(parsed.args) > 1:
        return (
            f"`{parsed.name}` takes {takes}, not {len(parsed.args)} (`{truncate(' '.join(parsed.args), 60)}`)"
        )
    return None
