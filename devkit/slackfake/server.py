"""FakeSlack: an HTTP server on 127.0.0.1 that answers the Web API, response URLs and file uploads.

It records every request (`calls`, from CallLog), validates every message and view like Slack, and keeps
the conversation as users would see it (`messages`) and the workflow steps it ran (`functions`). It runs in
the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Self
from urllib.parse import urlparse

from aiohttp import web

from devkit.slackfake import webapi
from devkit.slackfake.calls import CallLog, Fault
from devkit.slackfake.functions import FunctionExecution, Functions
from devkit.slackfake.records import Call, Message, UploadedFile, User
from devkit.slackfake.socket_mode import SocketModeHub
from devkit.slackfake.state import ApiError, Channel, Workspace
from devkit.slackfake.validation import message_warnings

# Form-encoded calls carry these as JSON strings; decode them so tests and validation see structures.
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata", "outputs")


class FakeSlack(CallLog):
    """A fake Slack workspace served over HTTP; use as `async with FakeSlack() as slack:`."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0TEST",
        trigger_ttl: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__()
        self._bot_token = bot_token
        self._host, self._port = host, port
        self.workspace = Workspace(
            team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id, trigger_ttl=trigger_ttl
        )
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.socket = SocketModeHub(app_token, app_id)
        self._slow: dict[tuple[str, str | None], float] = {}
        self.functions = Functions()  # custom steps run by workflows (devkit/slackfake/functions.py)

    def __repr__(self) -> str:
        return f"FakeSlack(base_url={self.base_url!r}, team_id={self.workspace.team_id!r}, calls={len(self.calls)})"

    # lifecycle

    async def start(self) -> Self:
        """Listen on host:port (port 0 picks a free one) and set `base_url` / `api_url`."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/apps.connections.open", self._handle_connections_open)
        app.router.add_get("/socket", self.socket.handle)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self.workspace.base_url = self.base_url
        return self

    async def aclose(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self.socket.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def api_url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`; it ends in / as slack_sdk needs."""
        return f"{self.base_url}/api/"

    # seeding the workspace

    def add_user(
        self, user_id: str, *, name: str, real_name: str = "", tz: str = "UTC", is_bot: bool = False
    ) -> User:
        """A member users.info can describe."""
        user = User(
            id=user_id,
            name=name,
            real_name=real_name or name,
            tz=tz,
            is_bot=is_bot,
            team_id=self.workspace.team_id,
        )
        self.workspace.users[user_id] = user
        return user

    def slow_down(self, method: str, seconds: float, *, channel: str | None = None) -> None:
        """Make every `method` call (only those for `channel`, when given) take `seconds` before answering."""
        self._slow[(method, channel)] = seconds

    def set_usergroup(self, usergroup_id: str, user_ids: list[str]) -> None:
        """The members usergroups.users.list returns for `usergroup_id`."""
        self.workspace.usergroups[usergroup_id] = list(user_ids)

    def add_channel(self, channel_id: str, *, name: str, is_member: bool = True) -> None:
        """A channel; with is_member=False the bot gets not_in_channel there (it lacks chat:write.public)."""
        self.workspace.channels[channel_id] = Channel(id=channel_id, name=name, is_member=is_member)

    def add_user_message(self, channel: str, user: str, text: str) -> Message:
        """A message a person posted, e.g. the one a message shortcut is used on."""
        return self.workspace.add_user_message(channel, user, text)

    # handing out what payloads carry

    def response_url(
        self, channel: str = "C0GENERAL", user: str = "U0ALICE", original_ts: str | None = None
    ) -> str:
        """A response URL on this fake; `original_ts` is the message replace/delete_original act on."""
        return self.workspace.new_response_url(channel, user, original_ts)

    def trigger_id(self, user: str = "U0ALICE") -> str:
        """A trigger_id that opens one view within `trigger_ttl` seconds."""
        return self.workspace.new_trigger(user)

    def dm(self, user: str) -> str:
        """The id of the bot's DM channel with `user`."""
        return self.workspace.dm_channel(user)

    def start_function(
        self, callback_id: str, definition: dict[str, Any], inputs: dict[str, Any]
    ) -> FunctionExecution:
        """A workflow reaching the custom step `callback_id` (defined as in the manifest's `functions`):
        a running execution with its own token; send its event with `SlackRequests.function_executed`."""
        return self.functions.start(callback_id, definition, inputs)

    def execution(self, execution_id: str) -> FunctionExecution:
        """A function execution the fake started (its state, outputs or error, and which token ended it)."""
        return self.functions.executions[execution_id]

    # what tests read

    def message_with_ts(self, ts: str) -> Message | None:
        """The message stamped `ts` (stamps are unique across the fake workspace), if any."""
        return next((m for m in self.workspace.all_messages if m.ts == ts), None)

    def messages(self, channel: str, user: str | None = None) -> list[Message]:
        """The channel as users see it (updates applied); with `user`, only what that user sees."""
        if channel[:1] in ("U", "W"):
            channel = self.workspace.dm_channel(channel)
        return [
            m
            for m in self.workspace.all_messages
            if m.channel == channel and (user is None or m.ephemeral_to in (None, user))
        ]

    @property
    def files(self) -> list[UploadedFile]:
        """Files whose upload was completed, in upload order."""
        return [f for f in self.workspace.files.values() if f.completed]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view opened, pushed, updated or published, by view id, in its current state (with hash)."""
        return self.workspace.views

    def view_stack(self, user: str) -> list[dict[str, Any]]:
        """The modals open for `user`, bottom first."""
        return [self.workspace.views[v] for v in self.workspace.view_stacks.get(user, [])]

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The Home tab published for `user`, if any."""
        vid = self.workspace.home_views.get(user)
        return self.workspace.views.get(vid) if vid else None

    # what Slack does with ack bodies (called by SlackRequests)

    async def apply_command_ack(self, response_url: str, body: Any) -> Call:
        """Show a slash command's ack body to the user, as Slack does (ephemeral unless in_channel)."""
        args = _as_dict(body)
        rid = urlparse(response_url).path.rsplit("/", 1)[-1]
        try:
            self.workspace.respond(rid, body, count_use=False)
        except ApiError as exc:
            return await self.record(Call("command_ack", args, ok=False, error=exc.error, errors=exc.errors))
        return await self.record(Call("command_ack", args, warnings=message_warnings(args)))

    async def apply_view_response(self, user: str, view_id: str, body: Any) -> Call:
        """Act on a view_submission ack (close, errors, update, push, clear) as Slack does."""
        args = _as_dict(body)
        try:
            self.workspace.view_response(user, view_id, args)
        except ApiError as exc:
            return await self.record(
                Call("view_submission_ack", args, ok=False, error=exc.error, errors=exc.errors)
            )
        return await self.record(Call("view_submission_ack", args))

    # HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _parse_args(request)
        token = args.pop("token", None)  # never recorded: calls end up in test output
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :]
        try:
            if not token:
                raise ApiError("not_authed")
            # a step's own token acts as the bot while its execution runs
            step = self.functions.by_token(token) if token != self._bot_token else None
            if token != self._bot_token and (step is None or not step.token_works()):
                raise ApiError("invalid_auth")
            delay = self._slow.get((method, str(args.get("channel"))), self._slow.get((method, None)))
            if delay:
                await asyncio.sleep(delay)
            fault = self.take_fault(method)
            if fault is not None:
                return await self._answer_fault(method, args, fault)
            if method == "functions.completeSuccess":
                result = self.functions.complete_success(args, step)
            elif method == "functions.completeError":
                result = self.functions.complete_error(args, step)
            else:
                handler = webapi.METHODS.get(method)
                if handler is None:
                    raise ApiError("unknown_method")
                result = handler(self.workspace, args)
        except ApiError as exc:
            return await self._answer_error(method, args, exc)
        warnings = message_warnings(args) if method in webapi.MESSAGE_METHODS else []
        await self.record(Call(method, args, response=result, warnings=warnings))
        return web.json_response(result)

    async def _handle_connections_open(self, request: web.Request) -> web.Response:
        """Socket Mode's apps.connections.open takes the app-level token, not the bot token."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        result = self.socket.open(token, self.base_url)
        await self.record(Call("apps.connections.open", {}, ok=result["ok"], error=result.get("error")))
        return web.json_response(result)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        try:
            body: Any = json.loads(await request.text() or "null")
        except ValueError:
            body = None  # Slack answers invalid_payload; respond() below does the same
        args = _as_dict(body)
        fault = self.take_fault("response_url")
        if fault is not None:
            return await self._answer_fault("response_url", args, fault)
        try:
            result = self.workspace.respond(request.match_info["rid"], body)
        except ApiError as exc:
            return await self._answer_error("response_url", args, exc)
        await self.record(Call("response_url", args, response=result, warnings=message_warnings(args)))
        return web.json_response(result)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = next((v for v in form.values() if isinstance(v, web.FileField)), None)
            content = part.file.read() if part is not None else b""
        else:
            content = await request.read()
        args = {"file_id": file_id, "length": len(content)}
        uploaded = self.workspace.files.get(file_id)
        if uploaded is None:
            await self.record(Call("upload", args, ok=False, error="file_not_found", status=404))
            return web.Response(status=404, text="file_not_found")
        uploaded.content, uploaded.uploaded = content, True
        await self.record(Call("upload", args))
        return web.Response(text=f"OK - {len(content)}")

    async def _answer_error(self, method: str, args: dict[str, Any], exc: ApiError) -> web.Response:
        body = exc.body()
        call = Call(
            method, args, ok=False, error=exc.error, errors=exc.errors, response=body, status=exc.status
        )
        await self.record(call)
        return web.json_response(body, status=exc.status)

    async def _answer_fault(self, method: str, args: dict[str, Any], fault: Fault) -> web.Response:
        headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
        body = {"ok": False, "error": fault.error}
        await self.record(
            Call(method, args, ok=False, error=fault.error, status=fault.status, response=body, injected=True)
        )
        return web.json_response(body, status=fault.status, headers=headers)


async def _parse_args(request: web.Request) -> dict[str, Any]:
    """Query string plus a JSON, form or multipart body, with JSON-string arguments decoded."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        text = await request.text()
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            body = {}
        if isinstance(body, dict):
            args.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            args[key] = value if isinstance(value, str) else value.file.read()
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            # undecodable JSON stays a string: validation then reports it as not an array/object
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _as_dict(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, dict) else {}
