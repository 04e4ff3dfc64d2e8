"""Block Kit answers: pure functions, domain data in, slack_sdk Block objects out.

Every builder `<thing>_blocks(...)` has a plain `<thing>_text(...)` fallback for `text=`. Builders stay
within `BLOCK_BUDGET` blocks, so `with_share_button`, `shared_by_context`, `sandbox_context` and one
`freshness_context` always fit.
"""

from formatting.audit import audit_blocks, audit_text
from formatting.balance import balance_blocks, balance_text, is_low
from formatting.charges import (
    charges_breakdown_blocks,
    charges_breakdown_text,
    charges_summary_blocks,
    charges_summary_text,
)
from formatting.errors import error_blocks, error_text
from formatting.export import (
    export_done_blocks,
    export_done_text,
    export_progress_blocks,
    export_progress_text,
)
from formatting.help import (
    HelpEntry,
    help_blocks,
    help_text,
    unknown_command_blocks,
    unknown_command_text,
    usage_error_blocks,
    usage_error_text,
)
from formatting.invoices import invoice_blocks, invoice_text, invoices_blocks, invoices_text
from formatting.layout import BLOCK_BUDGET, MAX_BLOCKS, freshness_context
from formatting.money import money
from formatting.share import channel_copy, sandbox_context, shared_by_context, with_share_button
from formatting.tags import tags_blocks, tags_text
from formatting.usage import UsageStats, usage_blocks, usage_text
from formatting.webhooks import (
    no_ids_blocks,
    no_ids_text,
    webhook_blocks,
    webhook_text,
    webhooks_blocks,
    webhooks_text,
)

__all__ = [
    "BLOCK_BUDGET",
    "MAX_BLOCKS",
    "HelpEntry",
    "UsageStats",
    "audit_blocks",
    "audit_text",
    "balance_blocks",
    "balance_text",
    "channel_copy",
    "charges_breakdown_blocks",
    "charges_breakdown_text",
    "charges_summary_blocks",
    "charges_summary_text",
    "error_blocks",
    "error_text",
    "export_done_blocks",
    "export_done_text",
    "export_failed_blocks",
    "export_progress_blocks",
    "export_progress_text",
    "freshness_context",
    "help_blocks",
    "help_text",
    "invoice_blocks",
    "invoice_text",
    "invoices_blocks",
    "invoices_text",
    "is_low",
    "money",
    "no_ids_blocks",
    "no_ids_text",
    "sandbox_context",
    "shared_by_context",
    "tags_blocks",
    "tags_text",
    "unknown_command_blocks",
    "unknown_command_text",
    "usage_blocks",
    "usage_error_blocks",
    "usage_error_text",
    "usage_text",
    "webhook_blocks",
    "webhook_text",
    "webhooks_blocks",
    "webhooks_text",
    "with_share_button",
]
