"""The Home tab: what one person may act on, in at most 100 blocks, saying how fresh it is.

Every list is cut to a few entries with an "and N more: ..." line, so a Home never passes Slack's 100
blocks whatever the account holds (tests fill every list to check). The buttons are the very ones of the
messages (the alert's Acknowledge/Snooze, the card's Approve/Deny and Paid/Not charged, the rule list's
Edit), so a click on Home runs the same listener, access check and compare-and-set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ConfirmObject, DividerBlock, PlainTextObject
from slack_sdk.models.views import View

from bot import ids
from bot.access import Permission
from bot.alerts.rules import Rule
from bot.approvals import TopupRequest
from bot.digests.book import Subscription
from bot.home import Account, HomeContent, Listed, NoRole
from formatting import telnyx_errors
from formatting.access import whoami_blocks
from formatting.alerts import KIND_LABELS, alert_actions, alert_summary, threshold_label
from formatting.balance import is_low
from formatting.digest import schedule_label
from formatting.layout import actions, button, context, fields_section, header, pack_lines, section
from formatting.money import money
from formatting.runway import basis_text, runway_line
from formatting.share import sandbox_context
from formatting.text import escape, escape_truncated, freshness_line, slack_date
from formatting.topup import decision_buttons, resolve_buttons, state_line

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab (slack_sdk does not check it)
# How many entries each list shows; with their titles and "more" lines the fullest Home stays under 100.
SHOW_ALERTS = 8  # 2 blocks each
SHOW_REQUESTS = 10  # lines of one section
SHOW_PENDING = 8  # 2 blocks each
SHOW_UNKNOWN = 5  # 2 blocks each
SHOW_RULES = 12  # 1 block each
SHOW_DIGESTS = 6  # 1 block each
AS_OF_FORMAT = "{date_short_pretty} {time_secs}"
NO_ROLE = (
    "The bot's access policy gives you no role, so there is nothing here for you yet. An admin can make "
    "you a viewer (to see the account), a requester (to ask for top-ups) or finance (to approve them). "
    "Below is what the policy says about you now; `/telnyx whoami` shows the same."
)


def home_view(content: HomeContent | NoRole, *, approvals_channel: str | None = None) -> View:
    """The Home tab view for `views.publish`."""
    blocks = (
        no_role_blocks(content) if isinstance(content, NoRole) else home_blocks(content, approvals_channel)
    )
    if len(blocks) > MAX_HOME_BLOCKS:
        raise ValueError(f"a Home tab holds at most {MAX_HOME_BLOCKS} blocks, this one has {len(blocks)}")
    return View(type="home", blocks=blocks)


def _as_of(content: HomeContent | NoRole) -> str:
    return f"As of {slack_date(content.as_of, AS_OF_FORMAT)}"


def no_role_blocks(content: NoRole) -> list[Block]:
    """A short explanation and the person's whoami, nothing else."""
    return [
        header("Telnyx"),
        section(NO_ROLE),
        *whoami_blocks(content.user, content.roles, content.decisions, configured=content.configured),
        context(_as_of(content) + "."),
    ]


def home_blocks(content: HomeContent, approvals_channel: str | None) -> list[Block]:
    """Balance and runway, firing alerts, your requests, finance's decisions, the admins' rules: what the
    person's permissions let them act on."""
    refresh = button("Refresh", ids.ACTION_HOME_REFRESH, value="home")
    blocks: list[Block] = [
        header("Telnyx"),
        section(f"{_as_of(content)}; it updates by itself when something here changes.", accessory=refresh),
    ]
    may_request = Permission.REQUEST_TOPUP in content.may
    parts: list[list[Block]] = []
    if content.account is not None:
        parts.append(account_blocks(content.account, content, may_request=may_request))
        parts.append(alerts_blocks(content.alerts, content, may_request=may_request))
    if content.requests is not None:
        parts.append(requests_blocks(content.requests))
    if content.unknown is not None:
        parts.append(unknown_blocks(content.unknown, content.user, approvals_channel))
    if content.pending is not None:
        parts.append(pending_blocks(content.pending, content.user, approvals_channel))
    if content.rules is not None:
        parts.append(rule_list_blocks(content.rules, content.firing))
    if content.digests is not None:
        parts.append(digest_blocks(content.digests))
    for part in parts:
        if part:
            blocks.append(DividerBlock())
            blocks.extend(part)
    if content.sandbox:
        blocks.append(sandbox_context())
    return blocks


