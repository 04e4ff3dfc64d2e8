"""Alerts in words: the rule list and form, an alert's message and thread replies, `alerts check`.

The core (bot/alerts) hands over data: kinds, thresholds, findings' facts, states, refusal reasons. Every
sentence a person reads about alerts is here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ChannelSelectElement,
    ConfirmObject,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.alerts.book import Acted, Alert, Note, State
from bot.alerts.evaluate import Severity, Suggestion
from bot.alerts.rules import RENOTIFY_CHOICES, TOPUP_KINDS, Kind, Problem, Reason, Rule
from bot.money import AmountProblem
from bot.scheduler import TickReport
from formatting import telnyx_errors
from formatting.amounts import refused_amount_text
from formatting.diagnosis import cause_label
from formatting.layout import BLOCK_BUDGET, button, context, fallback, header, section
from formatting.money import money
from formatting.text import date_label, duration, escape, escape_truncated, slack_date

KIND_LABELS = {
    Kind.LOW_CREDIT: "Low available credit",
    Kind.RUNWAY: "Short runway",
    Kind.SPEND_SPIKE: "Spend spike",
    Kind.WEBHOOK_FAILURES: "Webhook failures",
    Kind.AUTORECHARGE: "Auto-recharge turned off or changed",
    Kind.INVOICE_UNPAID: "Unpaid invoice",
}
THRESHOLD_HINTS = {
    Kind.LOW_CREDIT: ("an amount in USD", "100.00"),
    Kind.RUNWAY: ("a number of days", "7"),
    Kind.SPEND_SPIKE: ("a factor above 1", "2.5"),
    Kind.WEBHOOK_FAILURES: ("failures in an hour, or a failure rate", "20 or 10%"),
    Kind.AUTORECHARGE: ("nothing: leave it empty", ""),
    Kind.INVOICE_UNPAID: ("days after the invoice's period ended", "15"),
}
SNOOZES = {"3600": "1 hour", "86400": "1 day", "604800": "1 week"}
MARGIN_NOTE = "the rule's days plus a 20% margin at the current pace"
INLINE = 150  # Slack shows at most this much under an input


def renotify_label(every: timedelta) -> str:
    """ "every 4 hours", "every 3 days", "never"."""
    if every <= timedelta(0):
        return "never"
    hours = int(every.total_seconds() // 3600)
    if hours == 1:
        return "every hour"
    if hours == 24:
        return "every day"
    if hours == 168:
        return "every week"
    if hours % 24 == 0:
        return f"every {hours // 24} days"
    return f"every {hours} hours" if hours else f"every {duration(every.total_seconds())}"


def threshold_label(rule: Rule) -> str:
    """The rule in a few words: "available credit below $100.00"."""
    value = rule.threshold.value
    match rule.kind:
        case Kind.LOW_CREDIT:
            return f"available credit below {money(value or Decimal(0))}"
        case Kind.RUNWAY:
            return f"runway shorter than {value} days"
        case Kind.SPEND_SPIKE:
            return f"the last 24 h cost more than {value}x the 7-day daily average"
        case Kind.WEBHOOK_FAILURES:
            where = escape_truncated(rule.endpoint, 80) if rule.endpoint else "any endpoint"
            if rule.threshold.percent:
                return f"{where}: more than {value}% of deliveries failed in the last hour"
            return f"{where}: more than {value} failed deliveries in the last hour"
        case Kind.AUTORECHARGE:
            return "auto-recharge turned off, or its settings changed"
        case Kind.INVOICE_UNPAID:
            return f"an invoice unpaid {value} days after its period ended"


# --- refusals under the form's inputs ---------------------------------------------------------------


def problem_text(problem: Problem) -> str:
    """The sentence under the input: what was wrong, what is accepted, an example."""
    shown = f'"{problem.shown}"'
    kind = problem.kind
    hint, example = THRESHOLD_HINTS[kind] if kind is not None else ("", "")
    match problem.reason:
        case Reason.NO_KIND:
            text = "Choose what the alert watches."
        case Reason.NO_THRESHOLD:
            text = f"{KIND_LABELS[kind] if kind else 'This kind'} needs {hint}, e.g. {example}."
        case Reason.TAKES_NO_THRESHOLD:
            text = "This kind takes no threshold: leave it empty."
        case Reason.BAD_AMOUNT:
            why = problem.amount_problem or AmountProblem.NOT_DIGITS
            text = refused_amount_text(why, problem.shown, problem.maximum)
        case Reason.BAD_RATE:
            text = f"{shown} is not a failure rate: a percentage above 0 and at most 100, e.g. 10%."
        case Reason.BAD_COUNT:
            text = f"{shown} is not a number of failures: a whole number from 1 (or a rate), e.g. 20 or 10%."
        case Reason.BAD_FACTOR:
            text = f"{shown} is not a factor: a number above 1 and at most 100, e.g. 2.5."
        case Reason.BAD_DAYS:
            lowest = 1 if kind is Kind.RUNWAY else 0
            text = f"{shown} is not a number of days: a whole number from {lowest} to 365, e.g. {example}."
        case Reason.ENDPOINT_NOT_WEBHOOKS:
            text = "Only webhook-failure alerts watch one endpoint: leave it empty."
        case Reason.BAD_ENDPOINT:
            text = f"{shown} is not an endpoint URL: write it as Telnyx calls it, e.g. https://example.com/hooks."
        case Reason.NO_CHANNEL:
            text = "Choose the channel the alert is posted in."
        case Reason.BAD_RENOTIFY:
            text = "Choose one of the intervals offered."
    return text[:INLINE]


# --- the rule list and form ---------------------------------------------------------------------------


def rules_text(rules: list[Rule]) -> str:
    return fallback(f"{len(rules)} alert rule(s)." if rules else "No alert rules yet.")


def rules_blocks(
    rules: list[Rule], *, can_edit: bool, firing: dict[str, int], note: str | None
) -> list[Block]:
    """Each rule with what it watches, where it posts, and Edit/Delete for admins."""
    blocks: list[Block] = [header("Alert rules")]
    if not rules:
        blocks.append(
            section(
                "No alert rules yet. An admin adds one with `/telnyx alerts add`: low available credit, a short "
                "runway, a spend spike, webhook failures, auto-recharge changes or an unpaid invoice."
            )
        )
    for rule in rules[: BLOCK_BUDGET - 3]:
        now_firing = firing.get(rule.id, 0)
        state = f" · :rotating_light: {now_firing} firing" if now_firing else ""
        text = (
            f"*{KIND_LABELS[rule.kind]}*: {threshold_label(rule)}\n"
            f"Posts in <#{rule.channel}>, re-notifies {renotify_label(rule.renotify)} · "
            f"added by <@{rule.created_by}>{state}"
        )
        accessory = button("Edit", ids.ACTION_ALERT_RULE_EDIT, value=rule.id) if can_edit else None
        blocks.append(section(text, accessory=accessory))
        if can_edit:
            delete = button("Delete", ids.ACTION_ALERT_RULE_DELETE, value=rule.id, style="danger")
            delete.confirm = ConfirmObject(
                title="Delete this rule?",
                text=PlainTextObject(
                    text=f"{KIND_LABELS[rule.kind]}: {threshold_label(rule)}. Its open alerts are closed."
                ),
                confirm="Delete",
                deny="Keep it",
                style="danger",
            )
            blocks.append(ActionsBlock(elements=[delete]))
    if can_edit:
        blocks.append(
            ActionsBlock(elements=[button("Add a rule", ids.ACTION_ALERT_RULE_ADD, style="primary")])
        )
    if note:
        blocks.append(context(escape(note)))
    return blocks[: BLOCK_BUDGET + 3]


def _option(value: str, label: str) -> Option:
    return Option(value=value, label=label)


def rule_modal(private_metadata: str, rule: Rule | None, *, channel: str | None = None) -> View:
    """The form to add (or, prefilled, edit) a rule."""
    kinds = [_option(kind.value, KIND_LABELS[kind]) for kind in Kind]
    every = [_option(str(int(d.total_seconds())), renotify_label(d).capitalize()) for d in RENOTIFY_CHOICES]
    kind_initial = next((o for o in kinds if rule is not None and o.value == rule.kind.value), None)
    default = str(int((rule.renotify if rule else timedelta(hours=24)).total_seconds()))
    every_initial = next((o for o in every if o.value == default), None)
    hints = "; ".join(
        f"{KIND_LABELS[k].split(' turned')[0].lower()}: {THRESHOLD_HINTS[k][1] or 'empty'}" for k in Kind
    )
    return View(
        type="modal",
        callback_id=ids.VIEW_ALERT_RULE,
        title=PlainTextObject(text="Edit alert rule" if rule else "New alert rule"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=ids.BLOCK_ALERT_KIND,
                label=PlainTextObject(text="Alert when"),
                element=StaticSelectElement(
                    action_id=ids.INPUT, options=kinds, initial_option=kind_initial, placeholder="Choose"
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_ALERT_THRESHOLD,
                label=PlainTextObject(text="Threshold"),
                optional=True,
                hint=PlainTextObject(text=f"By kind: {hints}."[:2000]),
                element=PlainTextInputElement(
                    action_id=ids.INPUT, initial_value=rule.raw_threshold if rule else None, max_length=32
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_ALERT_ENDPOINT,
                label=PlainTextObject(text="Endpoint (webhook failures only)"),
                optional=True,
                hint=PlainTextObject(text="Empty: every endpoint, each alerted on its own."),
                element=PlainTextInputElement(
                    action_id=ids.INPUT,
                    initial_value=(rule.endpoint or None) if rule else None,
                    placeholder="https://example.com/hooks",
                    max_length=500,
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_ALERT_CHANNEL,
                label=PlainTextObject(text="Post in"),
                element=ChannelSelectElement(
                    action_id=ids.INPUT, initial_channel=(rule.channel if rule else channel) or None
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_ALERT_RENOTIFY,
                label=PlainTextObject(text="While it keeps firing, remind"),
                element=StaticSelectElement(action_id=ids.INPUT, options=every, initial_option=every_initial),
            ),
        ],
    )


def saved_text(rule: Rule, added: bool) -> str:
    verb = "added" if added else "saved"
    return (
        f"Alert rule {verb}: {KIND_LABELS[rule.kind]}, {threshold_label(rule)}; posts in <#{rule.channel}>."
    )


def saved_blocks(rule: Rule, added: bool, problem: str | None = None) -> list[Block]:
    blocks: list[Block] = [section(":white_check_mark: " + saved_text(rule, added))]
    if problem is not None:
        blocks.append(
            section(
                f":warning: The bot cannot post in <#{rule.channel}> (Slack says `{escape(problem)}`), so its "
                f"alerts would not arrive: invite the app there (`/invite @Telnyx`) or edit the rule."
            )
        )
    blocks.append(
        context("It is checked every scheduler tick; `/telnyx alerts check` checks every rule now.")
    )
    return blocks


def announce_text(rule: Rule, by: str, added: bool) -> str:
    """The note in a rule's channel when an admin points a rule at it."""
    verb = "set up" if added else "changed"
    return (
        f":bell: <@{by}> {verb} an alert here: {KIND_LABELS[rule.kind]}, {threshold_label(rule)}. "
        "When it fires, the bot posts in this channel; `/telnyx alerts` lists every rule."
    )


