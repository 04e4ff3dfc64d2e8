"""Block Kit blocks to rich renderables, numbering every interactive element ([1] Refresh ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from devkit.console.mrkdwn import LINK_STYLE, inline, plain_text, text_of, to_rich, unescape
from devkit.console.people import Names

BUTTON_STYLES = {"primary": "bold green", "danger": "bold red"}
# Interactive elements a `click N` can drive; the rest are shown but not numbered.
CLICKABLE = frozenset({"button", "overflow", "static_select", "radio_buttons"})


@dataclass(frozen=True)
class ButtonSpec:
    """One numbered element as rendered: what `click N` sends, and the confirm dialog it asks first."""

    number: int
    label: str
    action_id: str
    block_id: str | None
    element: dict[str, Any]

    @property
    def value(self) -> str | None:
        return self.element.get("value")

    @property
    def url(self) -> str | None:
        return self.element.get("url")

    @property
    def confirm(self) -> dict[str, Any] | None:
        return self.element.get("confirm")

    @property
    def kind(self) -> str:
        return str(self.element.get("type"))


@dataclass
class Look:
    """What rendering needs besides the blocks: names for ids, the clock and zone for dates."""

    names: Names
    now: datetime
    tz: tzinfo | None = None


@dataclass
class BlockRenderer:
    """Renders blocks in order; `buttons` collects the numbered elements, numbered from `next_number`."""

    look: Look
    next_number: int = 1
    buttons: list[ButtonSpec] = field(default_factory=list)

    def mrkdwn(self, obj: object) -> RenderableType:
        return plain_text(obj, self.look.names, now=self.look.now, tz=self.look.tz)

    def blocks(self, blocks: list[dict[str, Any]]) -> list[RenderableType]:
        """Every block, in order."""
        return [self.block(b) for b in blocks if isinstance(b, dict)]

    def block(self, block: dict[str, Any]) -> RenderableType:
        """One block; unknown types are named rather than dropped."""
        kind = block.get("type")
        if kind == "header":
            return Text(text_of(block.get("text")), style="bold underline")
        if kind == "divider":
            return Rule(style="dim")
        if kind == "section":
            return self.section(block)
        if kind == "context":
            return self.context(block)
        if kind == "actions":
            line = Text()
            for element in block.get("elements") or []:
                if line:
                    line.append("  ")
                line.append_text(self.element(element, block.get("block_id")))
            return line
        if kind == "image":
            title = text_of(block.get("title")) or block.get("alt_text") or "image"
            return Text(f"[image: {title}] {block.get('image_url', '')}", style="dim")
        if kind == "input":
            return self.input(block)
        if kind == "rich_text":
            return rich_text(block, self.look)
        return Text(f"[a {kind} block the console does not draw]", style="dim italic")

    def section(self, block: dict[str, Any]) -> RenderableType:
        parts: list[RenderableType] = []
        if block.get("text"):
            parts.append(self.mrkdwn(block["text"]))
        fields = block.get("fields") or []
        if fields:
            grid = Table.grid(padding=(0, 4))
            grid.add_column(ratio=1)
            grid.add_column(ratio=1)
            cells = [self.mrkdwn(f) for f in fields]
            for i in range(0, len(cells), 2):
                grid.add_row(*cells[i : i + 2], *([Text("")] if i + 1 >= len(cells) else []))
            parts.append(grid)
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            shown = self.element(accessory, block.get("block_id"))
            if not parts:
                return shown
            row = Table.grid(expand=True, padding=(0, 2))
            row.add_column(ratio=1)
            row.add_column(justify="right", no_wrap=True)
            row.add_row(Group(*parts), shown)
            return row
        return Group(*parts) if len(parts) != 1 else parts[0]

    def context(self, block: dict[str, Any]) -> Text:
        line = Text(style="dim")
        for element in block.get("elements") or []:
            if line:
                line.append("   ")
            if element.get("type") == "image":
                line.append(f"[{element.get('alt_text') or 'image'}]")
            elif element.get("type") == "mrkdwn":
                line.append_text(
                    inline(
                        str(element.get("text") or ""), self.look.names, now=self.look.now, tz=self.look.tz
                    )
                )
            else:
                line.append(text_of(element))
        return line

    def element(self, element: dict[str, Any], block_id: str | None) -> Text:
        """An interactive element: numbered when `click` can drive it."""
        kind = element.get("type")
        if kind == "image":
            return Text(f"[{element.get('alt_text') or 'image'}]", style="dim")
        label = text_of(element.get("text")) or text_of(element.get("placeholder")) or str(kind)
        shown = Text()
        if kind in CLICKABLE:
            spec = ButtonSpec(self.next_number, label, str(element.get("action_id") or ""), block_id, element)
            self.buttons.append(spec)
            self.next_number += 1
            shown.append(f"[{spec.number}] ", style="bold")
        if kind == "button":
            shown.append(label, style=BUTTON_STYLES.get(str(element.get("style")), "bold cyan"))
            if element.get("url"):
                shown.append(" ↗ ", style="dim").append(unescape(str(element["url"])), style=LINK_STYLE)
            if element.get("confirm"):
                shown.append(" (asks to confirm)", style="dim")
            return shown
        options = ", ".join(text_of(o.get("text")) for o in element.get("options") or [])
        shown.append(f"▾ {label}", style="bold cyan")
        if options:
            shown.append(f" ({options})", style="dim")
        return shown

    def input(self, block: dict[str, Any]) -> RenderableType:
        element = block.get("element") or {}
        line = Text(text_of(block.get("label")), style="bold")
        if block.get("optional"):
            line.append(" (optional)", style="dim")
        line.append(f"  [{describe_input(element)}]", style="cyan")
        parts: list[RenderableType] = [line]
        if block.get("hint"):
            parts.append(Text(text_of(block["hint"]), style="dim"))
        return Group(*parts)


def describe_input(element: dict[str, Any]) -> str:
    """What an input element takes, with its current value: 'number, 0 to 500, now 100.00'."""
    kind = str(element.get("type"))
    desc = {
        "plain_text_input": "text",
        "number_input": "number",
        "email_text_input": "e-mail address",
        "url_text_input": "URL",
        "datepicker": "date YYYY-MM-DD",
        "timepicker": "time HH:MM",
        "static_select": "choose one",
        "radio_buttons": "choose one",
        "checkboxes": "choose any",
        "multi_static_select": "choose any",
    }.get(kind, kind)
    if kind == "number_input":
        low, high = element.get("min_value"), element.get("max_value")
        if low is not None or high is not None:
            desc += f", {low if low is not None else '…'} to {high if high is not None else '…'}"
    options = element.get("options") or []
    if options:
        desc += ": " + ", ".join(text_of(o.get("text")) for o in options)
    initial = current_value(element)
    if initial:
        desc += f", now {initial}"
    return desc


def current_value(element: dict[str, Any]) -> str:
    """The element's initial value as text ('' when it has none)."""
    for key in ("initial_value", "initial_date", "initial_time"):
        if element.get(key) not in (None, ""):
            return str(element[key])
    if isinstance(element.get("initial_option"), dict):
        return text_of(element["initial_option"].get("text"))
    chosen = element.get("initial_options")
    if isinstance(chosen, list) and chosen:
        return ", ".join(text_of(o.get("text")) for o in chosen)
    return ""


