"""SlackRequests: build the payloads Slack sends to an app, sign them, and POST them over HTTP.

With a `FakeSlack`, payloads carry response URLs and trigger ids the fake honours, and the fake applies
what Slack does with the app's ack bodies (a command's reply, a modal's response_action).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from devkit.slackfake.functions import FunctionExecution
from devkit.slackfake.payloads import PayloadBuilder, Target, find_element
from devkit.slackfake.records import Message
from devkit.slackfake.server import FakeSlack


@dataclass(frozen=True)
class SendOptions:
    """How to send one request: a timestamp or signature to test rejection, Slack's retry headers."""

    timestamp: int | None = None  # e.g. int(time.time()) - 600: older than Bolt's 5 minutes
    signature: str | None = None  # sent instead of the right one
    retry_num: int | None = None
    retry_reason: str | None = None  # e.g. "http_timeout"


@dataclass
class AppResponse:
    """What the app answered, plus the response_url and trigger_id its payload carried."""

    status: int
    text: str
    headers: dict[str, str]
    payload: dict[str, Any]
    response_url: str | None = None
    trigger_id: str | None = None
    elapsed: float = 0.0  # seconds until the app answered: the ack time Slack would measure
    json: Any = field(default=None)

    @property
    def ok(self) -> bool:
        """True for HTTP 200."""
        return self.status == 200


