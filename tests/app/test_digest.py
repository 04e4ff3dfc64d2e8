"""Digests over HTTP: admins add, list and remove them (every bad word refused with what is accepted and an
example, nothing stored); a channel the bot cannot post in is refused; `digest now` is a private preview
for a viewer; the scheduler posts each period once at its time, a missed one late and once, a section it
cannot read says so while the rest is posted, and a Slack failure is retried with the same digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digests import book_of
from devkit.sandbox import Fault
from devkit.slackfake.records import Message
from tests.app.harness import Bot, running_bot, text_of

ADMIN, VIEWER = "U0ADMIN", "U0VIEWER"
FINANCE = "C0FINANCE"
LINK = f"<#{FINANCE}|finance>"  # how Slack sends a channel picked while typing `#`
TICK = timedelta(seconds=600)


@pytest.fixture
async def bot(tmp_path) -> Any:
    async with running_bot(tmp_path) as running:
        running.slack.add_channel(FINANCE, name="finance")
        yield running
    running.sandbox.assert_requests_valid()
    running.slack.assert_no_errors()


def posted(bot: Bot) -> list[Message]:
    """The digests posted in #finance (not the set-up notes)."""
    return [m for m in bot.slack.messages(FINANCE) if not m.is_ephemeral and "Telnyx digest for" in m.text]


async def tick_at(bot: Bot, moment: datetime) -> Any:
    """Move the bot's clock to `moment`, run the scheduler's tick, wait for its posts."""
    bot.clock[0] = moment
    report = await bot.svc.scheduler.tick()
    await bot.idle()
    return report


async def subscribe(bot: Bot, words: str) -> str:
    """Add a digest as the admin; return its id."""
    before = {s.id for s in await book_of(bot.svc).subscriptions()}
    answer = text_of(await bot.command(f"digest {words}", user=ADMIN))
    assert "added" in answer, answer
    [added] = {s.id for s in await book_of(bot.svc).subscriptions()} - before
    return added


# --- the commands --------------------------------------------------------------------------------------


async def test_an_admin_adds_lists_and_removes_digests(bot):
    daily = await subscribe(bot, f"daily 09:00 Europe/Berlin {LINK}")
    answer = text_of(bot.slack.messages("C0GENERAL", ADMIN)[-1:])
    assert f"Digest `{daily}` added: daily at 09:00 (Europe/Berlin) in <#{FINANCE}>" in answer
    assert "2026-11-29 08:00 UTC" in answer  # the first one: tomorrow 09:00 in Berlin (CET, UTC+1)
    [note] = [m for m in bot.slack.messages(FINANCE) if not m.is_ephemeral]
    assert "<@U0ADMIN> set up a Telnyx digest here, daily at 09:00 (Europe/Berlin)" in note.text

    weekly = await subscribe(bot, f"weekly MONDAY 17:30 America/New_York {FINANCE}")  # a bare channel id
    duplicate = text_of(await bot.command(f"digest daily 9:00 Europe/Berlin {LINK}", user=ADMIN))
    assert f"That digest already exists: `{daily}`" in duplicate and "Nothing was added" in duplicate

    [listed] = await bot.command("digest list", user=ADMIN)
    shown = text_of([listed])
    assert f"`{daily}` daily at 09:00 (Europe/Berlin) in <#{FINANCE}>, set up by <@U0ADMIN>" in shown
    assert f"`{weekly}` weekly on Monday at 17:30 (America/New_York)" in shown
    assert "Last posted: none yet" in shown and "2026-11-30 22:30 UTC" in shown  # Monday 17:30 EST
    assert listed.ephemeral_to == ADMIN

    removed = text_of(await bot.command(f"digest off {daily}", user=ADMIN))
    assert f"Removed 1 digest: `{daily}` (daily at 09:00 (Europe/Berlin) in <#{FINANCE}>)" in removed
    again = text_of(await bot.command(f"digest off {daily}", user=ADMIN))
    assert f"There is no digest with the id `{daily}`; nothing was removed" in again
    await subscribe(bot, f"daily 07:00 UTC {LINK}")
    by_channel = text_of(await bot.command(f"digest off {LINK}", user=ADMIN))
    assert "Removed 2 digests" in by_channel and weekly in by_channel
    assert await book_of(bot.svc).subscriptions() == []
    assert "No digests are set up" in text_of(await bot.command("digest list", user=ADMIN))
    trail = [r.action for r in await bot.svc.audit.recent()]
    assert trail.count("digests.add") == 3 and trail.count("digests.remove") == 3


