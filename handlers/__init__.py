"""Bolt listeners: parse the payload, check access, call bot/, hand data to formatting/, reply.

`register(app)` is the one place listeners are attached; only bot/app.py calls it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import ids

logger = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    """Attach every listener and the error handler to a fresh app."""
    from handlers import account, charges, money, share, usage, webhooks
    from handlers.router import handle_command

    app.command(ids.COMMAND)(handle_command)
    for module in (account, charges, usage, webhooks, share, money):
        module.register(app)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
        """Anything a listener could not explain: log it whole, tell the user briefly, never a traceback."""
        logger.error("unhandled error in a listener", exc_info=error)
        if respond is not None and body.get("response_url"):
            await respond(
                text="Something went wrong on the bot's side. It has been logged; please try again in a minute.",
                response_type="ephemeral",
                replace_original=False,
            )
