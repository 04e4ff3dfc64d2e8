"""The console's preset workspace: people, channels and the finance user group, and name lookups.

The people match `access.console.toml`, so every role of the policy has someone to play it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from devkit.slackfake import FakeSlack


@dataclass(frozen=True)
class Person:
    """A preset member: `handle` is what `as <handle>` takes; `role` says what the policy lets them do."""

    id: str
    handle: str
    real_name: str
    role: str


@dataclass(frozen=True)
class Room:
    """A preset channel."""

    id: str
    name: str
    purpose: str


PEOPLE = (
    Person("U0VIEWER", "vera", "Vera Viewer", 'viewer (through "*": everyone may view)'),
    Person("U0REQUEST", "rita", "Rita Requester", "requester: may request top-ups"),
    Person("U0FIN1", "fred", "Fred Finance", "finance (listed directly): approves top-ups, auto-recharge"),
    Person("U0FIN2", "fiona", "Fiona Finance", "finance (through the user group @finance)"),
    Person("U0ADMIN", "ada", "Ada Admin", "admin: everything"),
)
ROOMS = (
    Room("C0GENERAL", "general", "where most commands are typed"),
    Room("C0APPROVALS", "approvals", "approval cards for top-ups"),
    Room("C0AUDIT", "audit", "the audit trail: every change and decision"),
    Room("C0ALERTS", "alerts", "where alert rules post (add one: /telnyx alerts add, as ada)"),
)
FINANCE_GROUP = ("S0FINANCE", "finance", ("U0FIN2",))
DEFAULT_USER = "U0VIEWER"
DEFAULT_CHANNEL = "C0GENERAL"
BOT_NAME = "Telnyx"


def policy_path() -> Path:
    """The bundled access policy file that matches the preset people."""
    return Path(str(resources.files("devkit.console").joinpath("access.console.toml")))


@dataclass
class Names:
    """How ids read in the terminal: users by real name, channels by #name, groups by @handle."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    dms: dict[str, str] = field(default_factory=dict)  # DM channel id -> user id
    bot_user: str = "U0BOT"

    @classmethod
    def presets(cls) -> Names:
        """Names of the preset workspace (DM channels are added as the fake opens them)."""
        return cls(
            users={p.id: p.real_name for p in PEOPLE},
            channels={r.id: r.name for r in ROOMS},
            groups={FINANCE_GROUP[0]: FINANCE_GROUP[1]},
        )

    def user(self, user_id: str) -> str:
        """A user's name, or the id when unknown."""
        if user_id == self.bot_user:
            return BOT_NAME
        return self.users.get(user_id, user_id)

    def channel(self, channel_id: str) -> str:
        """'#general', 'DM with Rita Requester', or the id."""
        if channel_id in self.channels:
            return f"#{self.channels[channel_id]}"
        if channel_id in self.dms:
            return f"DM with {self.user(self.dms[channel_id])}"
        return channel_id


def seed(fake: FakeSlack) -> None:
    """Put the preset people, channels and user group into a FakeSlack."""
    for person in PEOPLE:
        fake.add_user(person.id, name=person.handle, real_name=person.real_name)
    for room in ROOMS:
        fake.add_channel(room.id, name=room.name)
    group_id, _, members = FINANCE_GROUP
    fake.set_usergroup(group_id, list(members))


def find_person(word: str) -> Person | None:
    """`rita`, `@rita`, `Rita`, `U0REQUEST` or `Rita Requester` -> the preset person."""
    key = word.strip().lstrip("@").lower()
    for person in PEOPLE:
        if key in (
            person.id.lower(),
            person.handle,
            person.real_name.lower(),
            person.real_name.split()[0].lower(),
        ):
            return person
    return None


def find_room(word: str) -> Room | None:
    """`#approvals`, `approvals` or `C0APPROVALS` -> the preset channel."""
    key = word.strip().lstrip("#").lower()
    for room in ROOMS:
        if key in (room.id.lower(), room.name):
            return room
    return None
