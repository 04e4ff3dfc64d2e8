"""Reading a count (`trail 50`, `invoices 12`) from command arguments, with the answer when it is not one."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.parsing import CountProblem, Parsed, parse_count
from formatting.help import count_problem_text, extra_words_problem
from handlers.replies import usage_error


async def count_or_answer(
    context: AsyncBoltContext,
    parsed: Parsed,
    *,
    default: int,
    most: int,
    noun: str,
    example: str,
    most_is: str = "",
) -> int | None:
    """The count typed (or the default); on anything else, answer what was wrong and return None."""
    accepted = f"a number of {noun}s from 1 to {most} (default {default})"
    problem = extra_words_problem(parsed, "one number")
    if problem is None and parsed.args:
        count = parse_count(parsed.args[0], most)
        if not isinstance(count, CountProblem):
            return count
        problem = count_problem_text(parsed.args[0], count, most=most, noun=noun, most_is=most_is)
    if problem is None:
        return default
    await usage_error(context, problem, accepted, example)
    return None
