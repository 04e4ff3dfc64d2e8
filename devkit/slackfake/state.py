"""The fake workspace: users, groups, channels, messages, views, triggers, response URLs and files."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from devkit.slackfake.records import Message, TsClock, UploadedFile, User
from devkit.slackfake.validation import message_problems, view_problems


class ApiError(Exception):
    """A Slack API error answer: `{"ok": false, "error": error, ...}` with an HTTP status."""

    def __init__(
        self,
        error: str,
        errors: list[str] | None = None,
        *,
        status: int = 200,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.errors = list(errors or [])
        self.status = status
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The JSON Slack answers with."""
        data: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.errors and "response_metadata" not in data:
            data["errors"] = self.errors
        return data


@dataclass
class Channel:
    """A channel the fake knows; posting where the bot is not a member fails like Slack."""

    id: str
    name: str
    is_member: bool = True


@dataclass
class Trigger:
    """A trigger_id handed out with a payload: valid once, for `ttl` seconds."""

    id: str
    user: str
    created: float = field(default_factory=time.monotonic)
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url: posts land in `channel`; `original_ts` is what replace/delete_original act on."""

    id: str
    channel: str
    user: str
    original_ts: str | None = None
    uses: int = 0
    created: float = field(default_factory=time.monotonic)


RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0


class Workspace:
    """All state of the fake Slack; the HTTP layer and the Web API methods read and change it."""

    def __init__(
        self, *, team_id: str, bot_user_id: str, bot_id: str, app_id: str, trigger_ttl: float
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        self.base_url = ""  # set by the server once it listens
        self.clock = TsClock()
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.channels: dict[str, Channel] = {}
        self.dms: dict[str, str] = {}  # user id -> D... channel id
        self.all_messages: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.view_stacks: dict[str, list[str]] = {}  # user -> open modal ids, bottom first
        self.home_views: dict[str, str] = {}  # user -> published Home tab view id
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.files: dict[str, UploadedFile] = {}

    # channels and messages

    def dm_channel(self, user: str) -> str:
        """The DM channel between the bot and `user`, opened on first use like conversations.open."""
        if user not in self.dms:
            # "U0ALICE" -> "D0ALICE" reads well in test failures; fall back to a counter on a clash
            candidate = "D" + user[1:]
            self.dms[user] = candidate if candidate not in self.dms.values() else self.clock.next_id("D")
        return self.dms[user]

    def resolve_channel(self, channel: Any) -> str:
        """A channel id to post in: a user id (U.../W...) means the DM with that user."""
        if not isinstance(channel, str) or not channel:
            raise ApiError("channel_not_found")
        if channel[0] in "UW":
            return self.dm_channel(channel)
        known = self.channels.get(channel)
        if known is not None and not known.is_member:
            raise ApiError("not_in_channel")
        return channel

    def find_message(self, channel: str, ts: str) -> Message | None:
        """The live message at (channel, ts), if any."""
        for message in self.all_messages:
            if message.channel == channel and message.ts == ts:
                return message
        return None

    def post(
        self, channel: str, args: dict[str, Any], *, source: str, ephemeral_to: str | None = None
    ) -> Message:
        """Append a bot message built from validated `args` (text, blocks, thread_ts)."""
        message = Message(
            channel=channel,
            ts=self.clock.next(),
            text=args.get("text") or "",
            blocks=list(args.get("blocks") or []),
            user=self.bot_user_id,
            bot_id=self.bot_id,
            ephemeral_to=ephemeral_to,
            thread_ts=args.get("thread_ts"),
            source=source,
        )
        self.all_messages.append(message)
        return message

    def add_user_message(self, channel: str, user: str, text: str) -> Message:
        """A message a human posted (what a message shortcut is applied to)."""
        message = Message(channel=channel, ts=self.clock.next(), text=text, user=user, source="user")
        self.all_messages.append(message)
        return message

    # triggers and response URLs

    def new_trigger(self, user: str) -> str:
        """A fresh trigger_id for `user`, in Slack's shape."""
        trigger = Trigger(
            id=f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}", user=user
        )
        self.triggers[trigger.id] = trigger
        return trigger.id

    def check_trigger(self, trigger_id: Any) -> Trigger:
        """The trigger if it can still open a view; the Slack error otherwise. Does not use it up."""
        trigger = self.triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.created > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        return trigger

    def new_response_url(self, channel: str, user: str, original_ts: str | None = None) -> str:
        """A response URL on this fake for a payload sent from `channel` by `user`."""
        rid = secrets.token_urlsafe(12)
        self.response_urls[rid] = ResponseUrl(id=rid, channel=channel, user=user, original_ts=original_ts)
        return f"{self.base_url}/response/{rid}"

    def respond(self, rid: str, body: Any, *, count_use: bool = True) -> dict[str, Any]:
        """Apply a response_url post (or a command's ack body) the way Slack shows it to the user."""
        url = self.response_urls.get(rid)
        if url is None or time.monotonic() - url.created > RESPONSE_URL_TTL:
            raise ApiError("expired_url", status=404)
        if count_use:
            if url.uses >= RESPONSE_URL_USES:
                raise ApiError("used_url", status=404)
            url.uses += 1
        if not isinstance(body, dict):
            raise ApiError("invalid_payload", status=400)
        original = self.find_message(url.channel, url.original_ts) if url.original_ts else None
        if _truthy(body.get("delete_original")):
            if original is None:
                raise ApiError("message_not_found", status=404)
            self.all_messages.remove(original)
            return {"ok": True}
        error, details = message_problems(body)
        if error:
            raise ApiError(error, details, status=400)
        if _truthy(body.get("replace_original")) and original is not None:
            # a replaced message keeps its visibility: response_type only applies to new messages
            original.text = body.get("text") or ""
            original.blocks = list(body.get("blocks") or [])
            original.edited = True
            return {"ok": True}
        in_channel = body.get("response_type") == "in_channel"
        message = self.post(
            url.channel, body, source="response_url", ephemeral_to=None if in_channel else url.user
        )
        if url.original_ts is None:
            url.original_ts = message.ts  # later replace_original on a command's URL edits this reply
        return {"ok": True}

    # views

    def store_view(
        self, view: dict[str, Any], *, view_id: str | None = None, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Keep `view` as Slack does: with id, hash, state and the ids Slack adds."""
        vid = view_id or self.clock.next_id("V")
        full: dict[str, Any] = {
            "callback_id": "",
            "external_id": "",
            "private_metadata": "",
            "blocks": [],
            "close": None,
            "submit": None,
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "id": vid,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "state": {"values": {}},
            "root_view_id": (previous or {}).get("root_view_id") or vid,
            "previous_view_id": (previous or {}).get("previous_view_id"),
        }
        for key in ("title", "submit", "close"):
            if isinstance(full.get(key), str):
                full[key] = {"type": "plain_text", "text": full[key], "emoji": True}
        self.views[vid] = full
        return full

    def find_view(self, view_id: Any, external_id: Any) -> dict[str, Any]:
        """The stored view by id or external_id; `not_found` otherwise."""
        if view_id:
            if view_id in self.views:
                return self.views[view_id]
        elif external_id:
            for view in self.views.values():
                if view.get("external_id") == external_id:
                    return view
        else:
            raise ApiError("invalid_arguments", ["view_id or external_id is required"])
        raise ApiError("not_found")

    def close_view(self, user: str, view_id: str, *, clear: bool = False) -> None:
        """Close `view_id` (and what sits on top of it), or the whole stack when `clear`."""
        stack = self.view_stacks.setdefault(user, [])
        if clear:
            stack.clear()
        elif view_id in stack:
            del stack[stack.index(view_id) :]

    def view_response(self, user: str, view_id: str, body: dict[str, Any]) -> None:
        """Apply a view_submission ack: close, keep open with errors, update, push or clear, like Slack."""
        action = body.get("response_action")
        if action in ("update", "push"):
            problems = view_problems(body.get("view"))
            if problems:
                raise ApiError("invalid_arguments", problems)
            if action == "update":
                self.store_view(body["view"], view_id=view_id, previous=self.views.get(view_id))
                return
            below = self.views.get(view_id, {})
            stored = self.store_view(
                body["view"],
                previous={"root_view_id": below.get("root_view_id"), "previous_view_id": view_id},
            )
            self.view_stacks.setdefault(user, []).append(stored["id"])
        elif action == "errors":
            if not isinstance(body.get("errors"), dict) or not body["errors"]:
                raise ApiError("invalid_arguments", ["errors must map block ids to messages"])
        elif action in (None, "clear"):
            self.close_view(user, view_id, clear=action == "clear")
        else:
            raise ApiError("invalid_arguments", [f"unknown response_action {action!r}"])


def _truthy(value: Any) -> bool:
    """Slack's booleans arrive as true/false, "true"/"false" or "1"/"0" depending on the encoding."""
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)
