"""Delivering the outbox: what each queued Slack side effect does, and which Slack failures to retry.

The core queues side effects as data (bot/outbox.py, bot/approvals/ledger.py); this module turns each into
a Slack call: redraw a top-up card from the request as stored now, DM the requester the request as it was
at the change, reply in the card's thread, post an audit record to the audit channel, complete a workflow
step whose top-up request ended (handlers/step_completion.py), publish a person's Home tab again
(handlers/home.py), post a scheduled digest (handlers/digest.py).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.book import POST as ALERT_POST
from bot.alerts.book import REDRAW as ALERT_REDRAW
from bot.alerts.book import THREAD as ALERT_THREAD
from bot.alerts.book import Note
from bot.approvals import TopupRequest, TopupState
from bot.approvals.evidence import payment_evidence
from bot.approvals.ledger import CARD, DM, NOTICE
from bot.audit_trail import AUDIT_POST
from bot.digests import DIGEST_POST
from bot.errors import TelnyxError
from bot.home import PUBLISH as HOME_PUBLISH
from bot.logs import bind_topup
from bot.models import Balance
from bot.outbox import Deliver, Delivery, Permanent, RetryLater
from bot.services import Services
from bot.workflow import STEP_COMPLETE
from formatting.alerts import alert_blocks, alert_text, thread_text
from formatting.audit_trail import audit_record_blocks, audit_record_text
from formatting.topup import (
    card_blocks,
    card_text,
    decision_dm_blocks,
    decision_dm_text,
    stopped_notice_blocks,
    stopped_notice_text,
)
from handlers.digest import deliver_digest
from handlers.home import deliver_publish
from handlers.replies import decorate
from handlers.step_completion import complete_step

logger = logging.getLogger(__name__)

# Slack errors that a later attempt may get past; any other `ok: false` is for good (channel gone ...)
ALERT_KINDS = (ALERT_POST, ALERT_REDRAW, ALERT_THREAD)
TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


async def _balance(svc: Services) -> Balance | None:
    try:
        return (await svc.telnyx.balance()).value
    except TelnyxError as err:  # the card is still useful without it
        logger.warning("balance for the approval card failed: %s", type(err).__name__)
        return None


async def card_of(svc: Services, request: TopupRequest) -> tuple[str, list[Any]]:
    """(text, blocks) of a request's card as it is now: the balance while pending, evidence when unknown."""
    balance = await _balance(svc) if request.state is TopupState.PENDING else None
    evidence = None
    if request.state is TopupState.OUTCOME_UNKNOWN:
        evidence = await payment_evidence(svc.telnyx, request)
    return card_text(request), decorate(svc, card_blocks(request, balance, evidence), None)


def _failure(exc: Exception) -> Exception:
    """The outbox's view of a failed Slack call: RetryLater (with Retry-After) or Permanent."""
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error") or "")
        status = exc.response.status_code
        if status == 429 or error == "ratelimited":
            after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return RetryLater("Slack rate limit", float(after) if after and str(after).isdigit() else None)
        if status >= 500 or error in TRANSIENT:
            return RetryLater(f"Slack answered {status} {error}")
        return Permanent(f"Slack answered {error}")
    return RetryLater(f"could not reach Slack: {type(exc).__name__}")


def deliverer(svc: Services, client: AsyncWebClient) -> Deliver:
    """The outbox's delivery function for this app."""

    async def deliver(row: Delivery) -> None:
        try:
            await _deliver(svc, client, row)
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _failure(exc) from None

    return deliver


async def _deliver(svc: Services, client: AsyncWebClient, row: Delivery) -> None:
    if row.kind == CARD:
        bind_topup(str(row.payload["id"]))  # each delivery runs in its own task: the name stays with it
        request = await svc.approvals.get(str(row.payload["id"]))
        if request is None or not request.channel or not request.message_ts:
            return  # no card was posted (or it is unknown here): nothing to redraw
        text, blocks = await card_of(svc, request)
        await client.chat_update(channel=request.channel, ts=request.message_ts, text=text, blocks=blocks)
    elif row.kind == DM:
        request = TopupRequest.from_payload(row.payload["request"])
        bind_topup(request.id)
        await client.chat_postMessage(
            channel=request.requester, text=decision_dm_text(request), blocks=decision_dm_blocks(request)
        )
    elif row.kind == NOTICE:
        request = TopupRequest.from_payload(row.payload["request"])
        bind_topup(request.id)
        channel = request.channel or svc.policy.approvals_channel
        if not channel:
            return
        await client.chat_postMessage(
            channel=channel,
            thread_ts=request.message_ts if request.channel else None,
            text=stopped_notice_text(request),
            blocks=stopped_notice_blocks(request),
        )
    elif row.kind == AUDIT_POST:
        record = await svc.audit.get(int(row.payload["id"]))
        if record is None:
            return
        await client.chat_postMessage(
            channel=str(row.payload["channel"]),
            text=audit_record_text(record),
            blocks=audit_record_blocks(record),
        )
    elif row.kind in ALERT_KINDS:
        await _deliver_alert(svc, client, row)
    elif row.kind == STEP_COMPLETE:
        await complete_step(svc, client, row)
    elif row.kind == HOME_PUBLISH:
        await deliver_publish(svc, client, row)
    elif row.kind == DIGEST_POST:
        await deliver_digest(svc, client, row)
    else:
        raise Permanent(f"unknown outbox kind {row.kind!r}")


async def _deliver_alert(svc: Services, client: AsyncWebClient, row: Delivery) -> None:
    """Post an alert, redraw it as it is now, or reply in its thread."""
    assert svc.alerts is not None, "alert rows come from an app with alerts"
    alert = await svc.alerts.alert(int(row.payload["id"]))
    if alert is None:
        return  # pruned long after it closed
    text, blocks = (
        alert_text(alert),
        decorate(svc, alert_blocks(alert, svc.clock()), None),
    )
    if row.kind == ALERT_POST and alert.message_ts is None:
        posted = await client.chat_postMessage(channel=alert.channel, text=text, blocks=blocks)
        await svc.alerts.set_message(alert.id, str(posted["channel"]), str(posted["ts"]))
    elif alert.message_ts is None:
        return  # its post was abandoned (the channel is gone): nothing to redraw or reply to
    elif row.kind == ALERT_THREAD:
        note = Note(str(row.payload["note"]))
        await client.chat_postMessage(
            channel=alert.channel, thread_ts=alert.message_ts, text=thread_text(alert, note)
        )
    else:  # a redraw, or a post delivered again after its message was stored
        await client.chat_update(channel=alert.channel, ts=alert.message_ts, text=text, blocks=blocks)
