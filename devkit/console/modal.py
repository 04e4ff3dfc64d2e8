"""Modals at the console: a view opened for the current person becomes a form, asked one input at a time.

Submitting sends a real `view_submission`; when the app answers `response_action=errors` (Slack's inline
validation), the errors are shown under their inputs and only those inputs are asked again. `!cancel`
closes the modal without submitting. A modal without a Submit button is shown, then closed.
In a script, an answer Slack's own client would refuse (a letter in a number input) is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from devkit.console.form import CANCEL, Problem, Question, answer, questions
from devkit.console.render import render_errors
from devkit.console.session import ConsoleError

if TYPE_CHECKING:
    from devkit.console.session import ConsoleSession

MAX_ROUNDS = 10  # error rounds before the console gives up on a modal


async def walk_modals(session: ConsoleSession) -> None:
    """Fill every modal the app opened (or pushed, or updated) for the current person, top first."""
    while True:
        stack = session.stack.fake.view_stack(session.user)
        if not stack:
            return
        view = stack[-1]
        key = (str(view["id"]), str(view.get("hash")))
        if key == session.walked:
            return  # shown and handled already; the app left it open
        session.walked = key
        await walk(session, view)
        await session.settle()


def close(session: ConsoleSession, view: dict[str, Any], why: str) -> None:
    """Close the modal as the person's Close button would (the fake keeps no view_closed listener)."""
    session.stack.fake.workspace.close_view(session.user, str(view["id"]))
    session.out.print(Text(f"(modal closed: {why})", style="dim"))


async def ask(session: ConsoleSession, q: Question) -> dict[str, Any] | None:
    """One input, asked until the answer is one Slack's client accepts; None for `!cancel`."""
    while True:
        if q.hint and session.lines.interactive:
            session.out.print(Text(f"  {q.hint}", style="dim"))
        typed = await session.ask(q.prompt())
        if typed.strip() == CANCEL:
            return None
        try:
            return answer(q, typed)
        except Problem as problem:
            if not session.lines.interactive:
                # Slack's client would not let this through; re-asking would eat the script's next commands
                raise ConsoleError(f"{q.label}: {problem}") from None
            session.out.print(Text(f"  ⚠ {problem}", style="red"))


async def walk(session: ConsoleSession, view: dict[str, Any]) -> None:
    """Show one modal, ask its inputs, submit, and ask again what the app marks as wrong."""
    session.show_view(view)
    asked = questions(view)
    if not view.get("submit"):
        close(session, view, "it has nothing to submit")
        return
    if not asked:
        # a confirmation modal: pressing Submit is the only question
        reply = await session.ask(f"  Press {_label(view.get('submit'))}? (yes/no): ")
        if reply.strip().lower() not in ("y", "yes"):
            close(session, view, "not submitted")
            return
    values: dict[str, dict[str, Any]] = {}
    pending = asked
    for _ in range(MAX_ROUNDS):
        for q in pending:
            value = await ask(session, q)
            if value is None:
                close(session, view, "cancelled")
                return
            values.setdefault(q.block_id, {})[q.action_id] = value
        requests = session.stack.requests
        assert requests is not None  # the stack is running
        response = await requests.view_submission(str(view["id"]), values, user=session.user)
        if not response.ok:
            session.problems.append(f"the app answered HTTP {response.status} to the modal's submission")
            return
        body = response.json if isinstance(response.json, dict) else {}
        if body.get("response_action") != "errors":
            return
        errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
        session.out.print(render_errors(errors, view))
        pending = [q for q in asked if q.block_id in errors]
        if not pending:
            session.problems.append(
                f"the app reported errors for inputs the modal does not have: {sorted(errors)}"
            )
            return
    session.problems.append(f"the modal was refused {MAX_ROUNDS} times; giving up")


def _label(obj: Any) -> str:
    return str(obj.get("text")) if isinstance(obj, dict) else str(obj or "Submit")