def account_blocks(account: Account, content: HomeContent, *, may_request: bool) -> list[Block]:
    """Balance and available credit, the runway with its sparkline, a low-credit warning, Request top-up."""
    if account.balance is None:
        problem = telnyx_errors.message(account.error) if account.error is not None else "no answer"
        return [section(f":warning: *The balance could not be read just now:* {escape(problem)}")]
    balance, cur = account.balance, account.balance.currency
    blocks: list[Block] = [
        fields_section(
            [
                ("Balance", money(balance.balance, cur)),
                ("Available credit", money(balance.available_credit, cur)),
            ]
        )
    ]
    notes = []
    if account.runway is not None:
        blocks.append(section(runway_line(balance, account.runway, account.spark)))
        notes.append(f"Runway forecast {basis_text(account.runway)}.")
    if account.fetched_at is not None:
        notes.append(freshness_line(account.fetched_at, from_cache=account.from_cache, now=content.as_of))
    if notes:
        blocks.append(context(*notes))
    if is_low(balance, account.low_threshold):
        blocks.append(
            section(
                f":warning: *Available credit is low:* {money(balance.available_credit, cur)} is below the "
                f"{money(account.low_threshold, cur)} threshold."
            )
        )
    if may_request:
        blocks.append(
            actions(button("Request top-up", ids.ACTION_REQUEST_TOPUP, value="topup", style="primary"))
        )
    return blocks


def alerts_blocks(alerts: Listed[Any], content: HomeContent, *, may_request: bool) -> list[Block]:
    """The alerts firing now, each with Acknowledge and Snooze (and Request top-up where it helps)."""
    if not alerts.items:
        return [section("*Alerts:* none firing. `/telnyx alerts` lists the rules.")]
    blocks: list[Block] = [section(f"*Alerts firing:* {alerts.total}")]
    for alert in alerts.items[:SHOW_ALERTS]:
        blocks.append(section(alert_summary(alert, content.as_of)))
        blocks.append(alert_actions(alert, can_request=may_request))
    hidden = alerts.total - min(len(alerts.items), SHOW_ALERTS)
    if hidden > 0:
        blocks.append(
            context(
                f"and {hidden} more: `/telnyx alerts` lists the rules; each alert is in its rule's channel."
            )
        )
    return blocks


def _request_line(r: TopupRequest) -> str:
    reason = f" · {escape_truncated(r.reason, 80, single_line=True)}" if r.reason else ""
    return f"{state_line(r)} · *{money(r.amount, r.currency)}*{reason} · asked {slack_date(r.created_at)}"


def requests_blocks(requests: Listed[TopupRequest]) -> list[Block]:
    """The person's own top-up requests, newest first, with their states."""
    if not requests.items:
        return [
            section('*Your top-up requests:* none yet. Use Request top-up, or `/telnyx topup 150 "why"`.')
        ]
    lines = [_request_line(r) for r in requests.items[:SHOW_REQUESTS]]
    blocks, shown = pack_lines(lines, title="*Your top-up requests*", max_blocks=1)
    hidden = requests.total - shown
    if hidden > 0:
        blocks.append(
            context(f"and {hidden} older: each decision reached you in a direct message from the bot.")
        )
    return blocks


def _cards(channel: str | None) -> str:
    return f"their cards are in <#{channel}>" if channel else "their cards are in the approvals channel"


def pending_blocks(pending: Listed[TopupRequest], viewer: str, channel: str | None) -> list[Block]:
    """Requests waiting for finance, oldest first (they expire first), with Approve and Deny."""
    if not pending.items:
        return [section("*Top-ups waiting for approval:* none.")]
    blocks: list[Block] = [section(f"*Top-ups waiting for approval:* {pending.total}")]
    for r in pending.items[:SHOW_PENDING]:
        own = r.requester == viewer
        reason = escape_truncated(r.reason, 200) if r.reason else "_no reason given_"
        text = (
            f"*{money(r.amount, r.currency)}* for <@{r.requester}>: {reason}\n"
            f"Asked {slack_date(r.created_at)}, expires {slack_date(r.expires_at)} · request `{r.id}`"
        )
        if own:
            text += "\n_Your own request: another approver decides (you may deny it to withdraw it)._"
        blocks.append(section(text))
        blocks.append(decision_buttons(r, can_approve=not own))
    hidden = pending.total - min(len(pending.items), SHOW_PENDING)
    if hidden > 0:
        blocks.append(context(f"and {hidden} more: {_cards(channel)}."))
    return blocks


