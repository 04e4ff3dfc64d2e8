"""The burst: N concurrent signed `/telnyx` commands at the bot and at a bare Bolt baseline.

For each server (its own process, started fresh): one warm-up command, then a burst of N `/telnyx balance`,
then a burst of N mixed commands (balance, invoices, webhooks, usage), then a flood of F `/telnyx balance`
(1,000 by default) that shows whether the server's listen queue holds that many simultaneous connections. Each command is signed and sent
the way Slack sends it, all at once, over one connection each (the client's pool is raised to N: aiohttp
allows 100 per session by default). Ack = send to HTTP 200. Reply = the fake Slack receiving the post to
that command's own response_url. Telnyx requests = what the sandbox received during the burst.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import aiohttp

from bench.common import CHANNEL, SECRET, listen_overflows, mb, own_cpu_seconds, percentile
from bench.servers import Server, running_server
from bench.world import World, fake_world
from devkit.slackfake import Call, SlackRequests
from devkit.slackfake.validation import message_problems, message_warnings

MIX = ("balance", "invoices", "webhooks", "usage messaging")
# How each command's answer begins (its plain-text fallback): anything else is an error answer.
ANSWERS = {
    "balance": "Telnyx balance",
    "invoices": "Telnyx invoices",
    "webhooks": "Telnyx webhook deliveries",
    "usage messaging": "Telnyx messaging usage",
}
ACK_LIMIT = 3.0  # seconds Slack waits for an ack
REPLY_TIMEOUT = 60.0  # seconds after a burst's start before missing replies are given up
FETCHED, CACHED = "Fetched ", "Cached, as of "  # the two forms of formatting.text.freshness_line


@dataclass
class Prepared:
    """One signed command ready to send, and the id of its response_url."""

    body: bytes
    headers: dict[str, str]
    rid: str
    text: str


class ReplyWatch:
    """Times each command's reply: when the fake Slack records the post to that command's response_url."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.pending: set[str] = set()
        self.done: dict[str, float] = {}
        self.texts: dict[str, str] = {}  # rid -> the reply's text
        self.calls: list[Call] = []
        self.all_done = asyncio.Event()

    def expect(self, rids: list[str]) -> None:
        self.pending.update(rids)
        self.all_done.clear()

    def __call__(self, call: Call) -> None:
        # Called by the fake right after it handled a request: the response_url's use count tells which.
        if call.method != "response_url" or not self.pending:
            return
        now = time.perf_counter()
        urls = self.world.slack.workspace.response_urls
        answered = [r for r in self.pending if urls[r].uses]
        if not answered:
            return  # a late reply to an earlier burst
        self.calls.append(call)
        for rid in answered:
            self.pending.discard(rid)
            self.done[rid] = now
            self.texts[rid] = str(call.args.get("text", ""))
        if not self.pending:
            self.all_done.set()


@dataclass
class Burst:
    """The figures of one burst at one server."""

    name: str
    n: int
    acks: list[float] = field(default_factory=list)  # seconds, for the requests answered 200
    statuses: Counter[str] = field(default_factory=Counter)
    replies: int = 0
    answered: int = 0  # replies that are the command's answer, not an error message
    replies_refused: int = 0  # response_url posts the fake Slack refused (invalid message...)
    fresh_answers: int = 0  # replies that say how fresh their data is ("Fetched ..." or "Cached, as of ...")
    cached_answers: int = 0  # of those, the ones served from the shared-reads cache
    last_reply: float | None = None  # seconds from the burst's start to the last reply
    wall: float = 0.0
    telnyx_requests: int = 0
    telnyx_by_path: dict[str, int] = field(default_factory=dict)
    server_cpu: float | None = None
    bench_cpu: float = 0.0
    reply_texts: Counter[str] = field(default_factory=Counter)
    validation_ms_per_reply: float | None = None
    listen_overflows: int | None = None

    def figures(self) -> dict[str, Any]:
        """The JSON form."""

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 1)

        return {
            "commands": self.n,
            "acks_ok": len(self.acks),
            "ack_statuses": dict(self.statuses),
            "acks_over_3s": sum(1 for a in self.acks if a > ACK_LIMIT) + (self.n - len(self.acks)),
            "ack_p50_ms": ms(percentile(self.acks, 50)),
            "ack_p95_ms": ms(percentile(self.acks, 95)),
            "ack_p99_ms": ms(percentile(self.acks, 99)),
            "ack_max_ms": ms(max(self.acks, default=None)),
            "replies": self.replies,
            "replies_answered": self.answered,
            "replies_refused_by_slack": self.replies_refused,
            "answers_saying_freshness": self.fresh_answers,
            "answers_from_cache": self.cached_answers,
            "last_reply_s": None if self.last_reply is None else round(self.last_reply, 3),
            "telnyx_requests": self.telnyx_requests,
            "telnyx_requests_by_path": self.telnyx_by_path,
            "server_cpu_s": None if self.server_cpu is None else round(self.server_cpu, 2),
            "bench_process_cpu_s": round(self.bench_cpu, 2),
            "burst_wall_s": round(self.wall, 3),
            "fake_slack_validation_ms_per_reply": self.validation_ms_per_reply,
            "listen_queue_overflows": self.listen_overflows,
            "reply_texts": dict(self.reply_texts.most_common(6)),
        }


