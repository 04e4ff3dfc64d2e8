"""Messages and modals as rich panels: who sees it, where, whether it changed, and the account it shows.

`render_message` and `render_view` are pure: a message (or view dict) in, a renderable and the numbered
elements out. Tests print them on `Console(record=True, width=100)` and read `export_text()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from devkit.console.blocks import BlockRenderer, ButtonSpec, Look
from devkit.console.mrkdwn import text_of, to_rich
from devkit.slackfake import Message

SANDBOX_MARK = "sandbox data"
REAL_MARK = "REAL TELNYX ACCOUNT"


@dataclass
class Rendered:
    """A renderable and the elements it numbered, in order."""

    renderable: RenderableType
    buttons: list[ButtonSpec] = field(default_factory=list)


def audience(message: Message, look: Look, viewer: str | None) -> str:
    """Where a message is and who sees it: '#general · only visible to you'."""
    names = look.names
    author = names.user(message.user) if message.user else "Telnyx"
    where = names.channel(message.channel)
    text = f"{author} in {where}" if not where.startswith("DM with") else f"{author} · {where}"
    if message.ephemeral_to:
        who = "you" if message.ephemeral_to == viewer else names.user(message.ephemeral_to)
        text += f" · only visible to {who}"
    if message.thread_ts and message.thread_ts != message.ts:
        text += " · reply in thread"
    return text


def border(message: Message, look: Look, *, changed: bool) -> str:
    """Colour by kind: changed yellow, only-you grey, DMs magenta, people blue, channel posts green."""
    if changed:
        return "yellow"
    if message.ephemeral_to:
        return "grey50"
    if message.user and message.user != look.names.bot_user:
        return "blue"
    if message.channel in look.names.dms:
        return "magenta"
    return "green"


def render_message(
    message: Message,
    look: Look,
    *,
    viewer: str | None = None,
    first_button: int = 1,
    changed: bool = False,
    mark: str | None = SANDBOX_MARK,
    files: dict[str, str] | None = None,
) -> Rendered:
    """A message as a panel. `changed`: shown again after chat.update; `files`: file id -> saved path."""
    painter = BlockRenderer(look, next_number=first_button)
    body: list[RenderableType] = painter.blocks(message.blocks) if message.blocks else []
    if not message.blocks and message.text:
        body.append(to_rich(message.text, look.names, now=look.now, tz=look.tz))
    for file_id in message.files:
        saved = (files or {}).get(file_id)
        body.append(Text(f"📎 file {file_id}" + (f" saved to {saved}" if saved else ""), style="bold"))
    title = audience(message, look, viewer) + (" · changed" if changed else "")
    from_bot = message.user in (None, look.names.bot_user)
    subtitle = mark if from_bot and mark else None
    panel = Panel(
        Group(*body) if body else Text("(no text)", style="dim"),
        title=Text(title),  # Text, not a str: rich would read [brackets] in names as markup
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        border_style=border(message, look, changed=changed),
    )
    return Rendered(panel, painter.buttons)


def render_view(
    view: dict[str, Any], look: Look, *, first_button: int = 1, mark: str | None = SANDBOX_MARK
) -> Rendered:
    """A modal: its title, blocks (inputs with what they take) and its Submit / Close labels."""
    painter = BlockRenderer(look, next_number=first_button)
    body = painter.blocks(view.get("blocks") or [])
    foot = []
    if view.get("submit"):
        foot.append(f"Submit: {text_of(view['submit'])}")
    foot.append(f"Close: {text_of(view.get('close')) or 'Cancel'}")
    body.append(Text(" · ".join(foot), style="dim"))
    title = f"modal: {text_of(view.get('title')) or view.get('callback_id') or 'untitled'}"
    panel = Panel(
        Group(*body),
        title=Text(title),  # the app's modal title: never parsed as markup
        title_align="left",
        subtitle=mark,
        subtitle_align="right",
        border_style="cyan",
    )
    return Rendered(panel, painter.buttons)


def render_home(
    view: dict[str, Any],
    look: Look,
    *,
    first_button: int = 1,
    mark: str | None = SANDBOX_MARK,
    changed: bool = False,
) -> Rendered:
    """A person's Home tab (the app's own page in Slack): its blocks, numbered like a message's."""
    painter = BlockRenderer(look, next_number=first_button)
    body = painter.blocks(view.get("blocks") or [])
    panel = Panel(
        Group(*body) if body else Text("(an empty Home tab)", style="dim"),
        title=Text("Home tab of Telnyx" + (" · changed" if changed else "")),
        title_align="left",
        subtitle=mark,
        subtitle_align="right",
        border_style="yellow" if changed else "bright_blue",
    )
    return Rendered(panel, painter.buttons)


def render_errors(errors: dict[str, str], view: dict[str, Any]) -> Text:
    """Slack's inline errors of a `response_action=errors` answer, each under its input's label."""
    labels = {
        b.get("block_id"): text_of(b.get("label")) for b in view.get("blocks") or [] if isinstance(b, dict)
    }
    out = Text()
    for block_id, problem in errors.items():
        if out:
            out.append("\n")
        out.append(f"⚠ {labels.get(block_id) or block_id}: ", style="bold red").append(
            str(problem), style="red"
        )
    return out
