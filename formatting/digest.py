"""`/telnyx digest`: the digest message, its subscriptions (added, listed, removed) and the words for
each refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypeVar

from babel.dates import format_date
from slack_sdk.models.blocks import Block, DividerBlock

from bot.digests import Cadence, Digest, Part, Problem, Reason, Schedule, Section, Subscription
from bot.digests.content import Account, Drivers, Invoices, Spend, Unread, Waiting, Webhooks
from bot.errors import error_from_data
from bot.runway import Basis
from formatting import telnyx_errors
from formatting.diagnosis import cause_label
from formatting.layout import context, fallback, fields_section, header, pack_lines, section
from formatting.money import money
from formatting.text import (
    date_label,
    escape,
    escape_truncated,
    inline_code,
    period_label,
    plural,
    showing,
    slack_date,
)

T = TypeVar("T")
NOT_READ = Unread()  # a digest always says why; this is never shown
MAX_ENDPOINTS = 10
MAX_INVOICES = 5
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TITLES = {
    Section.ACCOUNT: "Balance and runway",
    Section.SPEND: "Spend",
    Section.DRIVERS: "Top cost drivers",
    Section.WEBHOOKS: "Webhook health",
    Section.APPROVALS: "Top-ups waiting for finance",
    Section.INVOICES: "Unpaid invoices",
}

# --- the command's usage and refusals ----------------------------------------------------------------

USAGE = (
    "`/telnyx digest daily HH:MM Zone/Name #channel`, `/telnyx digest weekly <day> HH:MM Zone/Name "
    "#channel`, `/telnyx digest list`, `/telnyx digest off <id or #channel>` (admins), "
    "`/telnyx digest now [daily|weekly]` (a preview only you see)"
)
EXAMPLES = {
    Cadence.DAILY: "/telnyx digest daily 09:00 Europe/Berlin #finance",
    Cadence.WEEKLY: "/telnyx digest weekly mon 09:00 Europe/Berlin #finance",
}
EXAMPLE_NOW = "/telnyx digest now"
EXAMPLE_OFF = "/telnyx digest off #finance"
ACCEPTED = {
    Part.WEEKDAY: "a day of the week: `mon` ... `sun`, or in full (`monday`)",
    Part.TIME: "a time on the 24-hour clock as HH:MM, from `00:00` to `23:59`",
    Part.ZONE: "an IANA time zone name, spelled as in the tz database: `Europe/Berlin`, `America/New_York`, "
    "`UTC`",
    Part.CHANNEL: "a channel picked as you type `#` (Slack turns it into a link), or a channel id such as "
    "`C0123ABCD` (in the channel's details)",
}
PART_NAMES = {
    Part.WEEKDAY: "the day of the week",
    Part.TIME: "the time",
    Part.ZONE: "the time zone",
    Part.CHANNEL: "the channel",
}


def problem_words(problem: Problem) -> tuple[str, str, str]:
    """(what was wrong, what is accepted, an example) for a refused subscription."""
    shown = f"`{problem.shown}`"
    example = EXAMPLES[problem.cadence]
    accepted = ACCEPTED[problem.part]
    match problem.reason:
        case Reason.MISSING:
            text = f"{PART_NAMES[problem.part].capitalize()} is missing"
            accepted = (
                f"`/telnyx digest {problem.cadence.value} {_form(problem.cadence)}`, where "
                f"{PART_NAMES[problem.part]} is {ACCEPTED[problem.part]}"
            )
        case Reason.EXTRA:
            text = f"{shown} comes after the channel, and nothing should"
            accepted = f"`/telnyx digest {problem.cadence.value} {_form(problem.cadence)}`, nothing more"
        case Reason.BAD_TIME:
            text = f"{shown} is not a time of day"
        case Reason.BAD_ZONE:
            text = f"{shown} is not a time zone this bot knows"
            if problem.suggestion:
                text += f" (did you mean `{problem.suggestion}`?)"
        case Reason.NO_ZONES:
            text = (
                "This bot's system has no time-zone database, so no zone can be read. An admin can install "
                "the `tzdata` Python package next to the bot"
            )
        case Reason.BAD_WEEKDAY:
            text = f"{shown} is not a day of the week"
        case Reason.CHANNEL_NAME:
            text = (
                f"{shown} reached the bot as plain text, without the channel's id (a name cannot be looked "
                "up)"
            )
        case Reason.BAD_CHANNEL:
            text = f"{shown} is not a channel"
    return text, accepted, example


def _form(cadence: Cadence) -> str:
    return ("<day> " if cadence is Cadence.WEEKLY else "") + "HH:MM Zone/Name #channel"


def schedule_label(schedule: Schedule) -> str:
    """ "daily at 09:00 (Europe/Berlin)", "weekly on Monday at 09:00 (Europe/Berlin)"."""
    at = schedule.at.strftime("%H:%M")
    if schedule.cadence is Cadence.WEEKLY and schedule.weekday is not None:
        return f"weekly on {WEEKDAY_NAMES[schedule.weekday]} at {at} ({schedule.zone})"
    return f"daily at {at} ({schedule.zone})"


def subscribed_text(sub: Subscription) -> str:
    return fallback(f"Digest {sub.id} added: {schedule_label(sub.schedule)} in <#{sub.channel}>.")


def subscribed_blocks(sub: Subscription, first: datetime) -> list[Block]:
    """The admin's confirmation: what, where, when the first one comes."""
    return [
        section(
            f":white_check_mark: Digest `{sub.id}` added: {escape(schedule_label(sub.schedule))} in "
            f"<#{sub.channel}>. The first one is due {slack_date(first)}."
        ),
        context(
            "Posted at the first scheduler tick after its time. `/telnyx digest now` previews it; "
            f"`/telnyx digest off {sub.id}` stops it."
        ),
    ]


