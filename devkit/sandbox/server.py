"""The sandbox server: aiohttp on 127.0.0.1, started in-process as an async context manager.

Every API request is parsed and validated against the contract and recorded (`sb.requests`), then
goes through the fault knobs, the bearer-key check, the strict refusal and finally its handler. A write
with an `Idempotency-Key` header replays the key's first successful answer for 24 h (idempotency.py).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from devkit.sandbox.admin import add_admin_routes
from devkit.sandbox.config import Fault, SandboxConfig
from devkit.sandbox.data import build_account
from devkit.sandbox.data.records import build_records
from devkit.sandbox.errors import ApiError, error_body
from devkit.sandbox.faults import Faults
from devkit.sandbox.idempotency import HEADER as IDEMPOTENCY_HEADER
from devkit.sandbox.idempotency import KEY as IDEMPOTENCY_KEY
from devkit.sandbox.idempotency import Replays
from devkit.sandbox.rand import Gen
from devkit.sandbox.routes import HANDLERS, Call, Handler
from devkit.sandbox.spec import Operation, contract
from devkit.sandbox.state import AccountState
from devkit.sandbox.validate import check_request

logger = logging.getLogger(__name__)
JSON = "application/json"


@dataclass
class RecordedRequest:
    """One request the sandbox received (never its Authorization header)."""

    method: str
    path: str
    query: MultiDictProxy[str]
    json: Any
    problems: list[str]
    operation: str | None
    authorized: bool
    status: int | None = None
    idempotency_key: str | None = None
    replayed: bool = False  # answered from an earlier request with the same Idempotency-Key
    at: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        """JSON form, for GET /_sandbox/requests."""
        return {
            "method": self.method,
            "path": self.path,
            "query": [[k, v] for k, v in self.query.items()],
            "json": self.json,
            "problems": self.problems,
            "operation": self.operation,
            "authorized": self.authorized,
            "status": self.status,
            "idempotency_key": self.idempotency_key,
            "replayed": self.replayed,
        }


class Sandbox:
    """A stateful fake of the Telnyx account API. `async with Sandbox(cfg) as sb:` serves it on loopback."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.contract = contract()
        self.faults = Faults(self.config.seed)
        for prefix, fault in self.config.faults.items():
            self.faults.set(prefix, fault)
        self.requests: list[RecordedRequest] = []
        self.replays = Replays()
        self.state: AccountState = self._build_state()
        self.app = self._build_app()
        self._expected_auth = f"Bearer {self.config.api_key}".encode()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def _build_state(self) -> AccountState:
        now = self.config.now or datetime.now(UTC)
        state = build_account(self.config.seed, now, live=self.config.live, per_day=self.config.per_day)
        if self.config.extra_records:
            # made at once: a benchmark times the requests that read them, not their making
            ours = [n.tn for n in state.numbers]
            gen = Gen(self.config.seed, "extra-records")
            state.detail_records += build_records(gen, now, state.user_id, ours, self.config.extra_records)
        if self.config.memo_queries:
            state.query_memo = {}
        return state

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:4010."""
        if self.port is None:
            raise RuntimeError("the sandbox is not running")
        return f"http://{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """TELNYX_BASE_URL for this sandbox: the root plus /v2."""
        return self.url + "/v2"

    async def start(self) -> None:
        """Bind and serve (port 0 picks a free one)."""
        self.faults.closing.clear()
        self._runner = web.AppRunner(
            self.app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release hung requests and stop serving."""
        self.faults.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # Test helpers
    def set_fault(self, path: str, fault: Fault) -> None:
        """Apply a fault to every request whose path starts with `path`."""
        self.faults.set(path, fault)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def reset(self) -> None:
        """Fresh data from the seed; forget requests and faults."""
        self.state = self._build_state()
        self.requests.clear()
        self.faults.clear()
        self.replays.clear()

    def request_count(self, path_prefix: str | None = None, method: str | None = None) -> int:
        """How many requests arrived, optionally only under a path prefix and/or with one method."""
        return sum(
            1
            for r in self.requests
            if (path_prefix is None or r.path.startswith(path_prefix))
            and (method is None or r.method == method.upper())
        )

    def assert_requests_valid(self) -> None:
        """Fail (AssertionError) listing every received request that broke the contract."""
        bad = [f"{r.method} {r.path}: {'; '.join(r.problems)}" for r in self.requests if r.problems]
        assert not bad, "requests that break the Telnyx contract:\n" + "\n".join(bad)

    # Serving
    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors])
        for op in self.contract.operations.values():
            app.router.add_route(op.method, op.path, self._endpoint(op, HANDLERS[op.id]))
        add_admin_routes(app, self)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Unknown paths and methods, and sandbox bugs, answer Telnyx error bodies, never aiohttp's HTML."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return _json(error_body(exc.status, f"{request.method} {request.path}: {exc.reason}"), exc.status)
        except Exception:
            logger.exception("sandbox bug answering %s %s", request.method, request.path)
            return _json(error_body(500), 500)

    def _endpoint(self, op: Operation, handler: Handler) -> Any:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            checked = check_request(op, request.query.items(), request.match_info, request.content_type, raw)
            authorized = secrets.compare_digest(
                request.headers.get("Authorization", "").encode(), self._expected_auth
            )
            # The contract does not list the header (Telnyx documents it apart): checked here.
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
                checked.problem(op, "header", IDEMPOTENCY_HEADER, "must match ^[A-Za-z0-9_:-]{1,255}$")
            # request.query is already an immutable view of the URL's query: kept as is, not copied
            record = RecordedRequest(
                request.method, request.path, request.query, checked.body, checked.problems, op.id, authorized
            )
            record.idempotency_key = key
            self.requests.append(record)
            call = Call(self.state, checked, f"{request.scheme}://{request.host}")
            try:
                await self.faults.apply(request.path)
                if not authorized:
                    raise ApiError(401)
                if checked.refusal is not None and (self.config.strict or checked.fatal):
                    raise checked.refusal
                self.state.settle()  # the account as it is at its time: spend billed, recharges made
                if key is None or request.method == "GET":
                    body = await handler(call)
                else:
                    body = await self._once(record, key, handler, call)
            except ApiError as error:
                record.status = error.status
                return _json(error.body(), error.status, error.headers)
            record.status = 200
            if isinstance(body, str):
                return web.Response(text=body, content_type="text/csv")
            return _json(body, 200)

        return endpoint

    async def _once(self, record: RecordedRequest, key: str, handler: Handler, call: Call) -> Any:
        """Serve a write under its Idempotency-Key: the key's first successful answer, or a new one."""
        scope = (record.method, record.path, key)
        async with self.replays.held(scope):
            kept = self.replays.replay(scope, call.checked.body)
            if kept is not None:
                record.replayed = True
                return kept
            body = await handler(call)
            self.replays.keep(scope, call.checked.body, body)
            return body


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type=JSON,
        headers=headers,
    )
