"""What changed in the fake Slack since the console last looked: messages, uploaded files, refused calls.

The fake keeps the workspace as users see it; comparing it with what was already shown finds new
messages, messages redrawn by `chat.update` or `replace_original` (even unchanged), deleted ones, uploads and
calls Slack refused (invalid blocks, a closed trigger...), in the order they happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.slackfake import Call, FakeSlack, Message, UploadedFile


@dataclass
class Changes:
    """One look's worth of news."""

    new: list[Message] = field(default_factory=list)
    changed: list[Message] = field(default_factory=list)
    deleted: int = 0
    files: list[UploadedFile] = field(default_factory=list)
    refused: list[Call] = field(default_factory=list)

    @property
    def messages(self) -> list[tuple[Message, bool]]:
        """New and changed messages in channel order (ts), each with `changed`."""
        both = [(m, False) for m in self.new] + [(m, True) for m in self.changed]
        return sorted(both, key=lambda pair: float(pair[0].ts))


def _fingerprint(message: Message) -> str:
    return json.dumps([message.text, message.blocks, message.files], sort_keys=True, default=str)


class Watcher:
    """Remembers what was shown; `look()` returns what is new since the last look."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        # (channel, ts) -> (content, the blocks list shown): the fake puts a new list on every update, so
        # holding the old one tells a redraw with the same content (a Refresh within the second) apart
        self._shown: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        self._files: set[str] = set()
        self._calls = 0

    def look(self) -> Changes:
        """Compare the fake's state with what was shown, and remember it as shown."""
        changes = Changes()
        live: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        for message in self.fake.workspace.all_messages:
            key = (message.channel, message.ts)
            live[key] = (_fingerprint(message), message.blocks)
            before = self._shown.get(key)
            if before is None:
                changes.new.append(message)
            elif before[0] != live[key][0] or before[1] is not message.blocks:
                changes.changed.append(message)
        changes.deleted = len(set(self._shown) - set(live))
        self._shown = live
        for uploaded in self.fake.files:
            if uploaded.id not in self._files:
                self._files.add(uploaded.id)
                changes.files.append(uploaded)
        calls = self.fake.calls
        changes.refused = [c for c in calls[self._calls :] if not c.ok and not c.injected]
        self._calls = len(calls)
        return changes


def save_file(uploaded: UploadedFile, folder: Path) -> Path:
    """Write an uploaded file into `folder` under its own name (never overwriting: name-1.csv...)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(uploaded.name).name or uploaded.id  # a name with folders in it stays inside `folder`
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    target.write_bytes(uploaded.content)
    return target
