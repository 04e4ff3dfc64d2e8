"""The console's guard on real money: against the real account, every payment is confirmed at the prompt.

The guard sits on the gateway's one payment call, so it holds whatever handler or state machine asks
for a payment. A declined payment is never sent; the top-up ends `failed` and says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from bot.errors import Kind, PaymentNotCharged, TelnyxError
from bot.models import PaymentResult
from bot.telnyx_client import TelnyxGateway

Confirm = Callable[[Decimal], Awaitable[bool]]


class PaymentDeclined(PaymentNotCharged):
    """The person at the console said no: nothing was sent to Telnyx (proof nothing was charged)."""

    def __init__(self) -> None:
        super().__init__(TelnyxError(Kind.DECLINED, subject="payment"), sent=False)


class ConfirmingGateway(TelnyxGateway):
    """A TelnyxGateway whose `create_payment` first asks `confirm(amount)`; with no `confirm` it refuses."""

    confirm: Confirm | None = None

    async def create_payment(self, amount: Decimal, *, idempotency_key: str) -> PaymentResult:
        """Ask, then send once (or raise PaymentDeclined without sending)."""
        if self.confirm is None or not await self.confirm(amount):
            raise PaymentDeclined()
        return await super().create_payment(amount, idempotency_key=idempotency_key)