def rich_text(block: dict[str, Any], look: Look) -> RenderableType:
    """A rich_text block, best effort: sections, lists, quotes and preformatted runs."""
    lines: list[RenderableType] = []
    for part in block.get("elements") or []:
        kind = part.get("type")
        if kind == "rich_text_list":
            for item in part.get("elements") or []:
                lines.append(Text("• ").append_text(_rich_run(item, look)))
        elif kind == "rich_text_preformatted":
            lines.append(
                to_rich("```" + _rich_run(part, look).plain + "```", look.names, now=look.now, tz=look.tz)
            )
        elif kind == "rich_text_quote":
            lines.append(Text("▌ ").append_text(_rich_run(part, look)))
        else:
            lines.append(_rich_run(part, look))
    return Group(*lines)


def _rich_run(part: dict[str, Any], look: Look) -> Text:
    out = Text()
    for el in part.get("elements") or []:
        kind = el.get("type")
        if kind == "text":
            style = el.get("style") or {}
            out.append(
                str(el.get("text") or ""),
                style=" ".join(k for k in ("bold", "italic", "strike") if style.get(k)),
            )
        elif kind == "link":
            out.append(str(el.get("text") or el.get("url") or ""), style=LINK_STYLE)
        elif kind == "user":
            out.append(f"@{look.names.user(str(el.get('user_id')))}", style="magenta")
        elif kind == "channel":
            out.append(look.names.channel(str(el.get("channel_id"))), style="magenta")
        elif kind == "emoji":
            out.append(f":{el.get('name')}:")
    return out