def deleted_text(rule: Rule | None) -> str:
    if rule is None:
        return "That alert rule was already deleted."
    return (
        f"Alert rule deleted: {KIND_LABELS[rule.kind]}, {threshold_label(rule)}. Its open alerts are closed."
    )


def rule_gone_text() -> str:
    return "That alert rule no longer exists (someone deleted it). `/telnyx alerts` lists the rules."


def too_many_rules_text(limit: int) -> str:
    return f"There are already {limit} alert rules, the most one list can show. Delete one first (`/telnyx alerts`)."


# --- an alert's message ----------------------------------------------------------------------------------


def _what(alert: Alert) -> tuple[str, str, str]:
    """(headline, how bad, what to do) from the alert's facts."""
    f = alert.facts
    match alert.kind:
        case Kind.LOW_CREDIT:
            return (
                f"Available credit is {money(Decimal(f['available']), f.get('currency', 'USD'))}",
                f"Below the alert's {money(Decimal(f['threshold']))}; the balance is {money(Decimal(f['balance']))}.",
                "Top up now (finance approves), or check auto-recharge with `/telnyx autorecharge`.",
            )
        case Kind.RUNWAY:
            on = (
                f", around {date_label(datetime.fromisoformat(f['zero_on']).date())}"
                if f.get("zero_on")
                else ""
            )
            basis = (
                f"from {f['history_days']} days of balance history"
                if f.get("basis") == "history"
                else "from Telnyx's charges of the last 7 days"
            )
            return (
                f"Credit runs out in {f['days']} days{on}",
                f"Shorter than the alert's {f['limit']} days: {money(Decimal(f['per_day']))} a day ({basis}), "
                f"{money(Decimal(f['available']))} available.",
                "Request a top-up, or raise auto-recharge. `/telnyx runway` shows the forecast.",
            )
        case Kind.SPEND_SPIKE:
            return (
                f"Spend spike: {money(Decimal(f['last_24h']))} in the last 24 hours",
                f"{f['ratio']}x the daily average of {money(Decimal(f['average']))} over the {f['baseline_days']} "
                f"days before (the alert fires above {f['factor']}x).",
                "Check what drives it: `/telnyx charges` and `/telnyx usage`.",
            )
        case Kind.WEBHOOK_FAILURES:
            return (
                f"Webhook deliveries failing to {escape_truncated(str(f['endpoint']), 120)}",
                f"{f['failed']} of {f['total']} deliveries in the last hour failed ({f['rate']}%; the alert "
                f"fires above {escape(str(f['threshold']))}). Most often: {escape(cause_label(str(f['cause'])))} "
                f"({f['cause_count']}).",
                f"Diagnose one: `/telnyx webhooks {f['example_id']}`.",
            )
        case Kind.AUTORECHARGE:
            changes = ", ".join(
                f"{c['field']}: {escape(str(c['from']))} → {escape(str(c['to']))}"
                for c in f.get("changes") or []
            )
            who = f" by {escape(str(f['by']))}" if f.get("by") else ""
            when = f" at {slack_date(datetime.fromisoformat(f['at']))}" if f.get("at") else ""
            if alert.subject == "off":
                return (
                    "Auto-recharge is turned off",
                    f"Turned off{who}{when}. Nothing tops the balance up when it runs low."
                    + (f" ({changes})" if changes else ""),
                    "If that was not intended, turn it on again with `/telnyx autorecharge`.",
                )
            return (
                "Auto-recharge settings changed",
                f"Changed{who}{when}: {changes or 'see the audit log'}.",
                "If that was not intended, check `/telnyx autorecharge` and `/telnyx audit`.",
            )
        case Kind.INVOICE_UNPAID:
            return (
                f"Invoice {escape(str(f['invoice_id']))} is unpaid",
                f"{f['days']} days after its period ended ({f['period_end']}); the alert fires after "
                f"{f['threshold']} days.",
                f"See it with `/telnyx invoices {f['invoice_id']}` and pay it in the Telnyx portal.",
            )


