"""Top-ups approved by finance: the state machine (`machine`), its data (`model`) and storage (`ledger`).

Import from here: `from bot.approvals import Approvals, TopupState, TopupError`.
"""

from bot.approvals.machine import Approvals, Pay, ReadBalance
from bot.approvals.model import (
    COUNTED,
    CURRENCY,
    AccessDenied,
    InvalidAmount,
    InvalidReason,
    LimitExceeded,
    Outcome,
    TopupError,
    TopupRequest,
    TopupState,
    Transition,
    UnknownRequest,
    parse_amount,
    status_text,
)

__all__ = [
    "COUNTED",
    "CURRENCY",
    "AccessDenied",
    "Approvals",
    "InvalidAmount",
    "InvalidReason",
    "LimitExceeded",
    "Outcome",
    "Pay",
    "ReadBalance",
    "TopupError",
    "TopupRequest",
    "TopupState",
    "Transition",
    "UnknownRequest",
    "parse_amount",
    "status_text",
]