@pytest.mark.parametrize(
    ("words", "problem", "accepted"),
    [
        ("daily 9am UTC C0FINANCE", "`9am` is not a time of day", "HH:MM, from `00:00` to `23:59`"),
        ("daily 24:00 UTC C0FINANCE", "`24:00` is not a time of day", "24-hour clock"),
        ("daily 09:60 UTC C0FINANCE", "`09:60` is not a time of day", "24-hour clock"),
        (
            "daily 09:00 europe/berlin C0FINANCE",
            "`europe/berlin` is not a time zone this bot knows (did you mean `Europe/Berlin`?)",
            "IANA time zone name",
        ),
        (
            "daily 09:00 Europe/Berlinn C0FINANCE",
            "`Europe/Berlinn` is not a time zone this bot knows (did you mean `Europe/Berlin`?)",
            "`America/New_York`",
        ),
        ("daily 09:00 CEST C0FINANCE", "`CEST` is not a time zone this bot knows", "`Europe/Berlin`"),
        (
            "daily 09:00 UTC #finance",
            "`#finance` reached the bot as plain text, without the channel's id",
            "a channel picked as you type `#`",
        ),
        ("daily 09:00 UTC finance", "`finance` is not a channel", "a channel id such as `C0123ABCD`"),
        ("weekly mnday 09:00 UTC C0FINANCE", "`mnday` is not a day of the week", "`mon` ... `sun`"),
        ("weekly 09:00 UTC C0FINANCE", "`09:00` is not a day of the week", "`mon` ... `sun`"),
        (
            "daily 09:00",
            "The time zone is missing",
            "`/telnyx digest daily HH:MM Zone/Name #channel`, where the time zone is",
        ),
        (
            "weekly",
            "The day of the week is missing",
            "`/telnyx digest weekly <day> HH:MM Zone/Name #channel`",
        ),
        (
            "daily 09:00 UTC C0FINANCE please",
            "`please` comes after the channel, and nothing should",
            "nothing more",
        ),
    ],
)
async def test_a_bad_subscription_says_what_was_wrong_what_is_accepted_and_an_example(
    bot, words, problem, accepted
):
    [reply] = await bot.command(f"digest {words}", user=ADMIN)
    answer = text_of([reply])
    assert problem in answer and accepted in answer, answer
    cadence = words.split()[0]
    example = (
        "/telnyx digest daily 09:00 Europe/Berlin #finance"
        if cadence == "daily"
        else "/telnyx digest weekly mon 09:00 Europe/Berlin #finance"
    )
    assert f"Example: `{example}`" in answer.replace("*Example:* ", "Example: ")
    assert reply.ephemeral_to == ADMIN
    assert await book_of(bot.svc).subscriptions() == []
    assert bot.slack.messages(FINANCE) == []  # nothing announced


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("", "`digest` needs what to do: now, daily, weekly, list or off"),
        ("monthly", "`digest monthly` is not a digest command"),
        ("now monthly", "`digest now monthly` is not a preview"),
        ("list all", "`digest list` takes nothing after it"),
        ("off", "`digest off` needs which digest"),
        ("off a b", "`digest off` takes one id or channel"),
        ("off #finance", "`#finance` reached the bot as plain text"),
        ("daily 09:00 UTC C0FINANCE at=9", "`at=` is not something `digest` takes"),
    ],
)
async def test_other_bad_digest_commands_are_explained(bot, words, problem):
    answer = text_of(await bot.command(f"digest {words}", user=ADMIN))
    assert problem in answer and "Example:" in answer, answer
    assert await book_of(bot.svc).subscriptions() == []


async def test_viewers_may_not_manage_digests(bot):
    for words in (f"daily 09:00 UTC {LINK}", "list", "off abc"):
        answer = text_of(await bot.command(f"digest {words}", user=VIEWER))
        assert "You may not" in answer and "digests" in answer, answer
    assert await book_of(bot.svc).subscriptions() == []
    assert bot.slack.messages(FINANCE) == []