class SlackRequests:
    """Signed requests into a Bolt app; `async with SlackRequests(...) as req:` (or `aclose()`)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        fake: FakeSlack | None = None,
        team_id: str = "T0TEST",
        api_app_id: str = "A0TEST",
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url
        self.fake = fake
        self._verifier = SignatureVerifier(signing_secret)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.build = PayloadBuilder(fake=fake, team_id=team_id, api_app_id=api_app_id)

    def __repr__(self) -> str:
        return f"SlackRequests(app_url={self.app_url!r}, team_id={self.build.team_id!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def sign(self, body: str, timestamp: int) -> str:
        """The x-slack-signature Slack would send for `body` at `timestamp`."""
        return self._verifier.generate_signature(timestamp=str(timestamp), body=body)

    # the payloads

    async def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        options: SendOptions | None = None,
    ) -> AppResponse:
        """A slash command, form-encoded; a non-empty ack body is shown in the fake like Slack shows it."""
        fields = self.build.command(command, text, user=user, channel=channel)
        resp = await self.post_form(fields, options)
        resp.response_url, resp.trigger_id = fields["response_url"], fields["trigger_id"]
        if self.fake is not None and resp.ok and resp.text.strip():
            body = resp.json if isinstance(resp.json, dict) else {"text": resp.text}
            await self.fake.apply_command_ack(fields["response_url"], body)
        return resp

    async def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = "U0ALICE",
        channel: str | None = None,
        message: Message | dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str | None = None,
        action: dict[str, Any] | None = None,
        options: SendOptions | None = None,
    ) -> AppResponse:
        """A `block_actions` payload for a click in a message (or in `view`); `action` overrides fields."""
        payload = self.build.block_action(
            action_id,
            value,
            user=user,
            channel=channel,
            message=message,
            container=container,
            view=view,
            block_id=block_id,
            action=action,
        )
        return await self.post_payload(payload, options)

    async def click(
        self,
        target: Target,
        action_id: str,
        *,
        user: str = "U0ALICE",
        channel: str | None = None,
        options: SendOptions | None = None,
    ) -> AppResponse:
        """Click the element `action_id` of a recorded message (or view), as a user would."""
        block_id, element = find_element(target, action_id)
        action = {k: v for k, v in element.items() if k in ("type", "text", "url", "style")}
        is_view = isinstance(target, dict) and target.get("type") in ("modal", "home")
        if isinstance(target, dict) and not is_view and self.fake is not None:
            # a message dict carries no "ephemeral" mark: the fake knows whether Slack showed it to one person
            target = self.fake.message_with_ts(str(target.get("ts") or "")) or target
        return await self.block_action(
            action_id,
            element.get("value"),
            user=user,
            channel=channel,
            message=None if is_view else target,
            view=target if is_view else None,  # type: ignore[arg-type]
            block_id=block_id,
            action=action,
            options=options,
        )

    async def view_submission(
        self,
        view: dict[str, Any] | str,
        values: dict[str, dict[str, dict[str, Any]]] | None = None,
        *,
        user: str = "U0ALICE",
        options: SendOptions | None = None,
    ) -> AppResponse:
        """Submit a modal (a view dict or a view id known to the fake) with its input `values`."""
        payload = self.build.view_submission(view, values, user=user)
        resp = await self.post_payload(payload, options)
        if self.fake is not None and resp.ok:
            await self.fake.apply_view_response(user, payload["view"]["id"], resp.json)
        return resp

    async def message_shortcut(
        self,
        callback_id: str,
        message_text: str = "",
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        message: Message | dict[str, Any] | None = None,
        options: SendOptions | None = None,
    ) -> AppResponse:
        """A message shortcut used on `message` (or on a new message with `message_text`)."""
        payload = self.build.message_shortcut(
            callback_id, message_text, user=user, channel=channel, message=message
        )
        return await self.post_payload(payload, options)

    async def global_shortcut(
        self, callback_id: str, *, user: str = "U0ALICE", options: SendOptions | None = None
    ) -> AppResponse:
        """A global shortcut (from the composer or search)."""
        return await self.post_payload(self.build.global_shortcut(callback_id, user=user), options)

    async def app_home_opened(
        self, *, user: str = "U0ALICE", tab: str = "home", options: SendOptions | None = None
    ) -> AppResponse:
        """`user` opens the app's Home tab (or `tab="messages"`): its event is posted, signed."""
        event = self.build.app_home_opened(user=user, tab=tab)
        return await self.post_event(self.build.event_callback(event), options)

    async def function_executed(
        self,
        callback_id: str,
        definition: dict[str, Any],
        inputs: dict[str, Any],
        *,
        options: SendOptions | None = None,
    ) -> tuple[AppResponse, FunctionExecution]:
        """A workflow runs the custom step `callback_id` (`definition`: its entry in the manifest's
        `functions`): the fake starts the execution, and its `function_executed` event is posted, signed."""
        if self.fake is None:
            raise RuntimeError(
                "function_executed needs a FakeSlack: it hands out the execution and its token"
            )
        execution = self.fake.start_function(callback_id, definition, inputs)
        event = execution.event(app_id=self.build.api_app_id, event_ts=self.build.next_ts())
        resp = await self.post_event(self.build.event_callback(event), options)
        return resp, execution

    # the wire

    async def post_event(self, envelope: dict[str, Any], options: SendOptions | None = None) -> AppResponse:
        """POST an Events API envelope as JSON, as Slack sends events, signed."""
        resp = await self._post(json.dumps(envelope), options, content_type="application/json")
        resp.payload = envelope
        return resp

    async def post_form(self, fields: dict[str, str], options: SendOptions | None = None) -> AppResponse:
        """POST form-encoded `fields`, signed."""
        resp = await self._post(urlencode(fields), options)
        resp.payload = dict(fields)
        return resp

    async def post_payload(self, payload: dict[str, Any], options: SendOptions | None = None) -> AppResponse:
        """POST `payload=<json>` as Slack sends interactivity, signed."""
        resp = await self._post(urlencode({"payload": json.dumps(payload)}), options)
        resp.payload = payload
        resp.response_url = payload.get("response_url")
        resp.trigger_id = payload.get("trigger_id")
        return resp

    async def _post(
        self,
        body: str,
        options: SendOptions | None,
        *,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> AppResponse:
        options = options or SendOptions()
        timestamp = options.timestamp if options.timestamp is not None else int(time.time())
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": options.signature or self.sign(body, timestamp),
        }
        if options.retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(options.retry_num)
            headers["X-Slack-Retry-Reason"] = options.retry_reason or "http_timeout"
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        started = time.perf_counter()
        async with self._session.post(self.app_url, data=body.encode(), headers=headers) as http:
            text = await http.text()
            elapsed = time.perf_counter() - started
            parsed: Any = None
            if text.lstrip().startswith(("{", "[")):
                try:
                    parsed = json.loads(text)
                except ValueError:
                    parsed = None  # not JSON after all: callers still have `text`
            return AppResponse(
                status=http.status,
                text=text,
                headers=dict(http.headers),
                payload={},
                elapsed=elapsed,
                json=parsed,
            )


def wrong_signature() -> SendOptions:
    """Options that send a well-formed but wrong signature (the app must answer 401)."""
    return SendOptions(signature="v0=" + secrets.token_hex(32))


def stale_timestamp(seconds: int = 600) -> SendOptions:
    """Options that sign correctly but with a timestamp `seconds` old (the app must answer 401)."""
    return SendOptions(timestamp=int(time.time()) - seconds)
