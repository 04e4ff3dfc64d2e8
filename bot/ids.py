"""Every slash command, callback_id, action_id, block_id and step parameter the app registers.

`manifest.yml` is checked against these constants by a test.
"""

COMMAND = "/telnyx"

# Message shortcuts (manifest: features.shortcuts, type message)
SHORTCUT_DIAGNOSE_WEBHOOK = "diagnose_webhook_delivery"
SHORTCUT_LOOKUP_INVOICE = "lookup_invoice"
MESSAGE_SHORTCUTS = (SHORTCUT_DIAGNOSE_WEBHOOK, SHORTCUT_LOOKUP_INVOICE)
GLOBAL_SHORTCUTS: tuple[str, ...] = ()

# Workflow Builder steps (manifest: functions, keyed by callback_id) and their input parameters
FUNCTION_BALANCE = "get_telnyx_balance"
FUNCTION_TOPUP = "request_telnyx_topup"
FUNCTIONS = (FUNCTION_BALANCE, FUNCTION_TOPUP)
PARAM_USER = "user"  # both steps: the person running the workflow (slack#/types/user_context)
PARAM_AMOUNT = "amount"
PARAM_REASON = "reason"

# Buttons
ACTION_SHARE = "share_in_channel"
ACTION_REFRESH_BALANCE = "balance_refresh"
ACTION_REQUEST_TOPUP = "topup_request_open"
ACTION_INVOICE_DOWNLOAD = "invoice_download"
ACTION_INVOICE_LINK = "invoice_link_open"  # the link button itself: Slack still sends a click, ack only
ACTION_CHARGES_CSV = "charges_breakdown_csv"
ACTION_USAGE_NEXT = "usage_next_page"
ACTION_USAGE_PREV = "usage_prev_page"
ACTION_USAGE_EXPORT = "usage_export_csv"
ACTION_WEBHOOK_DETAIL = "webhook_detail"
ACTION_AUTORECHARGE_EDIT = "autorecharge_edit"
ACTION_TOPUP_APPROVE = "topup_approve"
ACTION_TOPUP_DENY = "topup_deny"
ACTION_TOPUP_PAID = "topup_resolve_paid"  # an unknown outcome: finance saw the charge
ACTION_TOPUP_NOT_CHARGED = "topup_resolve_not_charged"  # ... or saw that nothing was charged
ACTION_ALERT_ACK = "alert_acknowledge"
ACTION_ALERT_SNOOZE = "alert_snooze"  # a select: 1 h, 1 d, 1 w
ACTION_ALERT_TOPUP = "alert_request_topup"
ACTION_ALERT_RULE_ADD = "alert_rule_add"
ACTION_ALERT_RULE_EDIT = "alert_rule_edit"
ACTION_ALERT_RULE_DELETE = "alert_rule_delete"
ACTION_DIGEST_OFF = "digest_off"  # Home: turn one digest subscription off
ACTION_HOME_REFRESH = "home_refresh"

# Events (manifest: settings.event_subscriptions.bot_events, beside the steps' function_executed)
EVENT_HOME_OPENED = "app_home_opened"

# Modals
VIEW_AUTORECHARGE = "autorecharge_modal"
VIEW_TOPUP_REQUEST = "topup_request_modal"
VIEW_TOPUP_DENY = "topup_deny_modal"
VIEW_TOPUP_APPROVE = "topup_approve_modal"
VIEW_TOPUP_RESOLVE = "topup_resolve_modal"
VIEW_ALERT_RULE = "alert_rule_modal"

# Blocks and inputs of the modals
BLOCK_AR_ENABLED = "ar_enabled"
BLOCK_AR_THRESHOLD = "ar_threshold"
BLOCK_AR_AMOUNT = "ar_amount"
BLOCK_AR_PREFERENCE = "ar_preference"
BLOCK_AR_INVOICE = "ar_invoice"
BLOCK_TOPUP_AMOUNT = "topup_amount"
BLOCK_TOPUP_REASON = "topup_reason"
BLOCK_DENY_REASON = "deny_reason"
BLOCK_RESOLVE_NOTE = "resolve_note"
BLOCK_ALERT_KIND = "alert_kind"
BLOCK_ALERT_THRESHOLD = "alert_threshold"
BLOCK_ALERT_ENDPOINT = "alert_endpoint"
BLOCK_ALERT_CHANNEL = "alert_channel"
BLOCK_ALERT_RENOTIFY = "alert_renotify"
INPUT = "value"  # the action_id of the single element inside each input block
