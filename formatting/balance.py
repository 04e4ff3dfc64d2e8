"""`/telnyx balance`: the account balance, with a low-credit warning and the top-up button."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from slack_sdk.models.blocks import Block

from bot import ids
from bot.models import Balance
from formatting.layout import actions, button, context, fallback, fields_section, header, section
from formatting.money import money
from formatting.share import sandbox_context
from formatting.text import escape, freshness_line


def is_low(balance: Balance, low_threshold: Decimal) -> bool:
    """True when available credit is strictly below the threshold (equal to it is not low)."""
    return balance.available_credit < low_threshold


def balance_blocks(
    balance: Balance,
    *,
    low_threshold: Decimal,
    fetched_at: datetime,
    from_cache: bool,
    sandbox: bool = False,
    now: datetime | None = None,
    can_request: bool = True,
    runway: tuple[str, str] | None = None,
) -> list[Block]:
    """Balance, available credit, credit limit and pending, a warning when low, top-up and refresh buttons.

    `can_request`: the person who sees it may ask for a top-up (no button they cannot use otherwise).
    `runway`: (the runway line, what its forecast rests on), from formatting.runway.
    """
    cur = balance.currency
    blocks: list[Block] = [
        header("Telnyx account balance"),
        fields_section(
            [
                ("Balance", money(balance.balance, cur)),
                ("Available credit", money(balance.available_credit, cur)),
                ("Credit limit", money(balance.credit_limit, cur)),
                ("Pending", money(balance.pending, cur)),
                ("Currency", escape(cur)),
            ]
        ),
    ]
    if runway is not None:
        blocks.append(section(runway[0]))
        blocks.append(context(f"Runway forecast {runway[1]}. `/telnyx runway` for the details."))
    if is_low(balance, low_threshold):
        blocks.append(
            section(
                f":warning: *Available credit is low:* {money(balance.available_credit, cur)} is below the "
                f"{money(low_threshold, cur)} threshold. Request a top-up before services stop."
            )
        )
    request = button("Request top-up", ids.ACTION_REQUEST_TOPUP, value="topup", style="primary")
    refresh = button("Refresh", ids.ACTION_REFRESH_BALANCE, value="refresh")
    blocks.append(actions(request, refresh) if can_request else actions(refresh))
    blocks.append(context(freshness_line(fetched_at, from_cache=from_cache, now=now)))
    if sandbox:
        blocks.append(sandbox_context())
    return blocks


def balance_text(balance: Balance, *, low_threshold: Decimal | None = None) -> str:
    """Plain fallback for balance_blocks."""
    cur = balance.currency
    text = (
        f"Telnyx balance {money(balance.balance, cur)}, available credit "
        f"{money(balance.available_credit, cur)} (credit limit {money(balance.credit_limit, cur)}, "
        f"pending {money(balance.pending, cur)})."
    )
    if low_threshold is not None and is_low(balance, low_threshold):
        text += f" Warning: available credit is below {money(low_threshold, cur)}."
    return fallback(escape(text))