async def test_a_channel_the_bot_cannot_post_in_is_refused_with_how_to_fix_it(tmp_path):
    async with running_bot(tmp_path) as bot:  # Slack refuses a call here on purpose
        bot.slack.add_channel("C0PRIVATE", name="private", is_member=False)
        answer = text_of(await bot.command("digest daily 09:00 UTC <#C0PRIVATE|private>", user=ADMIN))
        assert "The bot cannot post in <#C0PRIVATE> (Slack says `not_in_channel`)" in answer
        assert "so no digest was set up" in answer and "/invite @Telnyx" in answer
        assert await book_of(bot.svc).subscriptions() == []
        assert [c.error for c in bot.slack.calls if not c.ok] == ["not_in_channel"]


# --- digest now ----------------------------------------------------------------------------------------


async def test_digest_now_is_a_preview_only_the_viewer_sees(bot):
    await bot.command('topup 120 "for the digest"', user="U0REQUEST")  # one request waits for finance
    [preview] = await bot.command("digest now", user=VIEWER)
    assert preview.ephemeral_to == VIEWER and preview.channel == "C0GENERAL"
    shown = text_of([preview])
    assert "Daily Telnyx digest for Sat 28 Nov" in shown and "A preview only you can see" in shown
    assert "Spend, costs and webhooks: Fri 27 Nov (UTC calendar)" in shown
    assert "*Balance and runway*" in shown and "$384.60" in shown and "*$884.60*" in shown
    assert "Runway: reaches zero" in shown and "Pace from Telnyx's charges of the last 7 days" in shown
    assert "Fri 27 Nov: *$1.71* (no change), against $1.71 on Thu 26 Nov" in shown
    assert "1. `+12065550182` (local): *$0.10*, mostly E911 $0.05" in shown
    assert "showing 5 of 27 charged numbers" in shown
    assert "`hooks.example.com/telnyx/events`: 1 delivery, 0 failed (0.0%)" in shown
    assert "1 request waiting for approval, the oldest since" in shown
    assert "no payment with an unknown outcome" in shown
    assert "3 unpaid invoices, oldest first" in shown and "April 2026" in shown
    assert "Could not be read" not in shown
    # a week: the 7 days before today against the 7 before them, failures grouped per endpoint
    weekly = text_of(await bot.command("digest now weekly", user=VIEWER))
    assert "Weekly Telnyx digest for Sat 28 Nov" in weekly
    assert "Nov 21 – Nov 27, 2026: *$13.01* (:arrow_up: +197.0%), against $4.38 in Nov 14 – Nov 20" in weekly
    assert (
        ":red_circle: `failover.example.net/telnyx/events`: 5 deliveries, 3 failed (60.0%); worst cause: "
        "server error (5xx), 2 times\n:large_green_circle: `hooks.example.com/telnyx/events`: 10 deliveries"
    ) in weekly
    assert bot.slack.messages(FINANCE) == []  # nothing posted anywhere else


# --- the scheduler posts them --------------------------------------------------------------------------


