"""What a platform and Prometheus see over HTTP: /healthz, /readyz (each check failing for real), /metrics."""

import logging
import time
from datetime import timedelta
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot import ids
from bot.services import SocketModeState
from bot.store import OutboxRow, utcnow
from devkit.sandbox import Fault
from tests.app.harness import TOKEN, Bot, running_bot, text_of

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ALICE, REQUESTER, FIN1 = "U0ALICE", "U0REQUEST", "U0FIN1"
PAYMENTS = "/v2/payment/stored_payment_transactions"


async def get(bot: Bot, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{bot.server.url}{path}") as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


async def scrape(bot: Bot) -> Samples:
    """Every sample /metrics shows, read with Prometheus' own text parser."""
    status, text = await get(bot, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


async def test_healthz_answers_200_while_the_process_serves(bot):
    assert await get(bot, "/healthz") == (200, {"ok": True})


async def test_readyz_answers_200_with_every_check_when_all_pass(bot):
    status, answer = await get(bot, "/readyz")
    assert status == 200 and answer["ready"] is True and "failing" not in answer
    assert set(answer["checks"]) == {
        "database",
        "telnyx",
        "outbox",
        "scheduler",
    }  # no Slack check in HTTP mode
    assert all(check["ok"] for check in answer["checks"].values())
    assert answer["checks"]["outbox"]["detail"] == "nothing waiting"


async def test_readyz_is_503_naming_the_database_while_it_cannot_be_opened(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
    async with running_bot(tmp_path, database_url=url) as bot:
        assert (await get(bot, "/readyz"))[0] == 200
        folder.rename(tmp_path / "gone")  # the volume went away: no new connection can open the file
        await bot.svc.store.engine.dispose()  # and the pooled ones are closed
        try:
            status, answer = await get(bot, "/readyz")
        finally:
            (tmp_path / "gone").rename(folder)
        assert status == 503 and answer["ready"] is False
        failing = {f["name"]: f["reason"] for f in answer["failing"]}
        assert "database" in failing and "OperationalError" in failing["database"]
        assert str(tmp_path) not in str(answer)  # a reason names the failure, not where the data lives
        assert (await get(bot, "/readyz"))[0] == 200  # back as soon as the file is


async def test_readyz_is_503_naming_the_outbox_when_a_delivery_is_stuck(bot):
    now = utcnow()
    async with bot.svc.store.transaction() as session:
        session.add(  # a card redraw Slack has refused for 20 minutes; the next try is in an hour
            OutboxRow(
                key="topup:stuck",
                kind="card",
                payload='{"id": "stuck"}',
                created_at=now - timedelta(minutes=20),
                next_at=now + timedelta(hours=1),
                attempts=9,
                last_error="Slack answered 503 service_unavailable",
            )
        )
    status, answer = await get(bot, "/readyz")
    assert status == 503
    assert [f["name"] for f in answer["failing"]] == ["outbox"]
    assert answer["failing"][0]["reason"].startswith("stuck: 1 waiting, the oldest for 1200 s")
    assert answer["checks"]["database"]["ok"] and answer["checks"]["telnyx"]["ok"]
    samples = await scrape(bot)
    assert value(samples, "telnyx_bot_outbox_backlog") == 1
    assert 1200 <= value(samples, "telnyx_bot_outbox_oldest_age_seconds") < 1300


async def test_readyz_is_503_naming_telnyx_while_it_fails_and_probes_it_once_per_ttl(tmp_path):
    async with running_bot(tmp_path, faults={"/v2/": Fault(status=503)}) as bot:
        for _ in range(3):  # a platform probing every few seconds
            status, answer = await get(bot, "/readyz")
            assert status == 503
            assert answer["failing"] == [{"name": "telnyx", "reason": "GET /balance: HTTP 503"}]
        assert bot.sandbox.request_count("/v2/balance") == 1  # one probe, its verdict kept
        bot.sandbox.clear_faults()
        assert "Balance" in text_of(await bot.command("balance"))  # Telnyx answered real traffic again
        status, answer = await get(bot, "/readyz")
        assert status == 200 and answer["checks"]["telnyx"]["detail"].startswith("answered ")
        assert bot.sandbox.request_count("/v2/balance") == 2  # no probe needed: the command's read counts


async def test_readyz_and_metrics_follow_the_socket_mode_connection(bot):
    bot.svc.socket_mode = SocketModeState(connected=False, reconnects=2, changed_at=time.monotonic() - 12)
    status, answer = await get(bot, "/readyz")
    assert status == 503
    [failing] = answer["failing"]
    assert failing["name"] == "slack" and failing["reason"].startswith("Socket Mode not connected for 1")
    samples = await scrape(bot)
    assert value(samples, "telnyx_bot_socket_mode_connected") == 0
    assert value(samples, "telnyx_bot_socket_mode_reconnects_total") == 2
    bot.svc.socket_mode.set_connected(True, time.monotonic())
    status, answer = await get(bot, "/readyz")
    assert status == 200 and answer["checks"]["slack"] == {"ok": True, "detail": "Socket Mode connected"}
    assert value(await scrape(bot), "telnyx_bot_socket_mode_connected") == 1


async def test_metrics_count_exactly_what_a_session_did(bot):
    for _ in range(3):
        assert "Balance" in text_of(await bot.command("balance"))
    assert "takes no arguments" in text_of(await bot.command("balance now"))
    await bot.command('topup 150 "launch week"', user=REQUESTER)
    [card] = [m for m in bot.slack.messages("C0APPROVALS") if not m.is_ephemeral]
    await bot.click(card, ids.ACTION_TOPUP_APPROVE, user=ALICE, channel="C0APPROVALS")  # a viewer: denied
    await bot.click(card, ids.ACTION_TOPUP_APPROVE, user=FIN1, channel="C0APPROVALS")
    assert bot.payment_requests() == 1
    await bot.idle()

    samples = await scrape(bot)
    commands = series(samples, "telnyx_bot_commands_total")
    assert commands == {
        frozenset({("subcommand", "balance"), ("outcome", "answered")}): 3,
        frozenset({("subcommand", "balance"), ("outcome", "usage_error")}): 1,
        frozenset({("subcommand", "topup"), ("outcome", "answered")}): 1,
    }
    acks = series(samples, "telnyx_bot_ack_seconds_count")
    assert acks == {frozenset({("kind", "command")}): 5, frozenset({("kind", "block_actions")}): 2}
    assert value(samples, "telnyx_bot_ack_seconds_bucket", kind="command", le="+Inf") == 5
    assert series(samples, "telnyx_bot_access_denials_total") == {
        frozenset({("permission", "approve_topup")}): 1
    }
    assert series(samples, "telnyx_bot_payments_total") == {
        frozenset({("outcome", "succeeded")}): 1,
        frozenset({("outcome", "failed")}): 0,
        frozenset({("outcome", "outcome_unknown")}): 0,
    }
    # the gateway's count of each request is what the sandbox received, no more, no less
    telnyx = series(samples, "telnyx_bot_telnyx_requests_total")
    assert telnyx == {
        frozenset({("operation", "GET /balance"), ("status", "200")}): bot.sandbox.request_count(
            "/v2/balance", "GET"
        ),
        frozenset({("operation", f"POST {PAYMENTS[3:]}"), ("status", "200")}): 1,
        # the runway on the balance answers, from Telnyx's charges (no history yet), read once a minute
        frozenset({("operation", "GET /charges_summary"), ("status", "200")}): 1,
    }
    assert sum(telnyx.values()) == bot.sandbox.request_count()
    assert value(samples, "telnyx_bot_outbox_backlog") == 0
    assert value(samples, "telnyx_bot_outbox_oldest_age_seconds") == 0
    assert value(samples, "telnyx_bot_socket_mode_connected") == 0  # HTTP mode
    assert value(samples, "telnyx_bot_socket_mode_reconnects_total") == 0
    assert value(samples, "telnyx_bot_listeners_in_flight") == 0
    # no person, channel, amount or top-up id in any label
    labels = {v for (_, pairs) in samples for _, v in pairs}
    assert not [v for v in labels if v.startswith(("U0", "C0")) or "150" in v or "launch" in v]


async def test_metrics_of_one_app_are_not_another_apps(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with running_bot(tmp_path / "a") as first, running_bot(tmp_path / "b") as second:
        await first.command("help")
        assert value(await scrape(first), "telnyx_bot_commands_total", subcommand="help", outcome="answered")
        assert not series(await scrape(second), "telnyx_bot_commands_total")


async def test_each_command_outcome_is_counted_under_its_subcommand(tmp_path, monkeypatch):
    import dataclasses

    import handlers

    async def broken(context: Any, parsed: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(
        handlers.SUBCOMMANDS, "whoami", dataclasses.replace(handlers.SUBCOMMANDS["whoami"], run=broken)
    )
    async with running_bot(tmp_path, faults={"/v2/balance": Fault(status=503)}) as bot:
        await bot.command("help")
        await bot.command("balanse")  # unknown: the typed name never becomes a label
        await bot.command('topup 5 "unclosed')  # unreadable
        await bot.command("topup 40", user=ALICE)  # a viewer may not
        assert "unavailable" in text_of(await bot.command("balance")).lower()
        assert "went wrong" in text_of(await bot.command("whoami"))
        commands = series(await scrape(bot), "telnyx_bot_commands_total")
    assert commands == {
        frozenset({("subcommand", "help"), ("outcome", "answered")}): 1,
        frozenset({("subcommand", "unknown"), ("outcome", "usage_error")}): 2,
        frozenset({("subcommand", "topup"), ("outcome", "denied")}): 1,
        frozenset({("subcommand", "balance"), ("outcome", "telnyx_error")}): 1,
        frozenset({("subcommand", "whoami"), ("outcome", "error")}): 1,
    }


async def test_a_start_with_the_token_in_the_environment_logs_no_bolt_warning(tmp_path, monkeypatch, caplog):
    """SLACK_BOT_TOKEN in the environment (how the bot is configured) used to make Bolt warn at every start
    that the token "will be unused": the bot's client carries it. That one notice is filtered, nothing else."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    with caplog.at_level(logging.WARNING):
        async with running_bot(tmp_path) as bot:
            await bot.command("balance")
            logging.getLogger("bolt").warning("another Bolt warning")
    assert "will be unused" not in caplog.text
    assert "another Bolt warning" in caplog.text  # the filter drops that notice only
