"""`/telnyx alerts`: the rules (list, add, edit, delete: admins), `alerts check` (admins), and the buttons on
an alert's message: Acknowledge, Snooze (anyone who may view the account) and Request top-up (requesters).

Every click and submission is access-checked on the server (listener middleware, live group membership
for changes) and written to the audit trail by bot/alerts/book.py.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import ids
from bot.access import Permission
from bot.alerts.book import MAX_RULES, AlertBook, State
from bot.alerts.evaluate import suggest_topup
from bot.alerts.rules import TOPUP_KINDS, Draft, check_draft
from bot.errors import TelnyxError
from bot.parsing import Parsed
from bot.scheduler import Scheduler
from formatting.alerts import (
    ALERT_GONE,
    SNOOZE_CHOICE,
    SNOOZES,
    acted_text,
    announce_text,
    check_blocks,
    check_text,
    deleted_text,
    problem_text,
    rule_gone_text,
    rule_modal,
    rules_blocks,
    rules_text,
    saved_blocks,
    saved_text,
    suggestion_note,
    too_many_rules_text,
)
from formatting.layout import section
from formatting.topup import request_modal
from handlers.access import allowed, check, require
from handlers.replies import (
    SHARED_BY,
    TRIGGER,
    Reply,
    action_value,
    announce,
    answer,
    modal_metadata,
    services,
    slack,
    usage_error,
    user,
)
from handlers.runway import pace
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)
EXAMPLE = "/telnyx alerts"
MANAGE = "manage alert rules"
CHECK = "check the alert rules now"
SILENCE = "acknowledge or snooze an alert"
REQUEST = "request a top-up"


def _book(context: AsyncBoltContext) -> AlertBook:
    book = services(context).alerts
    assert book is not None, "create_app gives every app its alerts"
    return book


def _scheduler(context: AsyncBoltContext) -> Scheduler:
    scheduler = services(context).scheduler
    assert scheduler is not None, "create_app gives every app its scheduler"
    return scheduler


async def _say(context: AsyncBoltContext, text: str) -> None:
    await answer(context, text, [section(text)])


async def run_alerts(context: AsyncBoltContext, parsed: Parsed) -> None:
    """`alerts` lists the rules; `alerts add` opens the form; `alerts check` evaluates every rule now."""
    action = parsed.args[0].lower() if parsed.args else "list"
    if parsed.options or len(parsed.args) > 1 or action not in ("list", "add", "check"):
        await usage_error(
            context,
            f"`alerts {' '.join(parsed.args)}` is not an alerts command".replace("  ", " "),
            "`/telnyx alerts` (the rules), `/telnyx alerts add` or `/telnyx alerts check` (admins)",
            EXAMPLE,
        )
        return
    if action == "add":
        if await allowed(context, Permission.ADMIN, MANAGE):
            reply = context.get("respond")
            await _open_form(context, None, reply.url if isinstance(reply, Reply) else None)
        return
    if action == "check":
        if await allowed(context, Permission.ADMIN, CHECK):
            report = await _scheduler(context).check()
            await answer(context, check_text(report), check_blocks(report))
        return
    await _list(context)


async def _list(context: AsyncBoltContext, note: str | None = None) -> None:
    book = _book(context)
    rules = await book.rules()
    firing: dict[str, int] = {}
    for alert in await book.open_alerts():
        firing[alert.rule_id] = firing.get(alert.rule_id, 0) + 1
    decision = await check(context, Permission.ADMIN)
    can_edit = decision.allowed and context.get(SHARED_BY) is None
    await answer(
        context,
        rules_text(rules),
        rules_blocks(rules, can_edit=can_edit, firing=firing, note=note),
        share="alerts",
    )


async def _open_form(context: AsyncBoltContext, rule_id: str | None, response_url: str | None = None) -> None:
    rule = None
    if rule_id is not None:
        rule = await _book(context).rule(rule_id)
        if rule is None:
            await _say(context, rule_gone_text())
            return
    elif await _book(context).count_rules() >= MAX_RULES:
        await _say(context, too_many_rules_text(MAX_RULES))
        return
    meta = json.dumps({"url": response_url, "ch": context.channel_id, "rule": rule_id})
    view = rule_modal(meta, rule, channel=context.channel_id)
    await slack(context).views_open(trigger_id=context.get(TRIGGER), view=view)


async def handle_add(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await _open_form(context, None, body.get("response_url"))


async def handle_edit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    await _open_form(context, action_value(body), body.get("response_url"))


async def handle_delete(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    svc = services(context)
    rule = await _book(context).delete_rule(action_value(body), user(context), svc.clock())
    await _list(context, deleted_text(rule))


def _draft(body: dict[str, Any]) -> Draft:
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}

    def element(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(ids.INPUT) or {}

    return Draft(
        kind=(element(ids.BLOCK_ALERT_KIND).get("selected_option") or {}).get("value"),
        threshold=str(element(ids.BLOCK_ALERT_THRESHOLD).get("value") or ""),
        endpoint=str(element(ids.BLOCK_ALERT_ENDPOINT).get("value") or ""),
        channel=element(ids.BLOCK_ALERT_CHANNEL).get("selected_channel"),
        renotify_seconds=(element(ids.BLOCK_ALERT_RENOTIFY).get("selected_option") or {}).get("value"),
    )


BLOCKS = {
    "kind": ids.BLOCK_ALERT_KIND,
    "threshold": ids.BLOCK_ALERT_THRESHOLD,
    "endpoint": ids.BLOCK_ALERT_ENDPOINT,
    "channel": ids.BLOCK_ALERT_CHANNEL,
    "renotify": ids.BLOCK_ALERT_RENOTIFY,
}


async def handle_submit(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Save: every problem shown under its input at once; nothing stored until the form is right."""
    checked = check_draft(_draft(body))
    if isinstance(checked, list):
        errors: dict[str, str] = {}
        for problem in checked:
            errors.setdefault(BLOCKS[problem.field.value], problem_text(problem))
        await ack(response_action="errors", errors=errors)
        return
    rule_id = modal_metadata(body).get("rule")
    book, svc = _book(context), services(context)
    if rule_id is None and await book.count_rules() >= MAX_RULES:
        await ack(
            response_action="errors", errors={ids.BLOCK_ALERT_KIND: too_many_rules_text(MAX_RULES)[:150]}
        )
        return
    await ack()
    rule = await book.save_rule(checked, user(context), svc.clock(), rule_id=rule_id)
    if rule is None:
        await _say(context, rule_gone_text())
        return
    cannot_post = await announce(context, rule.channel, announce_text(rule, user(context), rule_id is None))
    await answer(context, saved_text(rule, rule_id is None), saved_blocks(rule, rule_id is None, cannot_post))