async def test_a_daily_digest_is_posted_once_at_its_time_and_a_missed_one_late_once(bot):
    await subscribe(bot, f"daily 13:00 UTC {LINK}")
    start = bot.clock[0]  # Sat 28 Nov 12:00 UTC
    assert (await tick_at(bot, start + TICK)).digests == 0 and posted(bot) == []
    report = await tick_at(bot, datetime(2026, 11, 28, 13, 5, tzinfo=UTC))
    assert report.digests == 1
    [first] = posted(bot)
    assert first.text.startswith("Daily Telnyx digest for Sat 28 Nov:") and "posted late" not in first.text
    assert "Spend, costs and webhooks: Fri 27 Nov (UTC calendar)" in text_of([first])
    for later in (TICK, 2 * TICK):  # the next ticks of the same day post nothing
        assert (await tick_at(bot, datetime(2026, 11, 28, 13, 5, tzinfo=UTC) + later)).digests == 0
    assert len(posted(bot)) == 1

    # the bot was down from Saturday evening to Tuesday morning: Sunday's and Monday's were missed
    report = await tick_at(bot, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert report.digests == 1
    late = posted(bot)[-1]
    shown = text_of([late])
    assert "Daily Telnyx digest for Mon 30 Nov, posted late" in shown
    assert "it was due <!date^" in shown and "2026-11-30 13:00 UTC" in shown
    assert "Spend, costs and webhooks: Sun 29 Nov" in shown
    assert (await tick_at(bot, datetime(2026, 12, 1, 8, 10, tzinfo=UTC))).digests == 0
    assert len(posted(bot)) == 2  # Saturday's, then Monday's late: never Sunday's
    await tick_at(bot, datetime(2026, 12, 1, 13, 1, tzinfo=UTC))
    assert [m.text.split(":")[0] for m in posted(bot)] == [
        "Daily Telnyx digest for Sat 28 Nov",
        "Daily Telnyx digest for Mon 30 Nov, posted late",
        "Daily Telnyx digest for Tue 1 Dec",
    ]
    [sub] = await book_of(bot.svc).subscriptions()
    assert sub.last_period_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


async def test_a_weekly_digest_is_posted_on_its_day_in_its_time_zone(bot):
    await subscribe(bot, f"weekly mon 09:00 Europe/Berlin {LINK}")
    for day in (29, 30):  # Sunday, then Monday 07:55 UTC (08:55 in Berlin): not yet
        await tick_at(bot, datetime(2026, 11, day, 7, 55, tzinfo=UTC))
    assert posted(bot) == []
    await tick_at(bot, datetime(2026, 11, 30, 8, 5, tzinfo=UTC))  # Monday 09:05 in Berlin
    [weekly] = posted(bot)
    shown = text_of([weekly])
    assert "Weekly Telnyx digest for Mon 30 Nov" in shown and "posted late" not in shown
    assert "Nov 23 – Nov 29, 2026" in shown and "(Europe/Berlin calendar)" in shown


async def test_a_section_that_cannot_be_read_says_so_and_the_rest_is_posted(bot):
    await subscribe(bot, f"daily 13:00 UTC {LINK}")
    bot.sandbox.set_fault("/v2/charges_breakdown", Fault(status=500, times=10))
    await tick_at(bot, datetime(2026, 11, 28, 13, 5, tzinfo=UTC))
    [digest] = posted(bot)
    shown = text_of([digest])
    assert "*Top cost drivers*\n:warning: Could not be read this time: Telnyx is unavailable" in shown
    assert shown.count("Could not be read") == 1
    for rest in ("*$884.60*", "Fri 27 Nov: *$1.71*", "*Webhook health*", "3 unpaid invoices"):
        assert rest in shown
    assert bot.sandbox.request_count("/v2/charges_breakdown", "GET") >= 1


async def test_a_slack_failure_is_retried_with_the_same_digest(bot):
    await subscribe(bot, f"daily 13:00 UTC {LINK}")
    bot.slack.fail_next("chat.postMessage", error="internal_error", status=500)
    report = await tick_at(bot, datetime(2026, 11, 28, 13, 5, tzinfo=UTC))
    assert report.digests == 1
    bot.sandbox.state.balance += 1000  # the retry posts what was read at 13:05, not what Telnyx says now
    async with asyncio.timeout(10):
        while not posted(bot):  # noqa: ASYNC110 - the outbox retries after its backoff; polled with a deadline
            await asyncio.sleep(0.05)
    [digest] = posted(bot)
    assert "*$884.60*" in text_of([digest])
    failed = [c for c in bot.slack.calls if not c.ok]
    assert [(c.method, c.error, c.injected) for c in failed] == [("chat.postMessage", "internal_error", True)]


async def test_a_digest_removed_before_its_post_is_not_posted(bot):
    digest = await subscribe(bot, f"daily 13:00 UTC {LINK}")
    bot.slack.fail_next("chat.postMessage", error="internal_error", status=500)
    await tick_at(bot, datetime(2026, 11, 28, 13, 5, tzinfo=UTC))
    await bot.command(f"digest off {digest}", user=ADMIN)
    async with asyncio.timeout(10):
        while (await bot.svc.outbox.backlog())[0]:  # noqa: ASYNC110 - polled with a deadline
            await asyncio.sleep(0.05)
    assert posted(bot) == []