def prepare(requests: SlackRequests, texts: list[str], user_prefix: str) -> list[Prepared]:
    """Build and sign every command up front, so the burst itself only sends (one user per command)."""
    prepared = []
    timestamp = int(time.time())
    for index, text in enumerate(texts):
        fields = requests.build.command("/telnyx", text, user=f"{user_prefix}{index:04d}", channel=CHANNEL)
        body = urlencode(fields)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": requests.sign(body, timestamp),
        }
        rid = urlparse(fields["response_url"]).path.rsplit("/", 1)[-1]
        prepared.append(Prepared(body.encode(), headers, rid, text))
    return prepared


async def send(session: aiohttp.ClientSession, url: str, item: Prepared) -> tuple[str, float]:
    """POST one command; (status or error name, seconds to the answer)."""
    started = time.perf_counter()
    try:
        async with session.post(url, data=item.body, headers=item.headers) as response:
            await response.read()
            return str(response.status), time.perf_counter() - started
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__, time.perf_counter() - started


def validation_cost(calls: list[Call]) -> float | None:
    """Milliseconds the fake Slack spends validating one reply, re-measured on the replies received."""
    if not calls:
        return None
    started = time.perf_counter()
    for call in calls:
        message_problems(call.args)
        message_warnings(call.args)
    return round((time.perf_counter() - started) * 1000 / len(calls), 3)


async def burst(world: World, server: Server, requests: SlackRequests, name: str, texts: list[str]) -> Burst:
    """Send every command at once; wait for every reply (or REPLY_TIMEOUT); return the figures."""
    result = Burst(name, len(texts))
    watch = ReplyWatch(world)
    prepared = prepare(requests, texts, user_prefix=f"U0{name[:3].upper()}")
    watch.expect([p.rid for p in prepared])
    world.slack.listeners.append(watch)
    sandbox_before = world.telnyx_requests()
    cpu_before, own_before = server.cpu_seconds(), own_cpu_seconds()
    overflows_before = listen_overflows()
    connector = aiohttp.TCPConnector(limit=len(texts) + 10)  # aiohttp's default of 100 would queue the rest
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
        ) as session:
            started = time.perf_counter()
            answers = await asyncio.gather(*(send(session, server.events_url, p) for p in prepared))
            try:
                await asyncio.wait_for(
                    watch.all_done.wait(), max(0.1, started + REPLY_TIMEOUT - time.perf_counter())
                )
            except TimeoutError:
                pass  # counted below as missing replies
            result.wall = time.perf_counter() - started
    finally:
        world.slack.listeners.remove(watch)
    cpu_after = server.cpu_seconds()
    overflows_after = listen_overflows()
    if overflows_before is not None and overflows_after is not None:
        result.listen_overflows = overflows_after - overflows_before
    result.server_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    result.bench_cpu = own_cpu_seconds() - own_before
    for status, elapsed in answers:
        result.statuses[status] += 1
        if status == "200":
            result.acks.append(elapsed)
    result.replies = len(watch.done)
    # the baseline answers every command with "ok"
    expected = {p.text: "ok" if server.kind == "baseline" else ANSWERS[p.text] for p in prepared}
    result.answered = sum(1 for p in prepared if watch.texts.get(p.rid, "\0").startswith(expected[p.text]))
    result.last_reply = max(watch.done.values()) - started if watch.done else None
    result.replies_refused = sum(1 for c in watch.calls if not c.ok)
    bodies = [json.dumps(c.args) for c in watch.calls]
    result.fresh_answers = sum(1 for b in bodies if FETCHED in b or CACHED in b)
    result.cached_answers = sum(1 for b in bodies if CACHED in b)
    result.reply_texts = Counter(str(c.args.get("text", ""))[:60] for c in watch.calls)
    result.telnyx_requests = world.telnyx_requests() - sandbox_before
    result.telnyx_by_path = world.telnyx_requests_by_path(sandbox_before)
    result.validation_ms_per_reply = validation_cost(watch.calls)
    return result


