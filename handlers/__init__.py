"""Bolt listeners: parse the payload, check access, call bot/, hand data to formatting/, reply.

One module per command family, named after its subcommand; each exports `SUBCOMMANDS` and
`register(app)`. `FAMILIES` below is the one list (in the order `/telnyx help` shows them), and
`register(app)` the one place listeners are attached; only bot/app.py calls it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.listener.async_listener_completion_handler import AsyncListenerCompletionHandler
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.errors import TelnyxError
from bot.services import Services
from handlers import (
    alerts,
    audit,
    autorecharge,
    balance,
    charges,
    command,
    digest,
    home,
    invoices,
    runway,
    share,
    tags,
    topup,
    trail,
    usage,
    webhooks,
    whoami,
    workflow,
)
from handlers.replies import answer_error, reply_middleware, respond
from handlers.subcommand import Subcommand

logger = logging.getLogger(__name__)

FAMILIES = (
    balance,
    runway,
    alerts,
    digest,
    invoices,
    tags,
    charges,
    usage,
    audit,
    webhooks,
    autorecharge,
    topup,
    whoami,
    trail,
)
SUBCOMMANDS: dict[str, Subcommand] = {sub.name: sub for family in FAMILIES for sub in family.SUBCOMMANDS}
SORRY = "Something went wrong on the bot's side. It has been logged; please try again in a minute."


def register(app: AsyncApp, svc: Services) -> None:
    """Attach every listener, the reply middleware, in-flight counting and the error handler to a fresh app."""
    app.middleware(reply_middleware)
    count_in_flight(app, svc)
    command.register(app, SUBCOMMANDS)
    for family in FAMILIES:
        family.register(app)
    share.register(app, SUBCOMMANDS)
    workflow.register(app, svc)  # Workflow Builder steps
    home.register(app, svc)  # the Home tab
    app.error(on_error)


async def on_error(error: Exception, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """What a listener let out: Telnyx's errors explained; anything else logged whole, the user told briefly."""
    if context.respond is None:
        logger.error("unhandled error in a listener (no one to tell)", exc_info=error)
        return
    if isinstance(error, TelnyxError):
        await answer_error(context, error)
        return
    logger.error("unhandled error in a listener", exc_info=error)
    await respond(context, SORRY, [], response_type="ephemeral", replace_original=False)


def count_in_flight(app: AsyncApp, svc: Services) -> None:
    """Count each running listener (a shutdown waits for them) with Bolt's listener start/completion hooks."""

    class Started(AsyncListenerStartHandler):
        async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
            svc.inflight.enter()

    class Completed(AsyncListenerCompletionHandler):
        async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
            svc.inflight.leave()

    app.listener_runner.listener_start_handler = Started()
    app.listener_runner.listener_completion_handler = Completed()
