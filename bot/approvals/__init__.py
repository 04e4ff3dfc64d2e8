"""Top-ups approved by finance: the state machine (`machine`), its data (`model`) and storage (`ledger`).

Import from here: `from bot.approvals import Approvals, TopupState, TopupError`. The words for states and
refusals are in formatting/approvals.py.
"""

from bot.approvals.ledger import Observer, Tx
from bot.approvals.machine import Approvals, Pay, ReadBalance
from bot.approvals.model import (
    COUNTED,
    CURRENCY,
    IN_FLIGHT,
    LIMITS,
    AccessDenied,
    InvalidAmount,
    InvalidReason,
    LimitExceeded,
    Outcome,
    Refusal,
    Refused,
    Resolution,
    TooManyPending,
    TopupError,
    TopupRequest,
    TopupState,
    Transition,
    UnknownRequest,
    parse_amount,
)

__all__ = [
    "COUNTED",
    "CURRENCY",
    "IN_FLIGHT",
    "LIMITS",
    "AccessDenied",
    "Approvals",
    "InvalidAmount",
    "InvalidReason",
    "LimitExceeded",
    "Observer",
    "Outcome",
    "Pay",
    "ReadBalance",
    "Refusal",
    "Refused",
    "Resolution",
    "TooManyPending",
    "TopupError",
    "TopupRequest",
    "TopupState",
    "Transition",
    "Tx",
    "UnknownRequest",
    "parse_amount",
]
