"""Workflow Builder steps that wait for a top-up request: bound to it when it is made, completed once when
it ends, by whichever instance sees it end, across restarts.

The "Request a Telnyx top-up" step (handlers/workflow.py) makes a normal request and then stays running:
its function execution id and the token Slack gave that execution are stored with the request, in the
transaction that stores the request (`bind`, passed as `Approvals.request(on_stored=...)`). Every change
of a request runs `on_change` inside the change's own transaction (an `Approvals.observe` observer): once
the request has ended, each step waiting on it moves waiting -> completing in one compare-and-set, and one
`STEP_COMPLETE` row is queued in the outbox with the request as it ended. So exactly one completion is
queued per step, whatever instance made the decision, and it survives a crash like every outbox row. The
outbox worker (handlers/step_completion.py) calls Slack, then `settle` moves the step to done and erases
the token.

Which ends count: only `succeeded` (the money moved) completes the step successfully. denied, expired,
failed (nothing charged) and outcome_unknown complete it with an error that says why. An unknown outcome
is not waited on: finance may need days to check the Telnyx portal, and the steps after this one must not
run as if the top-up were done; finance's later Paid / Not charged reaches the requester by DM as usual.

The token is a secret: it is stored sealed (`TokenBox`: Fernet, with a key derived from the app's bot token),
so neither a copy of the database nor the SQL a driver logs at DEBUG holds anything usable; `WaitingStep`
leaves it out of its repr; it is erased once the step is completed (or given up). Should the key change
(a new bot token), a sealed token no longer opens and the step is completed with the bot token instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

from bot.approvals import TopupRequest, TopupState, Tx
from bot.outbox import Outbox
from bot.store import Store, TopupRow, WorkflowStepRow, utcnow

STEP_COMPLETE = "workflow.complete"  # outbox kind: {"execution": id, "request": the request as it ended}
ENDED = frozenset(
    {
        TopupState.SUCCEEDED,
        TopupState.FAILED,
        TopupState.DENIED,
        TopupState.EXPIRED,
        TopupState.OUTCOME_UNKNOWN,
    }
)
KEEP_DONE = timedelta(
    days=30
)  # a completed step is kept this long (for a look in the database), then dropped
MAX_EXECUTION_ID = 64  # the column; Slack's ids are a dozen characters
_PURPOSE = b"telnyx-bot: workflow step tokens at rest"
_PROCESS_KEY = secrets.token_bytes(32)  # without a bot token (the console): sealed for this process only


class StepState(StrEnum):
    """waiting (for the request to end) -> completing (one completion queued) -> done."""

    WAITING = "waiting"
    COMPLETING = "completing"
    DONE = "done"


class StepOutcome(StrEnum):
    """How a step ended, as stored."""

    COMPLETED = "completed"  # functions.completeSuccess accepted
    FAILED = "failed"  # functions.completeError accepted
    ALREADY = "already"  # Slack said the execution was no longer running: completed before
    GONE = "gone"  # Slack no longer knows the execution (or refuses every token): nothing to complete


@dataclass(frozen=True)
class WaitingStep:
    """A stored step: which request it waits on, its state, and the token to complete it with."""

    execution_id: str
    request_id: str
    state: StepState
    token: str | None = field(repr=False)  # a secret: never in a repr, a log or a traceback


class TokenBox:
    """Seals step tokens for the database with a key derived from `secret` (the app's bot token, which every
    instance has): what is stored cannot be used without it."""

    def __init__(self, secret: str | None) -> None:
        material = secret.encode() if secret else _PROCESS_KEY
        self._key = base64.urlsafe_b64encode(hmac.new(material, _PURPOSE, hashlib.sha256).digest())
        self._fernet: Fernet | None = None

    def _box(self) -> Fernet:
        # cryptography is imported on the first step, not at start: 6 MB of a bot's idle memory for a
        # feature most workspaces use rarely (make bench: idle RSS within 2x a bare Bolt app)
        if self._fernet is None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(self._key)
        return self._fernet

    def seal(self, token: str) -> str:
        """The token as stored."""
        return self._box().encrypt(token.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The token a sealed value holds; None when it was sealed with another key (or is not ours)."""
        from cryptography.fernet import InvalidToken

        try:
            return self._box().decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            return None


def step_ended(request: TopupRequest) -> bool:
    """True when a step waiting on `request` is to be completed now."""
    return request.state in ENDED