def alert_text(alert: Alert) -> str:
    headline, bad, _ = _what(alert)
    state = {State.FIRING: "", State.RESOLVED: "Resolved: ", State.NOTED: ""}[alert.state]
    return fallback(f"{state}{headline}. {bad}")


def _status(alert: Alert, now: datetime) -> str:
    if alert.state is State.RESOLVED:
        when = slack_date(alert.resolved_at) if alert.resolved_at else "now"
        why = "its rule was deleted" if alert.resolution == "rule_deleted" else "it cleared"
        return f":white_check_mark: *Resolved* {when}: {why} (firing since {slack_date(alert.started_at)})"
    if alert.state is State.NOTED:
        return f":information_source: Noted {slack_date(alert.started_at)}"
    parts = [f"Firing since {slack_date(alert.started_at)}"]
    if alert.renotified:
        parts.append(f"reminded {alert.renotified}x")
    if alert.acked_by:
        parts.append(
            f"acknowledged by <@{alert.acked_by}>"
            + (f" {slack_date(alert.acked_at)}" if alert.acked_at else "")
        )
    if alert.snoozed_until and alert.snoozed_until > now:
        parts.append(f"snoozed by <@{alert.snoozed_by}> until {slack_date(alert.snoozed_until)}")
    return " · ".join(parts)


