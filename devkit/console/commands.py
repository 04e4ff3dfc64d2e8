"""The console's commands: what a person would do in Slack, typed as one line.

/telnyx balance            the slash command, as the current person in the current channel
click 3 | click Approve    press button [3], or the latest button whose label starts with Approve
shortcut diagnose <text>   post <text>, then run a message shortcut on it
as rita | in #approvals    switch person or channel;  people: who is who;  show: a channel's messages
home                       the current person's Home tab, its buttons numbered like a message's
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from bot import ids
from devkit.console.blocks import ButtonSpec
from devkit.console.mrkdwn import text_of
from devkit.console.people import FINANCE_GROUP, PEOPLE, ROOMS, find_person, find_room
from devkit.console.session import ConsoleError, Target

if TYPE_CHECKING:
    from devkit.console.session import ConsoleSession

HELP = """\
/telnyx <subcommand> ...    the slash command, as the current person in the current channel
click N [--yes | --no]      press button [N]; a confirm dialog is asked (scripts: --no declines it)
click <label>               press the latest button whose label starts with <label>, e.g. click approve
shortcut <name> <text>      post <text> as a message, then run a message shortcut on it:
                            diagnose (Diagnose webhook) or invoice (Look up invoice)
as <person>                 act as vera, rita, fred, fiona or ada (or their user id); see `people`
in <channel>                type in #general, #approvals, #audit, #alerts, or dm (your DM with the bot)
people                      the preset people, their roles and the channels
show [channel]              the messages you can see in a channel (default: the current one)
home                        open the app's Home tab as the current person (its buttons are numbered too)
tick                        run the bot's scheduler now: a balance snapshot, every alert rule, digests due
help                        this list;   quit (or Ctrl-D) ends the console
In a modal, each input is asked in turn: Enter keeps the current value, !cancel closes the modal.
Lines starting with # are comments."""


async def execute(session: ConsoleSession, line: str) -> None:
    """Run one console line."""
    if not line:
        return
    if line.startswith("/"):
        await slash(session, line)
        return
    word, _, rest = line.partition(" ")
    handler = COMMANDS.get(word.lower())
    if handler is None:
        raise ConsoleError(f"{word!r} is not a console command; type `help` (slash commands start with /)")
    await handler(session, rest.strip())


async def _after(session: ConsoleSession, *, from_home: bool = False) -> None:
    """Wait for the app, show its answers, then fill any modal it opened for the current person. A Home
    tab they were shown that was published again is shown again after a click on it, else mentioned."""
    from devkit.console.modal import walk_modals

    await session.settle()
    await walk_modals(session)
    changed = session.home_changed()
    if changed is not None and from_home:
        session.show_home(changed, changed=True)
    elif changed is not None:
        session.out.print(Text("(your Home tab was updated: `home` shows it)", style="dim"))


def _requests(session: ConsoleSession) -> Any:
    if session.stack.requests is None:
        raise ConsoleError("the console is not running")
    return session.stack.requests


def _check(session: ConsoleSession, response: Any, what: str) -> None:
    if not response.ok:
        session.problems.append(
            f"the app answered HTTP {response.status} to {what}: Slack would show an error"
        )


async def slash(session: ConsoleSession, line: str) -> None:
    """`/telnyx balance`: a signed slash command, as Slack sends it."""
    command, _, text = line.partition(" ")
    if command != ids.COMMAND:
        raise ConsoleError(f"the app has no {command} command; it answers {ids.COMMAND}")
    response = await _requests(session).command(
        command, text.strip(), user=session.user, channel=session.channel
    )
    _check(session, response, line)
    await _after(session)


def _find(session: ConsoleSession, what: str) -> tuple[ButtonSpec, Target]:
    if what.isdigit():
        found = session.buttons.get(int(what))
        if found is None:
            raise ConsoleError(f"there is no button [{what}]; the numbers are in the messages above")
        return found
    key = what.lower()
    for test in (str.startswith, str.__contains__):
        for spec, target in session.latest_first():
            if test(spec.label.lower(), key):
                return spec, target
    raise ConsoleError(f"no button's label starts with {what!r}")