def announce_text(schedule: Schedule, by: str) -> str:
    """The note in the channel when an admin points a digest at it."""
    return (
        f":newspaper: <@{by}> set up a Telnyx digest here, {schedule_label(schedule)}: balance and runway, "
        "spend, top costs, webhook health, top-ups waiting and unpaid invoices."
    )


def cannot_post_text(channel: str, error: str) -> str:
    return fallback(f"The bot cannot post in <#{channel}> (Slack says {error}): nothing was set up.")


def cannot_post_blocks(channel: str, error: str) -> list[Block]:
    """Why the digest was refused, and how to fix it."""
    return [
        section(
            f":warning: The bot cannot post in <#{channel}> (Slack says `{escape(error)}`), so no digest was "
            "set up. Invite the app to the channel (`/invite @Telnyx` in it), or pick a channel it is in, "
            "then run the command again."
        )
    ]


def duplicate_text(sub: Subscription) -> str:
    return (
        f"That digest already exists: `{sub.id}`, {schedule_label(sub.schedule)} in <#{sub.channel}>. "
        "Nothing was added."
    )


def too_many_text(limit: int) -> str:
    return f"There are already {limit} digests, the most one list can show. Remove one first (`/telnyx digest list`)."


def subscriptions_text(subs: Sequence[tuple[Subscription, datetime]]) -> str:
    return fallback(f"Telnyx digests: {len(subs)}.") if subs else "No Telnyx digests are set up."


def subscriptions_blocks(subs: Sequence[tuple[Subscription, datetime]]) -> list[Block]:
    """Every digest (with when it is next due): its id, schedule, channel, who set it up, the last one
    posted."""
    blocks: list[Block] = [header("Telnyx digests")]
    if not subs:
        blocks.append(section(f"No digests are set up. Add one: {inline_code(EXAMPLES[Cadence.DAILY])}"))
        return blocks
    lines = []
    for sub, next_due in subs:
        last = slack_date(sub.last_posted_at) if sub.last_posted_at else "none yet"
        lines.append(
            f"• `{sub.id}` {escape(schedule_label(sub.schedule))} in <#{sub.channel}>, set up by "
            f"<@{sub.created_by}>. Last posted: {last}; next due {slack_date(next_due)}"
        )
    packed, shown = pack_lines(lines, max_blocks=40)
    blocks.extend(packed)
    blocks.append(
        context(
            showing(shown, len(subs), "digest"),
            f"`/telnyx digest off <id or #channel>` removes one; {inline_code(EXAMPLES[Cadence.WEEKLY])} adds one.",
        )
    )
    return blocks


def removed_text(removed: Sequence[Subscription]) -> str:
    parts = [f"`{s.id}` ({schedule_label(s.schedule)} in <#{s.channel}>)" for s in removed]
    return f"Removed {plural(len(removed), 'digest')}: " + "; ".join(parts) + "."


def nothing_to_remove_text(target: str, channel: bool) -> str:
    where = f"in <#{target}>" if channel else f"with the id `{escape_truncated(target, 40)}`"
    return f"There is no digest {where}; nothing was removed. `/telnyx digest list` shows every digest."


# --- the digest itself ---------------------------------------------------------------------------------


def day_label(day: date) -> str:
    """ "Mon 30 Nov"."""
    return format_date(day, format="EEE d MMM", locale="en_US")


