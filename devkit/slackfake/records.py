"""What the fake Slack keeps: recorded calls, messages as users see them, uploaded files, users."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Call:
    """One request the fake received: a Web API method, a response_url post, an upload or an ack reply."""

    method: str
    args: dict[str, Any]
    ok: bool = True
    error: str | None = None
    errors: list[str] = field(default_factory=list)  # the details Slack gives with invalid_blocks & co
    warnings: list[str] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    injected: bool = False  # failed on purpose through fail_next(); assert_no_errors() ignores it
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> str:
        """One line for assertion messages: method, outcome and the first problems."""
        if self.ok:
            return f"{self.method}: ok"
        details = "; ".join(self.errors[:3])
        return f"{self.method}: {self.error}" + (f" ({details})" if details else "")


@dataclass
class Message:
    """A message in a channel as Slack shows it; `ephemeral_to` is the only user who sees it, if any."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None  # who posted it: the bot user id, or a human for seeded messages
    bot_id: str | None = None
    ephemeral_to: str | None = None
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    source: str = "chat.postMessage"
    edited: bool = False

    @property
    def is_ephemeral(self) -> bool:
        """True when only `ephemeral_to` sees the message."""
        return self.ephemeral_to is not None

    def to_dict(self) -> dict[str, Any]:
        """The message object Slack puts in payloads (`body["message"]`) and API answers."""
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.blocks:
            data["blocks"] = [dict(b) for b in self.blocks]
        if self.user:
            data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.files:
            data["files"] = [{"id": f} for f in self.files]
        if self.edited:
            data["edited"] = {"user": self.user, "ts": self.ts}
        return data

    def elements(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        """Every interactive element with its block_id: actions elements and section accessories."""
        yield from iter_elements(self.blocks)

    def visible_text(self) -> str:
        """The text a reader sees in the blocks (or the fallback text when there are none), one line each."""
        return visible_text(self.blocks) if self.blocks else self.text


@dataclass
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal, the upload URL and files.completeUploadExternal."""

    id: str
    name: str
    length: int
    content: bytes = b""
    uploaded: bool = False
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class User:
    """A workspace member as users.info returns it."""

    id: str
    name: str
    real_name: str = ""
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False
    team_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The `user` object of users.info, with the time zone fields bots use to format dates."""
        from zoneinfo import ZoneInfo

        now = datetime.now(ZoneInfo(self.tz))
        offset = now.utcoffset()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "tz_label": now.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {"real_name": self.real_name, "display_name": self.name},
        }


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Yield (block_id, element) for each interactive element in Block Kit dicts."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        for element in block.get("elements") or []:
            if block.get("type") == "actions" and isinstance(element, dict):
                yield block_id, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                yield block_id, block[key]


def visible_text(blocks: list[dict[str, Any]]) -> str:
    """Join the text objects of sections, headers, contexts and buttons, in reading order."""
    lines: list[str] = []

    def add(obj: Any) -> None:
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            lines.append(obj["text"])

    for block in blocks:
        if not isinstance(block, dict):
            continue
        add(block.get("text"))
        for f in block.get("fields") or []:
            add(f)
        if block.get("type") == "context":
            for e in block.get("elements") or []:
                add(e)
        if block.get("type") == "input":
            add(block.get("label"))
        for _, element in iter_elements([block]):
            add(element.get("text"))
    return "\n".join(lines)


class TsClock:
    """Hands out Slack message timestamps ("1712345678.000123"): unique and increasing."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._last_us = 0

    def next(self) -> str:
        """A new ts, later than every ts before it."""
        # integer microseconds: a float of 16 significant digits would collide on its last digit
        now_us = max(time.time_ns() // 1000, self._last_us + 1)
        self._last_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A short unique id like Slack's (F0001, V0002...)."""
        return f"{prefix}{next(self._counter):06d}"