def _alert_id(body: dict[str, Any]) -> int:
    """The alert a button names (0, which no alert has, for a value that is not an id)."""
    value = action_value(body)
    return int(value) if value.isdigit() else 0


async def handle_ack(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    svc = services(context)
    acted, alert = await _book(context).acknowledge(_alert_id(body), user(context), svc.clock())
    await _say(context, acted_text(acted, alert, "acknowledge"))


async def handle_snooze(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    svc = services(context)
    chosen = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "")
    alert_id, _, seconds = chosen.partition(":")
    if seconds not in SNOOZES or not alert_id.isdigit():
        await _say(context, SNOOZE_CHOICE)
        return
    until = svc.clock() + timedelta(seconds=int(seconds))
    acted, alert = await _book(context).snooze(int(alert_id), user(context), until)
    await _say(context, acted_text(acted, alert, "snooze", until))


async def handle_topup(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Request top-up from a balance or runway alert: the request form, prefilled with what restores the
    runway (finance still approves it on the approvals card)."""
    svc = services(context)
    alert = await _book(context).alert(_alert_id(body))
    if alert is None or alert.kind not in TOPUP_KINDS:
        await _say(context, ALERT_GONE)
        return
    try:
        balance = (await svc.telnyx.balance()).value
        spend, _history = await pace(svc)
    except TelnyxError as err:
        logger.warning("top-up suggestion without a fresh balance: %s", type(err).__name__)
        suggestion, note = None, suggestion_note(alert, None)
    else:
        suggestion = suggest_topup(
            alert.kind, alert.facts, balance.available_credit, spend.per_day, svc.policy.max_topup
        )
        note = suggestion_note(alert, suggestion)
    if alert.state is not State.FIRING:
        note = "This alert has resolved. " + note
    meta = json.dumps({"url": body.get("response_url"), "ch": context.channel_id})
    view = request_modal(
        meta,
        max_topup=svc.policy.max_topup,
        amount=suggestion.amount if suggestion else None,
        reason=f"Alert: {alert.kind.value.replace('_', ' ')}",
        note=note,
    )
    await slack(context).views_open(trigger_id=context.get(TRIGGER), view=view)


SUBCOMMANDS = (
    Subcommand(
        "alerts",
        "/telnyx alerts [add|check]",
        "Alert rules: low credit, short runway, spend spikes, webhook failures, auto-recharge changes, "
        "unpaid invoices. Admins add, edit and check them.",
        EXAMPLE,
        run_alerts,
    ),
)


def register(app: AsyncApp) -> None:
    """The rule buttons and form (admins), and an alert's buttons."""
    app.action(ids.ACTION_ALERT_RULE_ADD, middleware=[require(Permission.ADMIN, MANAGE)])(handle_add)
    app.action(ids.ACTION_ALERT_RULE_EDIT, middleware=[require(Permission.ADMIN, MANAGE)])(handle_edit)
    app.action(ids.ACTION_ALERT_RULE_DELETE, middleware=[require(Permission.ADMIN, MANAGE, fresh=True)])(
        handle_delete
    )
    app.view(ids.VIEW_ALERT_RULE, middleware=[require(Permission.ADMIN, MANAGE, fresh=True)])(handle_submit)
    app.action(ids.ACTION_ALERT_ACK, middleware=[require(Permission.VIEW, SILENCE)])(handle_ack)
    app.action(ids.ACTION_ALERT_SNOOZE, middleware=[require(Permission.VIEW, SILENCE)])(handle_snooze)
    app.action(ids.ACTION_ALERT_TOPUP, middleware=[require(Permission.REQUEST_TOPUP, REQUEST)])(handle_topup)
