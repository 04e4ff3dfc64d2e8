"""TelnyxGateway: the 13 account operations over one `httpx.AsyncClient`, typed, cached, errors mapped.

Reads get one time budget (`timeout`, at most 10 s) including one retry (see transport.py). Writes are
sent once. The payment goes to `{base_url}/payment/stored_payment_transactions`, never retried, carries
the caller's Idempotency-Key, and has `timeout` seconds in all; only a refused connection or a 4xx proves
it charged nothing (PaymentNotCharged): every other failure is PaymentOutcomeUnknown.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, Awaitable
from contextlib import aclosing
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from bot.cache import Fresh
from bot.errors import Check
from bot.models import (
    AuditEventPage,
    AutoRechargeChange,
    AutoRechargePrefs,
    Balance,
    ChargesBreakdown,
    ChargesSummary,
    DetailRecord,
    DetailRecordPage,
    Invoice,
    InvoicePage,
    PaymentResult,
    UserTags,
    WebhookDelivery,
    WebhookDeliveryPage,
)
from bot.telnyx_client import queries as q
from bot.telnyx_client.failures import (
    REQUEST_FAILURES,
    invalid,
    log_orphaned_payment,
    map_error,
    map_payment_error,
    payment_crashed,
    payment_past_deadline,
    unreadable_payment,
)
from bot.telnyx_client.pages import OnPage, in_order, notify
from bot.telnyx_client.transport import MAX_CONNECT, TelnyxTransport, shape_error
from bot.telnyx_client.wire import load_json

logger = logging.getLogger("bot.telnyx_client")

PAYMENT_PATH = "/payment/stored_payment_transactions"  # relative to base_url: {base}/payment/...
AUTO_RECHARGE_PATH = "/payment/auto_recharge_prefs"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_:-]{1,255}")  # Telnyx's documented key format
CONNECT_SHARE = 0.8  # of the payment's deadline, at most, to get a connection before anything is sent


def _asked(page: int, size: int) -> dict[str, int]:
    """The validation context of a list answer: what its `meta` leaves out is what was asked for."""
    return {"page_number": page, "page_size": size}


class TelnyxGateway(TelnyxTransport):
    """Typed, cached, error-mapped access to the Telnyx account API; one connection pool per instance."""

    # --- account-wide reads: shared by concurrent callers, then cached for cache_ttl -----------------

    async def balance(self) -> Fresh[Balance]:
        """The account balance."""
        return await self.cache.get(
            ("balance",),
            lambda: self._read("balance", "/balance", lambda body: Balance.model_validate(body["data"])),
        )

    async def auto_recharge_prefs(self) -> Fresh[AutoRechargePrefs]:
        """The auto-recharge preferences."""

        def fetch() -> Awaitable[AutoRechargePrefs]:
            return self._read("auto-recharge settings", AUTO_RECHARGE_PATH, _auto_recharge_prefs)

        return await self.cache.get(("auto_recharge",), fetch)

    async def invoices(self, *, page: int = 1, size: int = 20) -> Fresh[InvoicePage]:
        """One page of invoices, newest first (cached per page and size)."""
        q.check_page(page, size, 250)

        def fetch() -> Awaitable[InvoicePage]:
            return self._read(
                "invoices",
                "/invoices",
                lambda body: InvoicePage.model_validate(body, context=_asked(page, size)),
                params=[*q.page_params(page, size), ("sort", "-period_start")],
            )

        return await self.cache.get(("invoices", page, size), fetch)

    async def user_tags(self, starts_with: str | None = None) -> Fresh[UserTags]:
        """Number and outbound-profile tags, optionally by prefix (cached per prefix)."""
        params = q.deep_object("filter", {"starts_with": starts_with}) if starts_with else []

        def fetch() -> Awaitable[UserTags]:
            return self._read(
                "tags", "/user_tags", lambda body: UserTags.model_validate(body["data"]), params=params
            )

        return await self.cache.get(("tags", starts_with or ""), fetch)

    # --- writes: sent once, never retried; the cached reads they change are dropped whatever happens ---

    async def update_auto_recharge_prefs(self, change: AutoRechargeChange) -> AutoRechargePrefs:
        """PATCH only the fields set in `change`."""
        body = {
            name: q.amount_text(value, name, allow_zero=True) if isinstance(value, Decimal) else value
            for name, value in change.model_dump(exclude_none=True).items()
        }
        if not body:
            raise invalid(Check.NOTHING_TO_CHANGE, None)
        what = "auto-recharge settings"
        try:
            response = await self._request("PATCH", AUTO_RECHARGE_PATH, json=body)
        except REQUEST_FAILURES as exc:
            raise map_error(exc, what) from None
        finally:
            # Even a failed or timed-out PATCH may have been applied: never serve the old value after it.
            self.cache.invalidate("auto_recharge")
        if not response.is_success:
            raise map_error(response, what)
        return self._build(what, _auto_recharge_prefs, response.content)

    async def create_payment(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        """Charge the stored payment method once, with `Idempotency-Key: idempotency_key`; never retried.

        Raises PaymentNotCharged only with proof nothing was charged (never sent, or a 4xx);
        PaymentOutcomeUnknown for anything else that is not a readable 2xx, and past `timeout` seconds.
        """
        body = {"amount": q.amount_text(amount, "amount", allow_zero=False)}
        if not isinstance(idempotency_key, str) or not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            raise ValueError("idempotency_key must match ^[A-Za-z0-9_:-]{1,255}$")
        # Shielded: if the caller is cancelled mid-flight, the charge still gets its answer and is logged,
        # instead of being cut off into an unknown outcome nobody hears about.
        sending = asyncio.ensure_future(self._pay(body, idempotency_key))
        try:
            return await asyncio.shield(sending)
        except asyncio.CancelledError:
            sending.add_done_callback(log_orphaned_payment)
            raise

    async def _pay(self, body: dict[str, str], key: str) -> PaymentResult:
        logger.info("Telnyx payment: sending %s (once, no retry, Idempotency-Key %s)", body["amount"], key)
        # Connecting (or waiting for a pooled connection) gives up before the deadline, so a Telnyx that
        # cannot be reached is still reported as "not sent" rather than lost in the deadline's doubt.
        before_sending = min(MAX_CONNECT, self.timeout * CONNECT_SHARE)
        phases = httpx.Timeout(self.timeout, connect=before_sending, pool=before_sending)
        try:
            # httpx's timeouts are per phase (connect, each read, ...): a server trickling its answer
            # could hold the payment several times longer. The whole send gets `timeout` seconds.
            async with asyncio.timeout(self.timeout):
                response = await self._request(
                    "POST", PAYMENT_PATH, json=body, headers={IDEMPOTENCY_HEADER: key}, timeout=phases
                )
        except TimeoutError:
            raise payment_past_deadline(self.timeout) from None
        except REQUEST_FAILURES as exc:
            raise map_payment_error(exc) from None
        except Exception:
            logger.exception("Telnyx payment: unexpected error while sending: outcome unknown")
            raise payment_crashed() from None
        finally:
            self.cache.invalidate("balance")  # any outcome, even unknown, may have moved the balance
        if not response.is_success:
            raise map_payment_error(response)
        try:
            result = PaymentResult.model_validate(load_json(response.content)["data"])
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            # A 2xx: Telnyx took the payment, but whether it charged is in the answer nobody can read.
            logger.error(
                "Telnyx payment: HTTP %s, unreadable answer: %s", response.status_code, shape_error(exc)
            )
            raise unreadable_payment(response.status_code) from None
        except Exception:
            logger.exception("Telnyx payment: HTTP %s, the answer could not be read", response.status_code)
            raise unreadable_payment(response.status_code) from None
        logger.info(
            "Telnyx payment %s: %s %s %s", result.id, result.amount, result.currency, result.processor_status
        )
        return result

    # --- per-request reads -----------------------------------------------------------------------------

    async def invoice(self, invoice_id: str, *, link: bool = False) -> Invoice:
        """One invoice; `link=True` adds a short-lived download URL (so this is never cached)."""
        invoice_id = q.require_uuid(invoice_id, "invoice")
        return await self._read(
            "invoice",
            f"/invoices/{invoice_id}",
            lambda body: Invoice.model_validate(body["data"]),
            params=[("action", "link")] if link else None,
        )

    async def charges_summary(self, start: date, end: date) -> ChargesSummary:
        """Charges summary for [start, end), at most 31 days."""
        q.check_span(start, end)
        return await self._read(
            "charges summary",
            "/charges_summary",
            lambda body: ChargesSummary.model_validate(body["data"]),
            params=[("start_date", start.isoformat()), ("end_date", end.isoformat())],
        )

    async def charges_breakdown(self, start: date, end: date | None = None) -> ChargesBreakdown:
        """Per-number charges for [start, end); without `end` Telnyx reports one month."""
        params = [("start_date", start.isoformat())]
        if end is not None:
            q.check_span(start, end)
            params.append(("end_date", end.isoformat()))
        return await self._read(
            "charges breakdown",
            "/charges_breakdown",
            lambda body: ChargesBreakdown.model_validate(body["data"]),
            params=params,
        )

    async def detail_records(
        self,
        record_type: str,
        *,
        filters: dict[str, str] | None = None,
        date_range: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page: int = 1,
        size: int = 20,
        sort: str | None = None,
    ) -> DetailRecordPage:
        """One page of usage records of one type.

        `filters` are extra `filter[...]` fields: {"status": "failed", "cld[contains]": "555"}.
        """
        q.check_page(page, size, 50)
        query = q.detail_record_filter(record_type, filters, date_range, start, end)
        return await self._detail_page(query, page, size, sort)

    async def _detail_page(
        self, query: dict[str, Any], page: int, size: int, sort: str | None, *, shared: bool = True
    ) -> DetailRecordPage:
        params = [*q.deep_object("filter", query), *q.page_params(page, size)]
        if sort:
            params.append(("sort", sort))
        return await self._read(
            "usage records",
            "/detail_records",
            lambda body: DetailRecordPage.model_validate(body, context=_asked(page, size)),
            params=params,
            share=(q.frozen(query), page, size, sort) if shared else None,
        )

    async def iter_detail_records(
        self,
        record_type: str,
        *,
        filters: dict[str, str] | None = None,
        date_range: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        size: int = 50,
        sort: str | None = None,
        on_page: OnPage | None = None,
    ) -> AsyncGenerator[DetailRecord, None]:
        """Every matching record, in order, for an export: pages after the first load `export_concurrency`
        at a time, and only a few pages are ever held, however many records there are.

        `on_page(number, total_pages)` is called as each page is handed out. Use `contextlib.aclosing`
        when stopping early so that pages still loading are cancelled at once. When the export stops
        (a page failed, or the caller closed it), no request of it is left running: its pages are its
        own reads, not shared with other callers, so cancelling one cancels its request and its retry.
        """
        q.check_page(1, size, 50)
        query = q.detail_record_filter(record_type, filters, date_range, start, end)
        first = await self._detail_page(query, 1, size, sort)
        total = max(1, first.page.total_pages)
        await notify(on_page, 1, total)
        for record in first.records:
            yield record
        del first
        pages = in_order(
            lambda n: self._detail_page(query, n, size, sort, shared=False), 2, total, self.export_concurrency
        )
        async with aclosing(pages):
            async for number, page in pages:
                await notify(on_page, number, total)
                for record in page.records:
                    yield record

    async def audit_events(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page: int = 1,
        size: int = 20,
        sort: str = "desc",
    ) -> AuditEventPage:
        """One page of the account's audit log, newest first by default."""
        q.check_page(page, size, 250)
        if sort not in ("asc", "desc"):
            raise invalid(Check.SORT, "sort")
        window = {
            k: q.iso(v)
            for k, v in (("created_after", created_after), ("created_before", created_before))
            if v
        }
        return await self._read(
            "audit log",
            "/audit_events",
            lambda body: AuditEventPage.model_validate(body, context=_asked(page, size)),
            params=[*q.page_params(page, size), ("sort", sort), *q.deep_object("filter", window)],
        )

    async def webhook_deliveries(
        self,
        *,
        status: str | None = None,
        event_type: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        page: int = 1,
        size: int = 20,
    ) -> WebhookDeliveryPage:
        """One page of webhook deliveries, optionally by status, event type and start time."""
        q.check_page(page, size, 250)
        window = q.webhook_filter(status, event_type, started_after, started_before)
        return await self._read(
            "webhook deliveries",
            "/webhook_deliveries",
            lambda body: WebhookDeliveryPage.model_validate(body, context=_asked(page, size)),
            params=[*q.page_params(page, size), *q.deep_object("filter", window)],
            share=(q.frozen(window), page, size),
        )

    async def webhook_delivery(self, delivery_id: str) -> WebhookDelivery:
        """One webhook delivery with all its attempts."""
        delivery_id = q.require_uuid(delivery_id, "webhook delivery")
        return await self._read(
            "webhook delivery",
            f"/webhook_deliveries/{delivery_id}",
            lambda body: WebhookDelivery.model_validate(body["data"]),
        )


def _auto_recharge_prefs(body: Any) -> AutoRechargePrefs:
    """GET and PATCH /payment/auto_recharge_prefs answer the same object."""
    return AutoRechargePrefs.model_validate(body["data"])
