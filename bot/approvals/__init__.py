"""Top-ups approved by finance: the state machine (`machine`), its data (`model`) and storage (`ledger`).

Import from here: `from bot.approvals import Approvals, TopupState, TopupError`.
"""

from bot.approvals.machine import Approvals, Pay, ReadBalance
from bot.approvals.model import (
    COUNTED,
    CURRENCY,
    IN_FLIGHT,
    AccessDenied,
    InvalidAmount,
    InvalidReason,
    LimitExceeded,
    Outcome,
    Resolution,
    TooManyPending,
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
    "IN_FLIGHT",
    "AccessDenied",
    "Approvals",
    "InvalidAmount",
    "InvalidReason",
    "LimitExceeded",
    "Outcome",
    "Pay",
    "ReadBalance",
    "Resolution",
    "TooManyPending",
    "TopupError",
    "TopupRequest",
    "TopupState",
    "Transition",
    "UnknownRequest",
    "parse_amount",
    "status_text",
]