def _still_there(spec: ButtonSpec, blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The element as it is now, if the message or modal still has it."""
    from devkit.slackfake.records import iter_elements

    for block_id, element in iter_elements(blocks):
        same = element.get("action_id") == spec.action_id and element.get("value") == spec.value
        if same and block_id == spec.block_id:
            return element
    return None


async def click(session: ConsoleSession, rest: str) -> None:
    """`click N [--yes|--no]` or `click <label>`: a block_actions payload for that element."""
    words = rest.split()
    flags = {w for w in words if w in ("--yes", "--no")}
    what = " ".join(w for w in words if w not in flags)
    if not what:
        raise ConsoleError("click what? `click 3` or `click approve`")
    spec, target = _find(session, what)
    ws = session.stack.fake.workspace
    message = view = None
    if target.view_id is not None:
        view = ws.views.get(target.view_id)
        blocks = (view or {}).get("blocks") or []
    else:
        message = ws.find_message(target.channel or "", target.ts or "")
        if message is not None and message.ephemeral_to not in (None, session.user):
            who = session.names.user(message.ephemeral_to)
            raise ConsoleError(f"only {who} sees that message; `as {who.split()[0].lower()}` first")
        blocks = message.blocks if message is not None else []
    element = _still_there(spec, blocks)
    if element is None:
        raise ConsoleError(
            f"button [{spec.number}] {spec.label} is no longer there (the message changed or went away)"
        )
    if element.get("confirm") and not await _confirmed(session, element["confirm"], flags):
        session.out.print(Text("(not clicked)", style="dim"))
        return
    action = {k: v for k, v in element.items() if k in ("type", "text", "url", "style")}
    if spec.kind != "button":
        action["selected_option"] = await _choose(session, element)
    if element.get("url"):
        session.out.print(
            Text(f"(the button opens {element['url']} in Slack; the console only prints it)", style="dim")
        )
    session.out.print(
        Text(f"{session.names.user(session.user)} clicked [{spec.number}] {spec.label}", style="dim")
    )
    response = await _requests(session).block_action(
        spec.action_id,
        element.get("value"),
        user=session.user,
        message=message,
        view=view,
        block_id=spec.block_id,
        action=action,
    )
    _check(session, response, f"the click on {spec.label}")
    await _after(session, from_home=view is not None and view.get("type") == "home")


async def _confirmed(session: ConsoleSession, confirm: dict[str, Any], flags: set[str]) -> bool:
    """A button's confirm dialog: asked at the keyboard; in scripts --no declines, otherwise confirmed."""
    title, body = text_of(confirm.get("title")) or "Are you sure?", text_of(confirm.get("text"))
    yes, no = text_of(confirm.get("confirm")) or "Yes", text_of(confirm.get("deny")) or "Cancel"
    session.out.print(Text(f"? {title}: {body}  [{yes} / {no}]", style="bold yellow"))
    if "--yes" in flags or "--no" in flags:
        return "--yes" in flags
    if not session.lines.interactive:
        return True
    reply = await session.ask(f"  {yes}? (yes/no): ")
    return reply.strip().lower() in ("y", "yes", yes.lower())


async def _choose(session: ConsoleSession, element: dict[str, Any]) -> dict[str, Any]:
    from devkit.console.form import Problem, Question, answer

    q = Question("", str(element.get("action_id")), "Choose", {**element, "type": "static_select"}, False, "")
    while True:
        try:
            return answer(q, await session.ask(q.prompt()))["selected_option"]
        except Problem as problem:
            if not session.lines.interactive:
                raise ConsoleError(str(problem)) from None
            session.out.print(Text(f"  ⚠ {problem}", style="red"))


async def shortcut(session: ConsoleSession, rest: str) -> None:
    """`shortcut diagnose <message text>`: the message is posted as the current person, then used."""
    name, _, text = rest.partition(" ")
    found = [cid for cid in ids.MESSAGE_SHORTCUTS if name and name.lower() in cid]
    if len(found) != 1:
        raise ConsoleError(
            f"no single shortcut matches {name!r}; the shortcuts are {', '.join(ids.MESSAGE_SHORTCUTS)}"
        )
    if not text.strip():
        raise ConsoleError("give the message text after the shortcut's name")
    response = await _requests(session).message_shortcut(
        found[0], text.strip(), user=session.user, channel=session.channel
    )
    _check(session, response, f"the shortcut {found[0]}")
    await _after(session)


async def act_as(session: ConsoleSession, rest: str) -> None:
    """`as rita`."""
    person = find_person(rest)
    if person is None:
        raise ConsoleError(f"{rest!r} is not a preset person: {', '.join(p.handle for p in PEOPLE)}")
    session.user = person.id
    if session.in_dm:
        session.channel = session.stack.fake.dm(person.id)
    session.out.print(Text(f"now acting as {person.real_name} ({person.id}): {person.role}", style="cyan"))


async def go_in(session: ConsoleSession, rest: str) -> None:
    """`in #approvals`, or `in dm` for the current person's DM with the bot."""
    if rest.lower() in ("dm", "@telnyx", "telnyx"):
        session.in_dm, session.channel = True, session.stack.fake.dm(session.user)
        session.out.print(Text("now typing in your DM with the Telnyx bot", style="cyan"))
        return
    room = find_room(rest)
    if room is None:
        raise ConsoleError(f"{rest!r} is not a channel here: {', '.join('#' + r.name for r in ROOMS)} or dm")
    session.in_dm, session.channel = False, room.id
    session.out.print(Text(f"now typing in #{room.name}", style="cyan"))


async def people(session: ConsoleSession, _rest: str) -> None:
    """The preset people and channels."""
    table = Table(title="People (`as <name>`)", title_justify="left")
    for column in ("", "name", "as", "user id", "role in the access policy"):
        table.add_column(column)
    for p in PEOPLE:
        table.add_row("→" if p.id == session.user else "", p.real_name, p.handle, p.id, p.role)
    session.out.print(table)
    rooms = ", ".join(f"#{r.name} ({r.purpose})" for r in ROOMS)
    session.out.print(
        Text(f"Channels (`in <channel>`): {rooms}, dm. User group @{FINANCE_GROUP[1]}: Fiona Finance.")
    )


async def show(session: ConsoleSession, rest: str) -> None:
    """Every message the current person sees in a channel, drawn again with fresh numbers."""
    from devkit.console.render import render_message

    channel = session.channel
    if rest:
        room = find_room(rest)
        if room is None and rest.lower() != "dm":
            raise ConsoleError(f"{rest!r} is not a channel here")
        channel = room.id if room else session.stack.fake.dm(session.user)
    messages = session.stack.fake.messages(channel, user=session.user)
    look = session.look()
    if not messages:
        session.out.print(Text(f"({look.names.channel(channel)} has no messages you can see)", style="dim"))
    for message in messages:
        shown = render_message(
            message,
            look,
            viewer=session.user,
            first_button=session.next_button,
            mark=session.mark,
            files=session.saved,
        )
        session.remember(shown.buttons, Target(channel=message.channel, ts=message.ts))
        session.out.print(shown.renderable)


async def home(session: ConsoleSession, rest: str) -> None:
    """`home`: open the app's Home tab as the current person (Slack's `app_home_opened` event), then show it."""
    if rest:
        raise ConsoleError("`home` takes nothing after it; `as <person>` first to see someone else's")
    response = await _requests(session).app_home_opened(user=session.user)
    _check(session, response, "opening the Home tab")
    await session.settle()
    view = session.stack.fake.home_view(session.user)
    if view is None:
        raise ConsoleError("the app published no Home tab for you")
    session.show_home(view)


async def tick(session: ConsoleSession, _rest: str) -> None:
    """Run the scheduler now; the alerts it posts show up like any other message."""
    svc = session.stack.services
    if svc is None or svc.scheduler is None:
        raise ConsoleError("the console is not running")
    report = await svc.scheduler.run_now()
    total = report.total
    skipped = sum(1 for r in report.rules if r.skipped is not None)
    session.out.print(
        Text(
            f"tick: {len(report.rules)} rule(s) checked: {total.fired} fired, {total.renotified} reminded, "
            f"{total.resolved} resolved, {total.firing} still firing"
            + (f", {skipped} not checked (Telnyx could not be read)" if skipped else "")
            + ("; balance snapshot taken" if report.snapshot else "")
            + (f"; {report.digests} digest(s) posted" if report.digests else ""),
            style="dim",
        )
    )
    await _after(session)


async def console_help(session: ConsoleSession, _rest: str) -> None:
    """The console's own commands (`/telnyx help` is the app's)."""
    session.out.print(Text(HELP))


COMMANDS = {
    "click": click,
    "shortcut": shortcut,
    "as": act_as,
    "in": go_in,
    "people": people,
    "show": show,
    "tick": tick,
    "home": home,
    "help": console_help,
    "?": console_help,
}