def unknown_blocks(unknown: Listed[TopupRequest], viewer: str, channel: str | None) -> list[Block]:
    """Payments whose outcome is unknown, for finance to close with Paid or Not charged."""
    if not unknown.items:
        return []
    blocks: list[Block] = [
        section(
            f"*:warning: Payment outcome unknown:* {unknown.total}. Check the payment history in the Telnyx "
            "portal, then close each with *Paid* or *Not charged*. Never pay again before checking."
        )
    ]
    for r in unknown.items[:SHOW_UNKNOWN]:
        by = f"<@{r.decided_by}>" if r.decided_by else "someone"
        when = f" {slack_date(r.decided_at)}" if r.decided_at else ""
        text = (
            f"*{money(r.amount, r.currency)}* for <@{r.requester}>, approved by {by}{when}: "
            f"{escape_truncated(telnyx_errors.topup_failure(r) or 'no answer was stored', 300)} · request `{r.id}`"
        )
        if r.requester == viewer:
            blocks.append(section(text + "\n_Your own request: another approver closes it._"))
            continue
        blocks.append(section(text))
        blocks.append(resolve_buttons(r))
    hidden = unknown.total - min(len(unknown.items), SHOW_UNKNOWN)
    if hidden > 0:
        blocks.append(context(f"and {hidden} more: {_cards(channel)}."))
    return blocks


def rule_list_blocks(rules: Listed[Rule], firing: dict[str, int]) -> list[Block]:
    """The alert rules, each with Edit (admins)."""
    if not rules.items:
        return [section("*Alert rules:* none yet. Add one with `/telnyx alerts add`.")]
    blocks: list[Block] = [section(f"*Alert rules:* {rules.total}")]
    for rule in rules.items[:SHOW_RULES]:
        now_firing = firing.get(rule.id, 0)
        state = f" · :rotating_light: {now_firing} firing" if now_firing else ""
        text = f"*{KIND_LABELS[rule.kind]}*: {threshold_label(rule)}\nPosts in <#{rule.channel}>{state}"
        blocks.append(section(text, accessory=button("Edit", ids.ACTION_ALERT_RULE_EDIT, value=rule.id)))
    hidden = rules.total - min(len(rules.items), SHOW_RULES)
    if hidden > 0:
        blocks.append(context(f"and {hidden} more: `/telnyx alerts` lists them all, with Delete."))
    return blocks


def digest_blocks(subscriptions: Sequence[Subscription]) -> list[Block]:
    """The digest subscriptions (admins), each with Turn off (a confirm dialog, then the same removal as
    `/telnyx digest off`)."""
    if not subscriptions:
        return [section("*Digests:* none. Add one with `/telnyx digest daily 09:00 Europe/Berlin #channel`.")]
    blocks: list[Block] = [section(f"*Digests:* {len(subscriptions)}")]
    for sub in subscriptions[:SHOW_DIGESTS]:
        posted = f"last posted {slack_date(sub.last_posted_at)}" if sub.last_posted_at else "not posted yet"
        off = button("Turn off", ids.ACTION_DIGEST_OFF, value=sub.id, style="danger")
        off.confirm = ConfirmObject(
            title="Turn this digest off?",
            text=PlainTextObject(text=f"The {schedule_label(sub.schedule)} digest stops."),
            confirm="Turn off",
            deny="Keep it",
            style="danger",
        )
        label = schedule_label(sub.schedule)
        text = f"*{escape(label[:1].upper() + label[1:])}* in <#{sub.channel}> · {posted}"
        blocks.append(section(text, accessory=off))
    hidden = len(subscriptions) - SHOW_DIGESTS
    if hidden > 0:
        blocks.append(context(f"and {hidden} more: `/telnyx digest list` lists them all."))
    return blocks
