"""Raw Telnyx JSON -> bot.models. Money becomes Decimal (never float), times become aware UTC datetimes.

Every function takes the decoded body of one response (`load_json` decodes with `parse_float=Decimal`, so
even a number the API sends unquoted never passes through a float). A missing or malformed required field
raises `ValueError` (pydantic's ValidationError is one) or `KeyError`; the gateway turns either into a
user-facing error.
"""

from bot.telnyx_parse.activity import (
    audit_event,
    audit_event_page,
    detail_record,
    detail_record_page,
    user_tags,
    webhook_delivery,
    webhook_delivery_detail,
    webhook_delivery_page,
)
from bot.telnyx_parse.billing import (
    auto_recharge_prefs,
    balance,
    charges_breakdown,
    charges_summary,
    invoice,
    invoice_detail,
    invoice_page,
    payment,
)
from bot.telnyx_parse.wire import load_json, money, page_meta, problems, timestamp

__all__ = [
    "audit_event",
    "audit_event_page",
    "auto_recharge_prefs",
    "balance",
    "charges_breakdown",
    "charges_summary",
    "detail_record",
    "detail_record_page",
    "invoice",
    "invoice_detail",
    "invoice_page",
    "load_json",
    "money",
    "page_meta",
    "payment",
    "problems",
    "timestamp",
    "user_tags",
    "webhook_delivery",
    "webhook_delivery_detail",
    "webhook_delivery_page",
]
