"""The bodies Slack sends an app: slash command forms and interactivity payloads, in Slack's shapes."""

from __future__ import annotations

import secrets
import time
from typing import Any

from devkit.slackfake.records import Message, TsClock, iter_elements
from devkit.slackfake.server import FakeSlack

Target = Message | dict[str, Any]  # a recorded message, a message dict, or a view dict
VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack, still sent; Bolt ignores it
_NO_FAKE_RESPONSE_URL = "http://127.0.0.1:9/response/no-fake"  # the discard port: nothing answers


def find_element(target: Target, action_id: str) -> tuple[str | None, dict[str, Any]]:
    """(block_id, element) of the interactive element `action_id` in a message or view."""
    blocks = target.blocks if isinstance(target, Message) else target.get("blocks") or []
    found = list(iter_elements(blocks))
    for block_id, element in found:
        if element.get("action_id") == action_id:
            return block_id, element
    available = sorted({str(e.get("action_id")) for _, e in found})
    raise LookupError(f"no element with action_id {action_id!r}; the message has {available}")


class PayloadBuilder:
    """Builds payloads; with a fake, response URLs and trigger ids are ones the fake will honour."""

    def __init__(self, *, fake: FakeSlack | None, team_id: str, api_app_id: str) -> None:
        self.fake = fake
        self.team_id = team_id
        self.api_app_id = api_app_id
        self._clock = TsClock()

    def next_ts(self) -> str:
        """A fresh Slack timestamp (an event's `event_ts`)."""
        return self._clock.next()

    def _user(self, user: str) -> dict[str, Any]:
        known = self.fake.workspace.users.get(user) if self.fake else None
        name = known.name if known else user.lower()
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": "fake-workspace"}

    def _channel(self, channel: str) -> dict[str, Any]:
        known = self.fake.workspace.channels.get(channel) if self.fake else None
        return {"id": channel, "name": known.name if known else channel.lower()}

    def _trigger(self, user: str) -> str:
        if self.fake is not None:
            return self.fake.trigger_id(user)
        return f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"

    def _response_url(self, channel: str, user: str, original_ts: str | None = None) -> str:
        if self.fake is not None:
            return self.fake.response_url(channel, user, original_ts)
        return _NO_FAKE_RESPONSE_URL

    def _common(self, kind: str, user: str) -> dict[str, Any]:
        return {
            "type": kind,
            "token": VERIFICATION_TOKEN,
            "api_app_id": self.api_app_id,
            "team": self._team(),
            "user": self._user(user),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def command(self, command: str, text: str, *, user: str, channel: str) -> dict[str, str]:
        """The form fields of a slash command."""
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": "fake-workspace",
            "channel_id": channel,
            "channel_name": self._channel(channel)["name"],
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(channel, user),
            "trigger_id": self._trigger(user),
        }

    def block_action(
        self,
        action_id: str,
        value: str | None,
        *,
        user: str,
        channel: str | None,
        message: Target | None,
        container: dict[str, Any] | None,
        view: dict[str, Any] | None,
        block_id: str | None,
        action: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """A `block_actions` payload; an ephemeral message is left out, as Slack leaves it out."""
        payload = self._common("block_actions", user)
        payload["trigger_id"] = self._trigger(user)
        payload["state"] = {"values": {}}
        the_action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id or secrets.token_hex(3),
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "action_ts": self._clock.next(),
        }
        if value is not None:
            the_action["value"] = value
        the_action.update(action or {})
        payload["actions"] = [the_action]
        if view is not None:
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
            return payload
        ephemeral = isinstance(message, Message) and message.is_ephemeral
        if isinstance(message, Message):
            channel = channel or message.channel
            message_dict: dict[str, Any] | None = message.to_dict()
        else:
            message_dict = message
        channel = channel or "C0GENERAL"
        ts = (message_dict or {}).get("ts")
        payload["container"] = container or {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = self._channel(channel)
        if message_dict is not None and not ephemeral:
            payload["message"] = message_dict
        payload["response_url"] = self._response_url(channel, user, ts)
        return payload

    def view_submission(
        self, view: dict[str, Any] | str, values: dict[str, Any] | None, *, user: str
    ) -> dict[str, Any]:
        """A `view_submission` payload: the view as stored, with `values` as its state."""
        if isinstance(view, str):
            if self.fake is None or view not in self.fake.views:
                raise LookupError(f"no view {view!r} in the fake Slack")
            view = self.fake.views[view]
        payload = self._common("view_submission", user)
        payload["trigger_id"] = self._trigger(user)
        payload["view"] = {**view, "state": {"values": values or {}}}
        payload["response_urls"] = []
        return payload

    def message_shortcut(
        self, callback_id: str, message_text: str, *, user: str, channel: str, message: Target | None
    ) -> dict[str, Any]:
        """A `message_action` payload for a shortcut used on a message in `channel`."""
        if message is None:
            if self.fake is not None:
                message = self.fake.add_user_message(channel, user, message_text)
            else:
                message = {"type": "message", "ts": self._clock.next(), "text": message_text, "user": user}
        message_dict = message.to_dict() if isinstance(message, Message) else message
        payload = self._common("message_action", user)
        payload.update(
            callback_id=callback_id,
            trigger_id=self._trigger(user),
            action_ts=self._clock.next(),
            message_ts=message_dict.get("ts"),
            message=message_dict,
            channel=self._channel(channel),
            response_url=self._response_url(channel, user),
        )
        return payload

    def event_callback(self, event: dict[str, Any]) -> dict[str, Any]:
        """An Events API envelope around `event`, as Slack posts it (JSON) to the request URL."""
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.workspace.bot_user_id if self.fake else "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def app_home_opened(self, *, user: str, tab: str = "home") -> dict[str, Any]:
        """The `app_home_opened` event of `user` opening the app's Home (or Messages) tab; like Slack, it
        carries the Home view published for them (with its hash) once there is one."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.fake.dm(user) if self.fake else "D" + user[1:],
            "tab": tab,
            "event_ts": self.next_ts(),
        }
        view = self.fake.home_view(user) if self.fake else None
        if view is not None:
            event["view"] = view
        return event

    def global_shortcut(self, callback_id: str, *, user: str) -> dict[str, Any]:
        """A `shortcut` payload (global shortcut): no channel, no response_url."""
        payload = self._common("shortcut", user)
        payload.update(callback_id=callback_id, trigger_id=self._trigger(user), action_ts=self._clock.next())
        return payload
