"""Gateway errors as answers: what happened and what to do, never a key or a raw body."""

from __future__ import annotations

import math

from slack_sdk.models.blocks import Block

from bot.errors import FieldProblem, TelnyxError, TelnyxInvalidInput, TelnyxRateLimited
from formatting.layout import context, fallback, pack_lines, section
from formatting.text import escape, escape_truncated, inline_code, showing

MAX_PROBLEMS = 20


def _problem_line(problem: FieldProblem) -> str:
    where = f"{inline_code(problem.field, 80)}: " if problem.field else ""
    text = escape_truncated(problem.title, 200, single_line=True)
    if problem.detail and problem.detail != problem.title:
        text += " — " + escape_truncated(problem.detail, 400, single_line=True)
    return f"• {where}{text}"


def _hint(err: TelnyxError) -> str:
    hint = err.hint
    if isinstance(err, TelnyxRateLimited) and err.retry_after and math.isfinite(err.retry_after):
        hint = f"Wait {max(1, math.ceil(err.retry_after)):,} s and try again."
    return hint


def error_blocks(err: TelnyxError) -> list[Block]:
    """The error's message and hint; for invalid input, each field problem Telnyx reported."""
    blocks: list[Block] = [
        section(
            f":warning: *{escape_truncated(err.user_message, 500)}*\n{escape_truncated(_hint(err), 1000)}"
        )
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
    return fallback(escape(f"{err.user_message} {_hint(err)}"))
