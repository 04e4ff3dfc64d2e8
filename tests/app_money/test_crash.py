"""A bot process killed (SIGKILL) while its payment is in flight: the request must not stay in limbo.

Process A approves a top-up whose payment Telnyx never answers, and is killed. Processes B and C start on
the same database; within 90 s the request is outcome unknown, its card redrawn, the requester told and
the approvals channel told, each exactly once although two instances reconcile.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import ids
from bot.approvals import TopupState
from bot.store import OutboxRow, Store, TopupRow
from devkit.sandbox import Fault, Sandbox, SandboxConfig
from devkit.slackfake import FakeSlack, SlackRequests
from tests.app.harness import KEY, PEOPLE, POLICY, SECRET, TOKEN, text_of
from tests.app_money.helpers import APPROVALS, FIN1, PAYMENTS, REQUESTER, buttons, card_id

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, slack: FakeSlack, sandbox: Sandbox) -> dict[str, str]:
    (tmp_path / "access.toml").write_text(POLICY)
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELNYX_", "DATABASE_", "ACCESS_"))
    }
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "TELNYX_API_KEY": KEY,
        "TELNYX_BASE_URL": sandbox.base_url,
        "TELNYX_TIMEOUT": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "ACCESS_POLICY": str(tmp_path / "access.toml"),
    }


async def _start(env: dict[str, str], cwd: Path) -> tuple[asyncio.subprocess.Process, str]:
    """`telnyx-bot run --http` on a free port; returns the process and its events URL once it listens."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--http",
        "--port",
        "0",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line, "the bot exited before it was ready"
        if match := re.search(r"listening on (http://\S+/slack/events)", line):
            return proc, match.group(1)


async def _stop(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    assert proc.stdout is not None
    out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
    await asyncio.wait_for(proc.wait(), 30)
    return out


@pytest.mark.long
async def test_a_payment_cut_off_by_sigkill_ends_outcome_unknown_after_restart(tmp_path):
    faults = {PAYMENTS: Fault(hang=True)}  # Telnyx takes the payment and never answers
    async with (
        Sandbox(SandboxConfig(api_key=KEY, faults=faults)) as sandbox,
        FakeSlack(bot_token=TOKEN) as slack,
    ):
        for uid, name in PEOPLE.items():
            slack.add_user(uid, name=name, real_name=name.title())
        slack.set_usergroup("S0FINANCE", ["U0FIN2"])
        for cid, name in (("C0GENERAL", "general"), (APPROVALS, "approvals"), ("C0AUDIT", "audit")):
            slack.add_channel(cid, name=name)
        env = _env(tmp_path, slack, sandbox)
        first, url = await _start(env, tmp_path)
        try:
            async with SlackRequests(url, SECRET, fake=slack) as requests:
                assert (await requests.command("/telnyx", 'topup 150 "launch"', user=REQUESTER)).ok
                # finance clicks once the card is up; the requester's confirmation comes after the bot has
                # stored where the card is (a kill before that store is another story: the card is lost)
                await slack.wait_for(
                    "response_url",
                    timeout=10,
                    predicate=lambda c: "sent to finance" in str(c.args.get("text")),
                )
                posted = _card(slack)
                assert (
                    await requests.click(posted, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel=APPROVALS)
                ).ok
                async with asyncio.timeout(10):
                    while sandbox.request_count(PAYMENTS, "POST") == 0:  # noqa: ASYNC110 - polls the sandbox
                        await asyncio.sleep(0.02)
            first.kill()  # SIGKILL mid-payment: no handler runs, nothing is written
            await first.wait()
            assert first.stdout is not None
            killed_output = (await first.stdout.read()).decode()
        finally:
            if first.returncode is None:
                first.kill()
        request_id = card_id(posted)
        dms_before = len(slack.messages(slack.dm(REQUESTER)))
        # two instances on the same database (started together: both reconcile at start)
        (second, _), (third, _) = await asyncio.gather(_start(env, tmp_path), _start(env, tmp_path))
        store = Store(env["DATABASE_URL"].replace("sqlite:", "sqlite+aiosqlite:", 1))
        reconciled = False
        seen: list[str] = []  # what each poll saw, for the failure message
        try:
            async with asyncio.timeout(90):
                while not reconciled:  # noqa: ASYNC110 - polls the database and the fake Slack, with a deadline
                    state = await _state(store, request_id)
                    told = len(slack.messages(slack.dm(REQUESTER))) > dms_before
                    redrawn = "unknown" in text_of([posted])
                    seen.append(
                        f"{datetime.now(UTC):%H:%M:%S.%f} {state.value} told={told} redrawn={redrawn}"
                    )
                    reconciled = state is TopupState.OUTCOME_UNKNOWN and told and redrawn
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # room for a duplicate to show, if the instances disagreed
        except TimeoutError:
            pass  # reported below, with what the processes printed and what the outbox holds
        finally:
            outbox = await _outbox(store)
            await store.aclose()
            outputs = list(await asyncio.gather(_stop(second), _stop(third)))
        assert reconciled, (
            f"not reconciled within 90 s; the instances printed:\n{outputs}\n"
            f"the killed one printed:\n{killed_output}\noutbox:\n{outbox}\npolls:\n{seen[:3]} ... {seen[-3:]}\ncard: {posted.text}"
        )
        assert sandbox.request_count(PAYMENTS, "POST") == 1  # never paid again
        assert "Payment outcome unknown" in text_of([posted])
        assert buttons(posted) == [ids.ACTION_TOPUP_PAID, ids.ACTION_TOPUP_NOT_CHARGED]
        dms = slack.messages(slack.dm(REQUESTER))[dms_before:]
        assert len(dms) == 1 and "outcome unknown" in text_of(dms).lower()
        thread = [m for m in slack.messages(APPROVALS) if m.thread_ts == posted.ts]
        assert len(thread) == 1 and "the bot stopped while sending the payment" in text_of(thread)
        assert all("Traceback" not in out for out in outputs), outputs


async def _outbox(store: Store) -> str:
    """The outbox, one row a line: what a failure needs to say why nothing was delivered."""
    async with store.transaction() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars().all()
        return "\n".join(
            f"{r.id} {r.key} {r.kind} next={r.next_at} attempts={r.attempts} by={r.claimed_by} "
            f"until={r.claimed_until} done={r.done_at} {r.outcome} {r.last_error}"
            for r in rows
        )


def _card(slack: FakeSlack):
    """The approval card in the approvals channel."""
    [posted] = [m for m in slack.messages(APPROVALS) if not m.is_ephemeral and m.thread_ts is None]
    return posted


async def _state(store: Store, request_id: str) -> TopupState:
    async with store.transaction() as session:
        row = await session.get(TopupRow, request_id, populate_existing=True)
    assert row is not None
    return TopupState(row.state)
