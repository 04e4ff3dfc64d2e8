"""The Home tab: published when a person opens it, published again through the outbox when something it
shows changes (bot/home.py says who and when), and its Refresh button.

What it shows is gathered here for the person, with their permissions checked now: the balance and
runway, the alerts firing, their own top-up requests, finance's pending approvals and unknown outcomes, the
admins' rules. Its buttons are the messages' own (same action ids), so a click on Home runs the listener,
access check, confirm dialog and compare-and-set it runs on the message; their answers go by direct
message, as a click in a view carries no response_url (handlers/replies.Reply).

A publish passes the hash of the view Slack showed last; when Slack answers `hash_conflict` (someone
published over it meanwhile), the Home is rendered again from the state as it is now and published with the
newest hash known, or with none when the bot knows of no newer one: that render is newer than whatever
replaced the view.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.access import Permission
from bot.approvals import TopupState
from bot.digests.book import Subscription
from bot.digests.job import book_of
from bot.errors import TelnyxError
from bot.home import Account, HomeBook, HomeContent, Listed, NoRole, Topic
from bot.outbox import Delivery, RetryLater
from bot.runway import runway, sparkline
from bot.services import Services
from formatting.home import SHOW_ALERTS, SHOW_PENDING, SHOW_REQUESTS, SHOW_RULES, SHOW_UNKNOWN, home_view
from handlers.access import require
from handlers.replies import services, slack, user
from handlers.runway import pace

logger = logging.getLogger(__name__)
ATTEMPTS = 3  # publishes of one render round: the first, and two after hash conflicts
HASH_CONFLICT = "hash_conflict"
# Slack errors of the Home publish that another attempt later may get past (the outbox retries them)
PUBLISH_FAILURES = (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError, OSError)


def home_of(svc: Services) -> HomeBook:
    """The app's Home book (create_app gives every app one)."""
    assert svc.home is not None, "build_services gives every app its Home book"
    return svc.home


async def digest_subscriptions(svc: Services) -> list[Subscription]:
    """The digest subscriptions admins see on Home."""
    return await book_of(svc).subscriptions()


async def _account(svc: Services) -> Account:
    try:
        fresh, (spend, history) = await asyncio.gather(svc.telnyx.balance(), pace(svc))
    except TelnyxError as err:
        logger.warning("Home without the balance: %s", type(err).__name__)
        return Account(balance=None, error=err)
    today = svc.clock().date()
    threshold = svc.settings.low_balance_threshold
    return Account(
        balance=fresh.value,
        runway=runway(fresh.value.available_credit, threshold, spend, today),
        spark=sparkline(history, today),
        low_threshold=threshold,
        fetched_at=fresh.fetched_at,
        from_cache=fresh.from_cache,
    )


async def gather(svc: Services, person: str) -> HomeContent | NoRole:
    """What `person` may see and act on, read now."""
    decisions = await svc.access.explain(person)
    may = frozenset(d.permission for d in decisions if d.allowed)
    now = svc.clock()
    if Permission.VIEW not in may:
        roles = await svc.access.roles_of(person)
        return NoRole(person, now, roles, decisions, svc.policy.configured)
    approvals = svc.approvals
    account = await _account(svc)
    alerts = await svc.alerts.open_alerts() if svc.alerts is not None else []
    mine, mine_total = await approvals.listing(requester=person, limit=SHOW_REQUESTS)
    requests = None
    if Permission.REQUEST_TOPUP in may or mine_total:
        requests = Listed(mine, mine_total)
    pending = unknown = None
    if Permission.APPROVE_TOPUP in may:
        waiting = await approvals.listing(states=[TopupState.PENDING], limit=SHOW_PENDING, newest_first=False)
        open_ = await approvals.listing(
            states=[TopupState.OUTCOME_UNKNOWN], limit=SHOW_UNKNOWN, newest_first=False
        )
        pending, unknown = Listed(*waiting), Listed(*open_)
    rules = digests = None
    firing: dict[str, int] = {}
    if Permission.ADMIN in may and svc.alerts is not None:
        every_rule = await svc.alerts.rules()
        rules = Listed(every_rule[:SHOW_RULES], len(every_rule))
        for alert in alerts:
            firing[alert.rule_id] = firing.get(alert.rule_id, 0) + 1
        digests = await digest_subscriptions(svc)
    return HomeContent(
        user=person,
        as_of=now,
        may=may,
        account=account,
        alerts=Listed(alerts[:SHOW_ALERTS], len(alerts)),
        requests=requests,
        pending=pending,
        unknown=unknown,
        rules=rules,
        firing=firing,
        digests=digests,
        sandbox=svc.sandbox,
    )