async def forget_done(store: Store, now: datetime) -> int:
    """Drop steps completed more than KEEP_DONE ago (their token was erased then); a waiting step is
    never dropped. Returns how many."""
    async with store.transaction() as session:
        gone = await session.execute(
            delete(WorkflowStepRow).where(
                WorkflowStepRow.state == StepState.DONE.value, WorkflowStepRow.completed_at < now - KEEP_DONE
            )
        )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


class WorkflowSteps:
    """The steps waiting on top-up requests, in `store`; completions are queued in `outbox`."""

    def __init__(
        self, store: Store, outbox: Outbox, box: TokenBox, *, now: Callable[[], datetime] = utcnow
    ) -> None:
        self._store, self._outbox, self._box, self._now = store, outbox, box, now

    async def bind(self, tx: Tx, execution_id: str, request_id: str, token: str | None) -> None:
        """Store the step with its request, inside the request's transaction.

        A second delivery of the same execution fails here (primary key) and takes the request with it.
        """
        tx.session.add(
            WorkflowStepRow(
                execution_id=execution_id,
                request_id=request_id,
                token=None if token is None else self._box.seal(token),
                state=StepState.WAITING.value,
                created_at=self._now(),
            )
        )
        await tx.session.flush()

    async def known(self, execution_id: str) -> bool:
        """True when a step with this execution id is stored (Slack delivered its event again)."""
        async with self._store.transaction() as session:
            found = await session.scalar(
                select(WorkflowStepRow.execution_id).where(WorkflowStepRow.execution_id == execution_id)
            )
        return found is not None

    async def on_change(self, tx: Tx, request_id: str) -> None:
        """The request changed (inside its transaction): queue the completion of every step waiting on it
        once it has ended, each at most once."""
        row = await tx.session.scalar(
            select(TopupRow).where(TopupRow.id == request_id).execution_options(populate_existing=True)
        )
        if row is None:
            return
        request = TopupRequest.from_row(row)
        if not step_ended(request):
            return
        waiting = await tx.session.scalars(
            select(WorkflowStepRow.execution_id).where(
                WorkflowStepRow.request_id == request_id,
                WorkflowStepRow.state == StepState.WAITING.value,
            )
        )
        for execution_id in list(waiting):
            if await self._move(tx, execution_id, StepState.WAITING, StepState.COMPLETING):
                payload = {"execution": execution_id, "request": request.to_payload()}
                await self._outbox.add(tx.session, f"step:{execution_id}", STEP_COMPLETE, payload)
                tx.effects += 1

    async def get(self, execution_id: str) -> WaitingStep | None:
        """The stored step, or None."""
        async with self._store.transaction() as session:
            row = await session.get(WorkflowStepRow, execution_id)
            if row is None:
                return None
            token = None if row.token is None else self._box.open(row.token)
            return WaitingStep(row.execution_id, row.request_id, StepState(row.state), token)

    async def give_up(self, execution_id: str) -> bool:
        """Take a waiting step out of the queue (it is being failed at once); False when its completion is
        already queued or done (then nothing else may complete it). True too when no step is stored."""
        async with self._store.transaction() as session:
            row = await session.get(WorkflowStepRow, execution_id)
            if row is None:
                return True
            moved = await session.execute(
                update(WorkflowStepRow)
                .where(
                    WorkflowStepRow.execution_id == execution_id,
                    WorkflowStepRow.state == StepState.WAITING.value,
                )
                .values(
                    state=StepState.DONE.value,
                    token=None,
                    completed_at=self._now(),
                    outcome=StepOutcome.FAILED.value,
                )
                .execution_options(synchronize_session=False)
            )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]

    async def settle(self, execution_id: str, outcome: StepOutcome) -> None:
        """The step is completed (or can never be): done, and its token erased."""
        async with self._store.transaction() as session:
            await session.execute(
                update(WorkflowStepRow)
                .where(WorkflowStepRow.execution_id == execution_id)
                .values(
                    state=StepState.DONE.value, token=None, completed_at=self._now(), outcome=outcome.value
                )
                .execution_options(synchronize_session=False)
            )

    async def _move(self, tx: Tx, execution_id: str, expected: StepState, new: StepState) -> bool:
        moved = await tx.session.execute(
            update(WorkflowStepRow)
            .where(WorkflowStepRow.execution_id == execution_id, WorkflowStepRow.state == expected.value)
            .values(state=new.value)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]
