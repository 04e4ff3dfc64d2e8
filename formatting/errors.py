"""Gateway errors as answers: what happened and what to do, never a key or a raw body."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.errors import FieldProblem, TelnyxError, TelnyxInvalidInput
from formatting.layout import context, fallback, pack_lines, section
from formatting.telnyx_errors import hint, message, problem_detail, problem_title
from formatting.text import escape, escape_truncated, inline_code, showing

MAX_PROBLEMS = 20


def _problem_line(problem: FieldProblem) -> str:
    where = f"{inline_code(problem.field, 80)}: " if problem.field else ""
    title, detail = problem_title(problem), problem_detail(problem)
    text = escape_truncated(title, 200, single_line=True)
    if detail and detail != title:
        text += " — " + escape_truncated(detail, 400, single_line=True)
    return f"• {where}{text}"


def error_blocks(err: TelnyxError) -> list[Block]:
    """The error's message and hint; for invalid input, each field problem Telnyx reported."""
    blocks: list[Block] = [
        section(f":warning: *{escape_truncated(message(err), 500)}*\n{escape_truncated(hint(err), 1000)}")
    ]
    problems = err.problems if isinstance(err, TelnyxInvalidInput) else []
    if problems:
        lines = [_problem_line(p) for p in problems[:MAX_PROBLEMS]]
        problem_blocks, shown = pack_lines(lines, title="*What Telnyx objected to*", max_blocks=3)
        blocks.extend(problem_blocks)
        if shown < len(problems):
            blocks.append(context(showing(shown, len(problems), "problem")))
    if err.status is not None:
        blocks.append(context(f"Telnyx answered HTTP {err.status}."))
    return blocks


def error_text(err: TelnyxError) -> str:
    """Plain fallback for error_blocks."""
    return fallback(escape(f"{message(err)} {hint(err)}"))
