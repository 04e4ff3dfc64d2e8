"""create_app: one AsyncApp with every listener registered; no module-level app.

Tests, the HTTP server, Socket Mode and the console all build their app here, so they run the same code.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services import Services
from bot.slack_requests import ObservedApp
from bot.store import utcnow

if TYPE_CHECKING:
    from bot.telnyx_client import TelnyxGateway

logger = logging.getLogger(__name__)
BOLT_LOGGER = "bolt"


def _not_the_token_notice(record: logging.LogRecord) -> bool:
    """Bolt warns "As you gave `client` as well, `token` will be unused." whenever SLACK_BOT_TOKEN is in the
    environment, which is how the bot is configured: the client the bot passes carries that same token, so
    the warning, logged at every start, only alarms whoever reads the log."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger(BOLT_LOGGER).addFilter(_not_the_token_notice)


def make_slack_client(settings: Settings) -> AsyncWebClient:
    """The bot's Web API client: token and base URL from the settings, 429s retried after Retry-After."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_services(
    settings: Settings,
    *,
    telnyx: TelnyxGateway | None = None,
    slack_client: AsyncWebClient | None = None,
    clock: Callable[[], datetime] = utcnow,
    sandbox: bool = False,
) -> Services:
    """Build the shared parts from the settings; anything passed in is used as is."""
    from bot.access import AccessControl, load_policy, slack_group_members
    from bot.alerts.book import AlertBook
    from bot.approvals import Approvals
    from bot.audit_trail import AuditTrail
    from bot.home import HomeBook
    from bot.metrics import Metrics
    from bot.outbox import Outbox
    from bot.runway import BalanceHistory
    from bot.store import Store
    from bot.telnyx_client import TelnyxGateway

    policy = load_policy(settings.access_policy)
    gateway = telnyx or TelnyxGateway.from_settings(settings)
    client = slack_client or make_slack_client(settings)

    metrics = Metrics()
    gateway.on_request = metrics.telnyx_request
    access = AccessControl(policy, slack_group_members(client))
    store = Store(settings.database_url)
    outbox = Outbox(store)
    audit = AuditTrail(
        store, now=clock, outbox=outbox, channel=policy.audit_channel, on_denial=metrics.denial
    )
    approvals = Approvals(
        store,
        access,
        now=clock,
        audit=audit,
        outbox=outbox,
        payment_deadline=settings.telnyx_timeout,
        on_payment=metrics.payment,
    )
    history = BalanceHistory(store, every=timedelta(seconds=settings.scheduler_tick_seconds), now=clock)
    return Services(
        history=history,
        alerts=AlertBook(store, outbox, audit),
        home=HomeBook(store, outbox),
        settings=settings,
        telnyx=gateway,
        policy=policy,
        access=access,
        store=store,
        approvals=approvals,
        audit=audit,
        outbox=outbox,
        clock=clock,
        sandbox=sandbox,
        metrics=metrics,
    )


def create_app(
    settings: Settings,
    *,
    slack_client: AsyncWebClient | None = None,
    telnyx: TelnyxGateway | None = None,
    services: Services | None = None,
    clock: Callable[[], datetime] = utcnow,
    sandbox: bool = False,
) -> AsyncApp:
    """Build the Bolt app. `services` (or `telnyx`/`slack_client`) replace the ones made from settings."""
    from handlers import register

    client = slack_client or make_slack_client(settings)
    svc = services or build_services(
        settings, telnyx=telnyx, slack_client=client, clock=clock, sandbox=sandbox
    )
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = ObservedApp(  # AsyncApp, each request's log context set and its ack timed
        metrics=svc.metrics,
        # named here: without a name Bolt calls inspect.stack() to name the app after its caller's file
        # ("app.py"), which reads the source of every frame: 20 ms or more per app in a deep stack
        name="telnyx-bot",
        client=client,
        signing_secret=secret or "",
        # Socket Mode requests are not signed; HTTP mode always verifies (see bot/server.py).
        request_verification_enabled=secret is not None,
        logger=logging.getLogger(BOLT_LOGGER),
    )

    @app.middleware
    async def inject_services(
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt injects by name
    ) -> None:
        context["svc"] = svc
        await next()

    register(app, svc)
    from handlers.deliveries import deliverer
    from handlers.housekeeping import sweepers

    svc.outbox.set_deliverer(deliverer(svc, client))
    svc.sweepers.extend(sweepers(svc))
    if svc.alerts is not None and svc.scheduler is None:
        from bot.scheduler import Scheduler

        svc.scheduler = Scheduler(svc, svc.alerts)
    attach_services(app, svc)  # for runners that must start/close it
    return app


def attach_services(app: AsyncApp, svc: Services) -> None:
    """Remember the Services `app` was built with (create_app does; a hand-built test app may)."""
    _SERVICES[app] = svc


# Each app's Services, for the runners that start and close them (an AsyncApp has no slot for it).
_SERVICES: weakref.WeakKeyDictionary[AsyncApp, Services] = weakref.WeakKeyDictionary()


def services_of(app: AsyncApp) -> Services:
    """The Services an app was built with."""
    return _SERVICES[app]