async def warm_up(world: World, server: Server, requests: SlackRequests) -> float:
    """One `/telnyx help` after start (Bolt's first request also calls auth.test); its ack in ms."""
    response = await requests.command("/telnyx", "help", user="U0WARMUP", channel=CHANNEL)
    if response.status != 200:
        raise RuntimeError(f"{server.kind}: the warm-up command got HTTP {response.status}")
    await world.slack.wait_for("response_url", timeout=30)
    return round(response.elapsed * 1000, 1)


async def measure_server(
    world: World,
    kind: str,
    n: int,
    extra_settings: dict[str, str],
    profile: Path | None = None,
    flood: int = 0,
) -> dict[str, Any]:
    """Start one server, warm it up, run both bursts (and the flood, when `flood` > 0), stop it; its figures."""
    mix = [MIX[i % len(MIX)] for i in range(n)]
    world.slack.calls.clear()
    settings = world.settings(**extra_settings)
    async with running_server(kind, settings, world.workdir, profile=profile) as server:
        idle = server.rss_kb()
        async with SlackRequests(server.events_url, SECRET, fake=world.slack) as requests:
            first_ack = await warm_up(world, server, requests)
            balance = await burst(world, server, requests, "balance", ["balance"] * n)
            mixed = await burst(world, server, requests, "mix", mix)
            peak = server.peak_kb()  # before the flood: the footprint criteria are about the two bursts
            flooded = await burst(world, server, requests, "flood", ["balance"] * flood) if flood else None
        figures: dict[str, Any] = {
            "startup_s": round(server.startup_seconds, 3),
            "idle_rss_mb": mb(idle),
            "peak_rss_mb": mb(peak),
            "first_ack_ms": first_ack,
            "bursts": {"balance": balance.figures(), "mix": mixed.figures()},
        }
        if flooded is not None:
            figures["flood"] = flooded.figures()
        return figures


async def start_times(world: World, extra: dict[str, str], starts: int) -> dict[str, list[float]]:
    """Seconds from spawn to ready of `starts` more starts of each kind, alternating baseline and bot so a
    change in the machine's load falls on both; each bot start creates its database afresh."""
    samples: dict[str, list[float]] = {"baseline": [], "bot": []}
    for i in range(starts):
        for kind in ("baseline", "bot"):
            database = f"sqlite+aiosqlite:///{world.workdir / f'start-{i}.db'}"
            settings = world.settings(**extra, DATABASE_URL=database)
            async with running_server(kind, settings, world.workdir) as server:
                samples[kind].append(server.startup_seconds)
    return samples


async def run(
    workdir: Path,
    *,
    n: int = 500,
    latency: float = 0.3,
    jitter: float = 0.05,
    cache_ttl: float | None = None,
    profile: Path | None = None,
    flood: int = 1000,
    starts: int = 6,
) -> dict[str, Any]:
    """Baseline first, then the bot, each in a fresh process against the same fake world; then `starts`
    more alternating starts of each, for the start-up figure.

    With `profile`, the bot runs under cProfile and its stats are written there. `flood` is the size of
    the last burst (0: none). `startup_s` is the median of every start of that kind: one start varies by
    10% or more on a busy 2-core machine, enough to cross the criterion either way.
    """
    extra = {"CACHE_TTL_SECONDS": str(cache_ttl)} if cache_ttl is not None else {}
    async with fake_world(workdir, latency, jitter) as world:
        baseline = await measure_server(world, "baseline", n, {}, flood=flood)
        bot = await measure_server(world, "bot", n, extra, profile, flood=flood)
        more = await start_times(world, extra, starts)
    for kind, figures_of in (("baseline", baseline), ("bot", bot)):
        every = [figures_of["startup_s"], *(round(s, 3) for s in more[kind])]
        figures_of["startup_samples_s"] = every
        figures_of["startup_s"] = round(statistics.median(every), 3)
    figures = {"n": n, "latency_s": latency, "jitter_s": jitter, "baseline": baseline, "bot": bot}
    return {**figures, "flood": flood} if flood else figures