async def render(svc: Services, person: str) -> tuple[View, frozenset[Topic]]:
    """The person's Home view as of now, and the topics it shows."""
    content = await gather(svc, person)
    return home_view(content, approvals_channel=svc.policy.approvals_channel), content.topics()


async def publish(
    svc: Services, client: AsyncWebClient, person: str, *, seen_hash: str | None = None
) -> None:
    """Render and publish the person's Home over the view Slack showed last (see the module docstring)."""
    book = home_of(svc)
    viewer = await book.viewer(person)
    known = seen_hash or (viewer.view_hash if viewer is not None else None)
    for attempt in range(1, ATTEMPTS + 1):
        view, shows = await render(svc, person)
        try:
            answer = await client.views_publish(user_id=person, view=view, hash=known)
        except SlackApiError as err:
            if err.response.get("error") != HASH_CONFLICT or attempt == ATTEMPTS:
                raise
            stored = await book.viewer(person)
            newer = stored.view_hash if stored is not None else None
            logger.info("Home of %s changed since its hash was read: rendering it again", person)
            known = newer if newer != known else None
            continue
        published = answer.get("view") or {}
        await book.published(person, published.get("hash"), shows)
        return


async def handle_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """`app_home_opened` on the Home tab: remember the person and publish their Home now, unless it was
    published within the pause (a second opening, or Slack delivering the event again): what changed since
    is queued for them anyway."""
    if event.get("tab") != "home":
        return  # the Messages tab
    svc, person = services(context), str(event.get("user") or "")
    if not person:
        return
    book = home_of(svc)
    seen = (event.get("view") or {}).get("hash")
    before = await book.viewer(person)
    await book.opened(person, seen)
    if before is not None and before.published_at is not None and not book.may_publish(before):
        return
    try:
        await publish(svc, slack(context), person, seen_hash=seen)
    except PUBLISH_FAILURES as exc:
        # the outbox tries again, with backoff and Retry-After, after the coalescing pause
        logger.warning("Home of %s not published (%s): queued to try again", person, type(exc).__name__)
        await book.queue(person, not_before=book.ready_at(await book.viewer(person)))


async def handle_refresh(ack: AsyncAck, context: AsyncBoltContext) -> None:
    """Refresh on Home: read the balance anew and publish again (at most once per pause per person)."""
    svc, person = services(context), user(context)
    await svc.telnyx.invalidate("balance")
    book = home_of(svc)
    await book.queue(person, not_before=book.ready_at(await book.viewer(person)))


async def deliver_publish(svc: Services, client: AsyncWebClient, row: Delivery) -> None:
    """The outbox's `home.publish`: publish the person's Home as it is now, unless a later row will."""
    person = str(row.payload["user"])
    book = home_of(svc)
    if await book.superseded(row.id, person):
        return
    viewer = await book.viewer(person)
    if viewer is None:
        return  # forgotten: nobody to publish for
    if not book.may_publish(viewer):
        await book.queue(person, not_before=book.ready_at(viewer))  # published a moment ago: wait
        return
    try:
        await publish(svc, client, person)
    except SlackApiError as err:
        if err.response.get("error") == HASH_CONFLICT:
            raise RetryLater("Home views kept changing under every publish") from None
        raise


def register(app: AsyncApp, svc: Services) -> None:
    """The Home tab's event and Refresh button; Homes follow the changes of requests, alerts and rules."""
    app.event(ids.EVENT_HOME_OPENED)(handle_home_opened)
    app.action(ids.ACTION_HOME_REFRESH, middleware=[require(Permission.VIEW, "refresh the Home tab")])(
        handle_refresh
    )
    home_of(svc).watch(svc.approvals, svc.alerts)