def title(digest: Digest) -> str:
    kind = "Daily" if digest.cadence is Cadence.DAILY else "Weekly"
    return f"{kind} Telnyx digest for {day_label(digest.day)}" + (", posted late" if digest.late else "")


def _covered(digest: Digest) -> tuple[str, str]:
    """(the period, the one before) in words."""
    if digest.cadence is Cadence.DAILY:
        return day_label(digest.start), day_label(digest.previous_start)
    return period_label(digest.start, digest.end), period_label(digest.previous_start, digest.start)


def digest_text(digest: Digest) -> str:
    """Plain fallback: the title, available credit and spend (what a notification shows)."""
    parts = [title(digest)]
    if digest.account is not None:
        parts.append(f"available credit {money(digest.account.available_credit, digest.account.currency)}")
    if digest.spend is not None:
        parts.append(f"spend {money(digest.spend.current, digest.spend.currency)}{_change(digest.spend)}")
    return fallback(escape(": ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if parts[1:] else "") + "."))


def digest_blocks(digest: Digest, *, preview: bool = False) -> list[Block]:
    """The digest: each section, or why it could not be read (at most 12 blocks)."""
    current, _before = _covered(digest)
    notes = [
        f"Spend, costs and webhooks: {escape(current)} ({escape(digest.zone)} calendar). Balances and "
        f"approvals as of {slack_date(digest.made_at)}."
    ]
    if digest.late:
        notes.insert(
            0,
            f":hourglass: Posted late: it was due {slack_date(digest.due)}, when the bot was not running "
            "(only the latest missed digest is posted).",
        )
    if preview:
        notes.insert(0, ":eyes: A preview only you can see.")
    blocks: list[Block] = [header(title(digest)), context(*notes)]
    blocks.extend(_account_blocks(digest))
    blocks.append(DividerBlock())
    blocks.append(_section(digest, Section.SPEND, digest.spend, _spend_text))
    blocks.append(_section(digest, Section.DRIVERS, digest.drivers, _drivers_text))
    blocks.append(_section(digest, Section.WEBHOOKS, digest.webhooks, _webhooks_text))
    blocks.append(DividerBlock())
    blocks.append(_section(digest, Section.APPROVALS, digest.waiting, _waiting_text))
    blocks.append(_section(digest, Section.INVOICES, digest.invoices, _invoices_text))
    blocks.append(
        context("`/telnyx digest now` shows this any time, only to you; `/telnyx runway` has the forecast.")
    )
    return blocks


def _unread_words(unread: Unread) -> tuple[str, str]:
    """What went wrong and what to do: from the data, or the words an older bot queued."""
    if unread.error is not None:
        err = error_from_data(unread.error)
        return telnyx_errors.message(err), telnyx_errors.hint(err)
    if unread.database:
        return "The bot's database could not be read.", "An admin can check the bot's logs."
    return unread.message or "It was not read.", unread.hint


def _unread_text(name: Section, unread: Unread) -> str:
    said, what_to_do = _unread_words(unread)
    return (
        f"*{TITLES[name]}*\n:warning: Could not be read this time: {escape_truncated(said, 400)} "
        f"{escape_truncated(what_to_do, 300)}"
    )


def _section(digest: Digest, name: Section, data: T | None, words: Callable[[Digest, T], str]) -> Block:
    """The section's words, or why its data could not be read."""
    if data is None:
        return section(_unread_text(name, digest.unread.get(name) or NOT_READ))
    return section(f"*{TITLES[name]}*\n{words(digest, data)}")


def _account_blocks(digest: Digest) -> list[Block]:
    account = digest.account
    if account is None:
        return [section(_unread_text(Section.ACCOUNT, digest.unread.get(Section.ACCOUNT) or NOT_READ))]
    return [
        fields_section(_account_fields(account), text=f"*{TITLES[Section.ACCOUNT]}*"),
        context(_basis(account)),
    ]


def _when(days: object, on: date | None) -> str:
    if days is None:
        return "not at this pace (nothing is being spent)"
    if on is None:
        return "more than 10 years away"
    return f"in {days} days, {date_label(on)}"


def _account_fields(account: Account) -> list[tuple[str, str]]:
    cur = account.currency
    return [
        ("Balance", money(account.balance, cur)),
        ("Available credit", f"*{money(account.available_credit, cur)}*"),
        ("Runway: reaches zero", _when(account.days_to_zero, account.zero_on)),
        ("Average daily spend", money(account.per_day, cur)),
    ]


def _basis(account: Account) -> str:
    basis = Basis(account.basis)
    below = (
        f"falls below {money(account.threshold, account.currency)} in {account.days_to_threshold} days"
        if account.days_to_threshold is not None
        else f"does not fall below {money(account.threshold, account.currency)} at this pace"
    )
    if basis is Basis.HISTORY:
        return f"Available credit {below}. Pace from the bot's own balance history."
    if basis is Basis.CHARGES:
        return f"Available credit {below}. Pace from Telnyx's charges of the last 7 days."
    return "No pace yet: no balance history and no charges to go on."


def _change(spend: Spend) -> str:
    change = spend.change_percent
    if change is None:
        return " (nothing the period before)" if spend.current else ""
    if change == 0:
        return " (no change)"
    arrow = ":arrow_up:" if change > 0 else ":arrow_down:"
    return f" ({arrow} {'+' if change > 0 else ''}{change}%)"


def _spend_text(digest: Digest, spend: Spend) -> str:
    current, before = _covered(digest)
    cur = spend.currency
    return (
        f"{escape(current)}: *{money(spend.current, cur)}*{_change(spend)}, against "
        f"{money(spend.previous, cur)} {'on' if digest.cadence is Cadence.DAILY else 'in'} {escape(before)}."
    )


def _drivers_text(digest: Digest, drivers: Drivers) -> str:
    if not drivers.top:
        return "No number was charged in the period."
    cur = drivers.currency
    lines = []
    for rank, driver in enumerate(drivers.top, start=1):
        kind = (
            f" ({escape_truncated(driver.charge_type, 40, single_line=True)})" if driver.charge_type else ""
        )
        line = f"{rank}. {inline_code(driver.number, 40)}{kind}: *{money(driver.total, cur)}*"
        if driver.service and driver.service_cost is not None:
            line += f", mostly {escape_truncated(driver.service, 80, single_line=True)} {money(driver.service_cost, cur)}"
        lines.append(line)
    lines.append(
        f"_{showing(len(drivers.top), drivers.numbers, 'charged number')}, {money(drivers.total, cur)} in all; "
        "`/telnyx charges breakdown` lists every one._"
    )
    return "\n".join(lines)


def _webhooks_text(digest: Digest, webhooks: Webhooks) -> str:
    if not webhooks.endpoints:
        return "No webhook deliveries in the period."
    lines = []
    for endpoint in webhooks.endpoints[:MAX_ENDPOINTS]:
        line = (
            f"• {inline_code(endpoint.endpoint, 120)}: {plural(endpoint.deliveries, 'delivery', 'deliveries')}, "
            f"{endpoint.failed:,} failed ({endpoint.rate}%)"
        )
        if endpoint.cause is not None:
            line += f"; worst cause: {escape(cause_label(endpoint.cause))}, {plural(endpoint.cause_count, 'time')}"
        lines.append((":red_circle: " if endpoint.failed else ":large_green_circle: ") + line[2:])
    more = len(webhooks.endpoints) - MAX_ENDPOINTS
    if more > 0:
        lines.append(f"_and {plural(more, 'more endpoint')}; `/telnyx webhooks failed` lists the failures._")
    if webhooks.total > webhooks.read:
        lines.append(f"_Counted over the latest {webhooks.read:,} of {webhooks.total:,} deliveries._")
    return "\n".join(lines)


def _waiting_text(digest: Digest, waiting: Waiting) -> str:
    pending = (
        f"{plural(waiting.pending, 'request')} waiting for approval"
        + (f", the oldest since {slack_date(waiting.oldest_pending)}" if waiting.oldest_pending else "")
        if waiting.pending
        else "No request waiting for approval"
    )
    unknown = (
        f"{plural(waiting.unknown, 'payment')} with an unknown outcome to check in the Telnyx portal"
        + (f", the oldest since {slack_date(waiting.oldest_unknown)}" if waiting.oldest_unknown else "")
        if waiting.unknown
        else "no payment with an unknown outcome"
    )
    return f"{pending}; {unknown}."


def _invoices_text(digest: Digest, invoices: Invoices) -> str:
    if not invoices.unpaid:
        return "Every invoice is paid."
    lines = [
        f"• {escape(period_label(i.period_start, i.period_end, end_exclusive=False))}: "
        f"{inline_code(i.invoice_id, 60)}, period ended {(digest.day - i.period_end).days:,} days ago"
        for i in invoices.unpaid[:MAX_INVOICES]
    ]
    head = f"{plural(len(invoices.unpaid), 'unpaid invoice')}, oldest first:"
    more = len(invoices.unpaid) - MAX_INVOICES
    tail = [f"_and {more:,} more; `/telnyx invoices` lists them._"] if more > 0 else []
    return "\n".join([head, *lines, *tail])
