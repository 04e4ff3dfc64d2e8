"""Socket Mode that never goes deaf: one supervised WebSocket session at a time, replaced on any doubt.

slack_sdk's Socket Mode clients reconnect inside one long-lived client, and that is where they fail
silently: a broken state after a failed reconnect (python-slack-sdk #1446), a new session after an idle
period that never dispatches again (bolt-python #1529), a closed client session reused in a tight retry
loop, an envelope re-delivered after a reconnect handled twice. Here the protocol (apps.connections.open,
hello, envelopes, acks, disconnect) runs on aiohttp's WebSocket client, and the supervisor owns every
session's life:

- each session has its own aiohttp ClientSession, closed with it: nothing is ever reused;
- aiohttp's heartbeat pings every `ping_interval` seconds and drops a session whose pong does not come
  back in time (a server that stopped answering);
- a session that brought nothing at all (no envelope, no message) for `idle_timeout` seconds is replaced
  by a new one (a socket that silently stopped delivering);
- `disconnect` (`warning`, `refresh_requested`, `link_disabled` ...) opens the next session at once; the
  old one is still read for HANDOVER_GRACE seconds, so envelopes already on their way are not lost;
- a refused connection or a failing `apps.connections.open` is retried with exponential backoff and one
  log line per attempt; an app-level token Slack refuses stops the bot (`AppTokenRefused`);
- envelope ids are remembered for `REMEMBER` seconds: a re-delivered envelope is acknowledged again but
  handled once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import SocketModeState
from bot.slack_requests import note_envelope

logger = logging.getLogger(__name__)

REMEMBER = 600.0  # seconds an envelope id is kept: Slack retries an unacknowledged envelope within minutes
REMEMBER_MAX = 10_000
# app-level token problems no retry can fix
REFUSED_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}
DISPATCHED = ("slash_commands", "interactive", "events_api")
HANDOVER = "handing over"  # a read that ends like this opens the next session at once, no backoff
HANDOVER_GRACE = 10.0  # seconds a handed-over session is still read: what was on its way arrives there


class AppTokenRefused(Exception):
    """Slack refused the app-level token (SLACK_APP_TOKEN): retrying cannot help."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Timing:
    """The supervisor's clocks (seconds); tests shorten them, operators may too."""

    ping_interval: float = 5.0  # heartbeat; a missing pong drops the session after half of it
    idle_timeout: float = 600.0  # nothing at all received for this long: replace the session
    hello_timeout: float = 10.0  # a new session must say hello within this
    backoff_first: float = 1.0
    backoff_max: float = 60.0


class EnvelopeMemory:
    """Envelope ids seen recently (bounded, oldest forgotten first)."""

    def __init__(self, keep: float = REMEMBER, size: int = REMEMBER_MAX) -> None:
        self._keep, self._size = keep, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, envelope_id: str, now: float) -> bool:
        """True the first time `envelope_id` is seen within the memory window."""
        while self._seen and (
            len(self._seen) >= self._size or next(iter(self._seen.values())) < now - self._keep
        ):
            self._seen.popitem(last=False)
        if envelope_id in self._seen:
            return False
        self._seen[envelope_id] = now
        return True