def alert_blocks(alert: Alert, now: datetime) -> list[Block]:
    """The alert's message: what, how bad, since when, what to do; buttons while it fires."""
    headline, bad, todo = _what(alert)
    icon = {
        State.RESOLVED: ":white_check_mark:",
        State.NOTED: ":information_source:",
        State.FIRING: ":red_circle:" if alert.severity is Severity.CRITICAL else ":large_orange_circle:",
    }[alert.state]
    title = ("Resolved: " if alert.state is State.RESOLVED else "") + headline
    blocks: list[Block] = [section(f"{icon} *{escape(title)}*\n{bad}")]
    if alert.state is not State.RESOLVED:
        blocks.append(section(f"*What to do:* {todo}"))
    blocks.append(context(_status(alert, now)))
    if alert.state is State.FIRING:
        blocks.append(alert_actions(alert))
    return blocks


def alert_actions(alert: Alert, *, can_request: bool = True) -> ActionsBlock:
    """A firing alert's buttons: Acknowledge (until someone has), Snooze, and Request top-up for a balance
    or runway alert (`can_request`: shown only where the reader may use it)."""
    elements: list[Any] = []
    if alert.acked_by is None:
        elements.append(button("Acknowledge", ids.ACTION_ALERT_ACK, value=str(alert.id)))
    elements.append(
        StaticSelectElement(
            action_id=ids.ACTION_ALERT_SNOOZE,
            placeholder="Snooze…",
            options=[
                _option(f"{alert.id}:{seconds}", f"Snooze {label}") for seconds, label in SNOOZES.items()
            ],
        )
    )
    if can_request and alert.kind in TOPUP_KINDS:
        elements.append(
            button("Request top-up", ids.ACTION_ALERT_TOPUP, value=str(alert.id), style="primary")
        )
    return ActionsBlock(block_id=f"alert_{alert.id}", elements=elements)


