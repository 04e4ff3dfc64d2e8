"""The one gateway to Telnyx, over httpx: timeouts, typed answers, errors, payment safety.

`TelnyxGateway` is all the rest of the bot uses; httpx's types and exceptions never leave this package:
answers come out as `bot.models`, failures as `bot.errors`.
"""

from bot.cache import Fresh
from bot.models import WEBHOOK_STATUSES
from bot.telnyx_client.gateway import IDEMPOTENCY_HEADER, PAYMENT_PATH, TelnyxGateway
from bot.telnyx_client.queries import DATE_RANGES, RECORD_TYPES
from bot.telnyx_client.transport import MAX_TIMEOUT

__all__ = [
    "DATE_RANGES",
    "IDEMPOTENCY_HEADER",
    "MAX_TIMEOUT",
    "PAYMENT_PATH",
    "RECORD_TYPES",
    "WEBHOOK_STATUSES",
    "Fresh",
    "TelnyxGateway",
]