class SessionEnded(Exception):
    """A session ended without handing over: the next one opens after a backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SocketModeRunner:
    """Keeps one Socket Mode session open to Slack for `app` until `stop` is set."""

    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        state: SocketModeState,
        *,
        api_url: str | None = None,
        timing: Timing | None = None,
    ) -> None:
        self.app = app
        self.state = state
        self.timing = timing or Timing()
        self._app_token = app_token
        self._web = AsyncWebClient(base_url=api_url or "https://slack.com/api/")
        self._memory = EnvelopeMemory()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions = 0

    # -- the supervisor loop --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Open sessions one after another until `stop`; raises AppTokenRefused if the token is refused."""
        failures = 0
        while not stop.is_set():
            try:
                http, ws = await self._open_session()
                failures = 0
                await self._serve(http, ws, stop)  # returns when Slack hands over to a new session
            except AppTokenRefused:
                raise
            except SessionEnded as ended:
                if stop.is_set():
                    break
                self._lost(ended.reason)
                failures += 1
                await self._back_off(failures, stop)
            except (aiohttp.ClientError, SlackApiError, TimeoutError, OSError) as exc:
                failures += 1
                self._lost(_describe(exc))
                await self._back_off(failures, stop)
            except Exception:  # noqa: BLE001 - the supervisor outlives anything; the bug is logged whole
                failures += 1
                logger.exception("Socket Mode: unexpected failure; opening a new session")
                self.state.set_connected(False, time.monotonic())
                await self._back_off(failures, stop)
        self.state.set_connected(False, time.monotonic())
        await self._drain()

    async def _open_session(self) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
        """apps.connections.open, then the WebSocket, then its hello."""
        try:
            opened = await self._web.apps_connections_open(app_token=self._app_token)
        except SlackApiError as err:
            error = str(err.response.get("error") or "")
            if error in REFUSED_TOKEN:
                raise AppTokenRefused(error) from None
            raise
        http = aiohttp.ClientSession()
        try:
            ws = await http.ws_connect(
                str(opened["url"]), heartbeat=self.timing.ping_interval, autoping=True, max_msg_size=0
            )
            first = await ws.receive(timeout=self.timing.hello_timeout)
            kind = (
                json.loads(first.data).get("type")
                if first.type is aiohttp.WSMsgType.TEXT
                else first.type.name
            )
            if kind != "hello":
                raise SessionEnded(f"the session began with {kind!r}, not hello")
        except BaseException:
            await http.close()
            raise
        self._sessions += 1
        if self._sessions > 1:
            self.state.reconnects += 1
        now = time.monotonic()
        self.state.set_connected(True, now)
        self.state.last_envelope_at = now
        logger.info("Socket Mode: connected (session %d)", self._sessions)
        return http, ws

    async def _serve(
        self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, stop: asyncio.Event
    ) -> None:
        """Read the session until Slack hands over to a new one (return) or it ends (SessionEnded).

        On a hand-over the old session keeps being read for HANDOVER_GRACE seconds in the background
        (envelopes already on their way arrive there) while the next session opens.
        """
        handed_over = False
        try:
            reason = await self._read(ws, stop, self.timing.idle_timeout)
            if reason is None:
                raise SessionEnded("stopping")
            if not reason.startswith(HANDOVER):
                raise SessionEnded(reason)
            logger.info("Socket Mode: %s; opening the next session", reason)
            handed_over = True
            self._spawn(self._finish(http, ws, stop), "socket-mode old session")
        finally:
            if not handed_over:
                await ws.close()
                await http.close()

    async def _finish(
        self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, stop: asyncio.Event
    ) -> None:
        """Keep reading a handed-over session for a while, then close it."""
        try:
            await self._read(ws, stop, HANDOVER_GRACE, until_closed=True)
        finally:
            await ws.close()
            await http.close()

    async def _read(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        stop: asyncio.Event,
        quiet: float,
        *,
        until_closed: bool = False,
    ) -> str | None:
        """Handle what the session brings; return why reading stopped (None: `stop` was set).

        `quiet`: nothing received for that long ends the read (the idle watchdog, or the grace of a
        handed-over session). `until_closed`: a `disconnect` does not end the read.
        """
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                receiving = asyncio.ensure_future(ws.receive())
                done, _ = await asyncio.wait(
                    {receiving, stopping}, timeout=quiet, return_when=asyncio.FIRST_COMPLETED
                )
                if stopping in done:
                    receiving.cancel()
                    return None
                if not done:
                    receiving.cancel()
                    return f"{HANDOVER}: nothing received for {quiet:.0f} s"
                message = receiving.result()
                if message.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.CLOSED,
                ):
                    return f"the socket was closed ({ws.close_code or 'no close code'})"
                if message.type is aiohttp.WSMsgType.ERROR:
                    return f"the socket failed ({_describe(ws.exception())})"
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                self.state.last_envelope_at = time.monotonic()
                data = json.loads(message.data)
                if data.get("envelope_id"):
                    self._spawn(self._handle(ws, data), "socket-mode envelope")
                elif data.get("type") == "disconnect" and not until_closed:
                    return f"{HANDOVER}: Slack sent disconnect ({data.get('reason') or 'no reason'})"
        finally:
            stopping.cancel()

    def _lost(self, reason: str) -> None:
        if self.state.connected:
            logger.warning("Socket Mode: disconnected: %s", reason)
        else:
            logger.warning("Socket Mode: cannot connect: %s", reason)
        self.state.set_connected(False, time.monotonic())

    async def _back_off(self, failures: int, stop: asyncio.Event) -> None:
        wait = min(self.timing.backoff_max, self.timing.backoff_first * 2 ** (failures - 1))
        wait *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not security
        logger.info("Socket Mode: trying again in %.1f s", wait)
        try:
            await asyncio.wait_for(stop.wait(), wait)
        except TimeoutError:
            pass

    # -- envelopes ------------------------------------------------------------------------------------

    def _spawn(self, work: Any, name: str) -> None:
        """Run `work` beside the reader (an envelope's handling, a handed-over session's last reads)."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, ws: aiohttp.ClientWebSocketResponse, envelope: dict[str, Any]) -> None:
        envelope_id = str(envelope["envelope_id"])
        if not self._memory.first_time(envelope_id, time.monotonic()):
            logger.info(
                "Socket Mode: envelope %s delivered again; acknowledged, not handled twice", envelope_id
            )
            await _send(ws, {"envelope_id": envelope_id})
            return
        if envelope.get("type") not in DISPATCHED:
            await _send(ws, {"envelope_id": envelope_id})
            return
        await note_envelope(
            None, envelope
        )  # this task's log context and the ack's start (bot/slack_requests.py)
        request = AsyncBoltRequest(mode="socket_mode", body=envelope.get("payload") or {})
        response = await self.app.async_dispatch(request)
        await _send(ws, _ack(envelope_id, response))

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _ack(envelope_id: str, response: BoltResponse) -> dict[str, Any]:
    """The acknowledgement of an envelope: Bolt's response body as its payload (as Bolt's adapter does)."""
    ack: dict[str, Any] = {"envelope_id": envelope_id}
    if response.status != 200 or not response.body:
        return ack
    content_type = (response.headers.get("content-type") or [""])[0]
    ack["payload"] = (
        json.loads(response.body) if content_type.startswith("application/json") else {"text": response.body}
    )
    return ack


async def _send(ws: aiohttp.ClientWebSocketResponse, message: dict[str, Any]) -> None:
    try:
        await ws.send_str(json.dumps(message))
    except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
        # the session is gone: Slack re-delivers the envelope on the next one, where it is acknowledged
        logger.warning(
            "Socket Mode: could not acknowledge %s: %s", message.get("envelope_id"), _describe(exc)
        )


def _describe(exc: BaseException | None) -> str:
    """One line for the log: the kind of failure and its message, never a traceback."""
    if exc is None:
        return "unknown"
    if isinstance(exc, SlackApiError):
        return f"Slack answered {exc.response.get('error')}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