def alert_summary(alert: Alert, now: datetime) -> str:
    """An alert in a few lines (a Home tab lists them): what, how bad, since when, who silenced it."""
    headline, bad, _ = _what(alert)
    icon = ":red_circle:" if alert.severity is Severity.CRITICAL else ":large_orange_circle:"
    return f"{icon} *{escape(headline)}*\n{bad}\n{_status(alert, now)} · posted in <#{alert.channel}>"


def thread_text(alert: Alert, note: Note) -> str:
    """A reply in the alert's thread."""
    headline, bad, _ = _what(alert)
    if note is Note.RENOTIFY:
        since = duration(max(0.0, (alert.notified_at - alert.started_at).total_seconds()))
        return fallback(f":repeat: Still firing after {since}: {headline}. {bad}")
    if note is Note.RULE_DELETED:
        return "Closed: the rule behind this alert was deleted."
    when = slack_date(alert.resolved_at) if alert.resolved_at else "now"
    return f":white_check_mark: Resolved {when}: {headline.lower() if headline else 'it'} no longer holds."


ALERT_GONE = "That alert no longer exists."
SNOOZE_CHOICE = "Choose 1 hour, 1 day or 1 week to snooze the alert."


def suggestion_note(alert: Alert, suggestion: Suggestion | None) -> str:
    """How the prefilled amount of a top-up from an alert was worked out."""
    if suggestion is None:
        return "The balance could not be read just now, so no amount is suggested: enter one."
    if suggestion.amount <= 0:
        return "Available credit already covers what the alert asks for: no amount is suggested."
    if suggestion.days is not None:
        basis = f"restores a runway of {suggestion.days} days plus a 20% margin at the current pace"
    else:
        basis = f"brings available credit back above {money(Decimal(str(alert.facts['threshold'])))} with a 20% margin"
    capped = (
        f" It is capped at the {money(suggestion.amount)} a single top-up may be."
        if suggestion.capped
        else ""
    )
    return f"Suggested: {money(suggestion.amount)}, which {basis}.{capped} Finance approves it as usual."


def acted_text(acted: Acted, alert: Alert | None, what: str, until: datetime | None = None) -> str:
    """The answer to whoever clicked Acknowledge or Snooze."""
    if acted is Acted.MISSING or alert is None:
        return ALERT_GONE
    if acted is Acted.CLOSED:
        return "That alert is already resolved: nothing to " + what + "."
    if acted is Acted.ALREADY:
        return f"<@{alert.acked_by}> acknowledged that alert already."
    if what == "snooze" and until is not None:
        return f"Snoozed until {slack_date(until)}: no reminders until then."
    return "Acknowledged: no more reminders for this alert; it still resolves by itself when it clears."


# --- `/telnyx alerts check` ------------------------------------------------------------------------------


def check_text(report: TickReport) -> str:
    t = report.total
    return fallback(
        f"Alerts checked: {t.fired} fired, {t.resolved} resolved, {t.renotified + t.firing} still firing."
    )


def check_blocks(report: TickReport) -> list[Block]:
    """Rule by rule: what fired, cleared, stayed, or could not be checked."""
    blocks: list[Block] = [header("Alerts checked now")]
    if not report.rules:
        blocks.append(section("There are no alert rules to check. Add one with `/telnyx alerts add`."))
    for result in report.rules[: BLOCK_BUDGET - 2]:
        t, rule = result.tally, result.rule
        if result.skipped is not None:
            outcome = f":warning: not checked: Telnyx could not be read ({escape(telnyx_errors.message(result.skipped))})"
        else:
            parts = [
                f"{n} {label}"
                for n, label in (
                    (t.fired, "fired"),
                    (t.renotified, "reminded"),
                    (t.firing, "still firing"),
                    (t.resolved, "resolved"),
                )
                if n
            ]
            outcome = ", ".join(parts) if parts else "all clear"
        blocks.append(section(f"*{KIND_LABELS[rule.kind]}* ({threshold_label(rule)}): {outcome}"))
    blocks.append(
        context(f"Checked {slack_date(report.at)}. New alerts are posted in their rules' channels.")
    )
    return blocks
