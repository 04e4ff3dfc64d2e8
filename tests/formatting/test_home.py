"""The Home tab's builder: the fullest Home stays within 100 blocks with "and N more" lines, every block is
valid and within Slack's limits, untrusted text is escaped, and each section shows only with its
permission."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import Block

from bot import ids
from bot.access import Permission
from bot.alerts.book import Alert, State
from bot.alerts.evaluate import Severity
from bot.alerts.rules import Kind, Rule, Threshold
from bot.approvals import TopupRequest, TopupState
from bot.digests.book import Subscription
from bot.digests.schedule import Cadence, Schedule
from bot.errors import TelnyxUnavailable
from bot.home import Account, HomeContent, Listed, Topic
from bot.runway import Basis, Spend, runway
from formatting.home import (
    MAX_HOME_BLOCKS,
    SHOW_ALERTS,
    SHOW_DIGESTS,
    SHOW_PENDING,
    SHOW_RULES,
    SHOW_UNKNOWN,
    digest_blocks,
    home_view,
)
from formatting.telnyx_errors import message
from tests.formatting.checks import check_limits, check_safe
from tests.formatting.factories import HOSTILE, T0, balance

CHANNEL_TOKEN = re.compile(r"<#C[A-Z0-9]+>")


def alert(n: int) -> Alert:
    facts = {"available": "42.00", "threshold": "100.00", "balance": "-58.00", "currency": "USD"}
    return Alert(
        id=n,
        rule_id=f"rule{n % 3}",
        kind=Kind.LOW_CREDIT,
        subject="account",
        state=State.FIRING,
        severity=Severity.CRITICAL,
        facts=facts,
        started_at=T0,
        notified_at=T0,
        renotified=0,
        resolved_at=None,
        resolution=None,
        acked_by=None,
        acked_at=None,
        snoozed_until=None,
        snoozed_by=None,
        channel="C0ALERTS",
        message_ts=None,
    )


def request(n: int, state: TopupState, requester: str = "U0REQUEST") -> TopupRequest:
    return TopupRequest(
        id=f"req{n:013d}",
        amount=Decimal("150.00") + n,
        currency="USD",
        reason=f"{HOSTILE} {n}",
        requester=requester,
        state=state,
        created_at=T0 + timedelta(minutes=n),
        expires_at=T0 + timedelta(days=1),
        decided_by="U0FIN1" if state is not TopupState.PENDING else None,
        decided_at=T0 if state is not TopupState.PENDING else None,
        error=HOSTILE if state is TopupState.OUTCOME_UNKNOWN else None,
    )


def rule(n: int) -> Rule:
    return Rule(
        id=f"rule{n}",
        kind=Kind.LOW_CREDIT,
        threshold=Threshold(Decimal("100")),
        raw_threshold="100",
        endpoint="",
        channel="C0ALERTS",
        renotify=timedelta(hours=24),
        created_by="U0ADMIN",
        created_at=T0,
    )


def account() -> Account:
    spend = Spend(Decimal("12.50"), Basis.HISTORY, timedelta(days=5))
    low = balance("42.00")
    return Account(
        balance=low,
        runway=runway(low.available_credit, Decimal("50"), spend, T0.date()),
        spark="▁▂▃▄▅▆▇█▇▆▅▄▃▂",
        low_threshold=Decimal("50"),
        fetched_at=T0,
    )


def fullest() -> HomeContent:
    return HomeContent(
        user="U0ADMIN",
        as_of=T0,
        may=frozenset(Permission),
        account=account(),
        alerts=Listed([alert(n) for n in range(SHOW_ALERTS)], 30),
        requests=Listed([request(n, TopupState.SUCCEEDED, "U0ADMIN") for n in range(10)], 40),
        pending=Listed([request(n, TopupState.PENDING) for n in range(SHOW_PENDING)], 30),
        unknown=Listed([request(n, TopupState.OUTCOME_UNKNOWN) for n in range(SHOW_UNKNOWN)], 20),
        rules=Listed([rule(n) for n in range(SHOW_RULES)], 50),
        firing={"rule0": 3},
        digests=[subscription(n) for n in range(SHOW_DIGESTS + 4)],
        sandbox=True,
    )


def texts(view: dict[str, Any]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                out.append(str(node.get("text")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(view["blocks"])
    return "\n".join(out)


def check(view_blocks: list[dict[str, Any]]) -> None:
    for d in view_blocks:
        parsed = Block.parse(d)
        assert parsed is not None and parsed.to_dict() == d
        check_limits(d)
        if d["type"] in ("section", "context"):  # the Home's own texts (the buttons are the cards')
            # the bot's own channel mentions are fine; everything else untrusted must be escaped
            check_safe(json.loads(CHANNEL_TOKEN.sub("", json.dumps(d))))


def test_the_fullest_home_stays_within_100_blocks_with_and_more_lines() -> None:
    view = home_view(fullest(), approvals_channel="C0APPROVALS").to_dict()
    assert view["type"] == "home"
    blocks = view["blocks"]
    assert len(blocks) <= MAX_HOME_BLOCKS
    check(blocks)
    shown = texts(view)
    assert "and 22 more: `/telnyx alerts`" in shown
    assert "and 30 older" in shown
    assert "and 22 more: their cards are in <#C0APPROVALS>" in shown
    assert "and 15 more: their cards are in <#C0APPROVALS>" in shown
    assert "and 38 more: `/telnyx alerts` lists them all" in shown
    assert ":warning: *Available credit is low:*" in shown and "▁▂▃▄▅▆▇█" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown  # a reason cannot ping anyone


def test_each_section_needs_its_permission() -> None:
    viewer = HomeContent(user="U0VIEWER", as_of=T0, may=frozenset({Permission.VIEW}), account=account())
    view = home_view(viewer).to_dict()
    shown = texts(view)
    assert "Available credit" in shown and "none firing" in shown
    assert "Request top-up" not in shown and "approval" not in shown and "Alert rules" not in shown
    assert viewer.topics() == {Topic.BALANCE, Topic.ALERTS}
    assert fullest().topics() == set(Topic)


def test_a_balance_that_could_not_be_read_is_said_and_the_rest_still_shown() -> None:
    content = HomeContent(
        user="U0FIN1",
        as_of=T0,
        may=frozenset({Permission.VIEW, Permission.APPROVE_TOPUP}),
        account=Account(balance=None, error=TelnyxUnavailable()),
        pending=Listed([request(1, TopupState.PENDING)], 1),
        unknown=Listed(),
    )
    view = home_view(content).to_dict()
    shown = texts(view)
    assert "The balance could not be read just now" in shown and message(TelnyxUnavailable()) in shown
    assert "waiting for approval:* 1" in shown
    assert [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        ids.ACTION_TOPUP_APPROVE,
        ids.ACTION_TOPUP_DENY,
    ]


def subscription(n: int) -> Subscription:
    schedule = Schedule(Cadence.DAILY, time(9, n % 60), "Europe/Berlin")
    return Subscription(f"sub{n}", schedule, f"C0CH{n}", "U0ADMIN", T0, None, None)


def test_digests_show_for_admins_with_turn_off_and_say_how_to_add_one_when_there_are_none() -> None:
    assert "none. Add one with `/telnyx digest daily" in texts(
        {"blocks": [b.to_dict() for b in digest_blocks([])]}
    )
    admin = HomeContent(
        user="U0ADMIN",
        as_of=T0,
        may=frozenset(Permission),
        account=account(),
        rules=Listed(),
        digests=[subscription(1)],
    )
    view = home_view(admin).to_dict()
    assert "Daily at 09:01 (Europe/Berlin)* in <#C0CH1> · not posted yet" in texts(view)
    offs = [
        b["accessory"]
        for b in view["blocks"]
        if (b.get("accessory") or {}).get("action_id") == ids.ACTION_DIGEST_OFF
    ]
    assert [o["value"] for o in offs] == ["sub1"] and offs[0]["confirm"]["confirm"]["text"] == "Turn off"
    viewer = HomeContent(user="U0VIEWER", as_of=T0, may=frozenset({Permission.VIEW}), account=account())
    assert "Digests" not in texts(home_view(viewer).to_dict())
