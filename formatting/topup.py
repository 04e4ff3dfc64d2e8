"""The top-up approval card (pending, then redrawn after the decision), the request modal and the DMs."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    ConfirmObject,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot import ids
from bot.approvals import TopupRequest, TopupState
from bot.models import Balance
from formatting.layout import actions, button, context, fields_section, header, section
from formatting.money import money
from formatting.text import escape, slack_date

STATE_LINE = {
    TopupState.PENDING: ":hourglass_flowing_sand: Waiting for finance",
    TopupState.APPROVED: ":white_check_mark: Approved, paying",
    TopupState.EXECUTING: ":arrows_counterclockwise: Approved, payment in progress",
    TopupState.SUCCEEDED: ":white_check_mark: Paid",
    TopupState.FAILED: ":x: Payment failed",
    TopupState.OUTCOME_UNKNOWN: ":warning: Payment outcome unknown",
    TopupState.DENIED: ":no_entry: Denied",
    TopupState.EXPIRED: ":alarm_clock: Expired",
}


def _amount(r: TopupRequest) -> str:
    return money(r.amount, r.currency)


def card_text(r: TopupRequest) -> str:
    """Plain fallback of the card (notifications)."""
    return f"Top-up request {_amount(r)} by <@{r.requester}>: {STATE_LINE[r.state].split(' ', 1)[1]}"


def _decision_lines(r: TopupRequest) -> list[str]:
    by = f"<@{r.decided_by}>" if r.decided_by else "nobody"
    at = slack_date(r.decided_at) if r.decided_at else ""
    if r.state == TopupState.SUCCEEDED:
        lines = [f"Approved by {by} {at}. Telnyx transaction `{escape(r.transaction_id or '?')}`, "
                 f"processor status *{escape(r.processor_status or 'unknown')}*."]  # fmt: skip
        if r.new_balance is not None:
            lines.append(f"New balance: *{money(r.new_balance, r.currency)}*")
        return lines
    if r.state == TopupState.FAILED:
        return [f"Approved by {by} {at}, but the payment failed: {escape(r.error or 'unknown error')}",
                "Nothing was charged. A new request is needed to try again."]  # fmt: skip
    if r.state == TopupState.OUTCOME_UNKNOWN:
        return [f"Approved by {by} {at}. The payment was sent but Telnyx did not answer in time: it may or "
                "may not have been charged.", "*Check the payment history in the Telnyx portal.* The bot "
                "will not retry it; do not request it again before checking."]  # fmt: skip
    if r.state == TopupState.DENIED:
        return [f"Denied by {by} {at}: {escape(r.deny_reason or '')}"]
    if r.state == TopupState.EXPIRED:
        return [f"Nobody decided before {slack_date(r.expires_at)}; it can no longer be approved. "
                "Ask again with `/telnyx topup` if it is still needed."]  # fmt: skip
    if r.state in (TopupState.APPROVED, TopupState.EXECUTING):
        return [f"Approved by {by} {at}; the payment is being sent."]
    return [f"Expires {slack_date(r.expires_at)}."]


def card_blocks(r: TopupRequest, balance: Balance | None = None) -> list[Block]:
    """The approval card: buttons only while pending; afterwards who decided, when, and the result."""
    pairs = [
        ("Amount", _amount(r)),
        ("Requested by", f"<@{r.requester}>"),
        ("Reason", escape(r.reason) or "_none given_"),
        ("Requested", slack_date(r.created_at)),
    ]
    if balance is not None:
        pairs += [("Balance", money(balance.balance, balance.currency)),
                  ("Available credit", money(balance.available_credit, balance.currency))]  # fmt: skip
    blocks: list[Block] = [
        header(f"Top-up request: {_amount(r)}"),
        fields_section(pairs),
        section(f"*{STATE_LINE[r.state]}*\n" + "\n".join(_decision_lines(r))),
    ]
    if r.state == TopupState.PENDING:
        confirm = ConfirmObject(
            title="Approve this top-up?",
            text=f"This charges the stored payment method {_amount(r)}, once.",
            confirm=f"Pay {_amount(r)}"[:30],
            deny="Cancel",
        )
        approve = button(f"Approve {_amount(r)}", ids.ACTION_TOPUP_APPROVE, value=r.id, style="primary")
        approve.confirm = confirm
        blocks.append(actions(approve, button("Deny", ids.ACTION_TOPUP_DENY, value=r.id, style="danger")))
    blocks.append(
        context(f"Request `{r.id}`. Only finance may decide; the requester may not approve their own.")
    )
    return blocks


def requested_blocks(r: TopupRequest, approvals_channel: str) -> list[Block]:
    """What the requester sees after asking."""
    return [
        section(
            f":inbox_tray: Your top-up request for *{_amount(r)}* was sent to <#{approvals_channel}> for "
            f"finance to approve. You will get a direct message when it is decided."
        ),  # fmt: skip
        context(f"Request `{r.id}`; it expires {slack_date(r.expires_at)}."),
    ]


def decision_dm_text(r: TopupRequest) -> str:
    """The requester's direct message after a decision."""
    lines = _decision_lines(r)
    return f"Your top-up request for {_amount(r)}: {STATE_LINE[r.state].split(' ', 1)[1]}. " + " ".join(lines)


def decision_dm_blocks(r: TopupRequest) -> list[Block]:
    """The same, in blocks."""
    return [
        section(
            f"Your top-up request for *{_amount(r)}*: *{STATE_LINE[r.state]}*\n"
            + "\n".join(_decision_lines(r))
        ),
        context(f"Request `{r.id}`"),
    ]


def notice_blocks(message: str, r: TopupRequest | None) -> list[Block]:
    """An answer only the clicker sees: what already happened to the request, or why nothing did."""
    if r is not None and r.state != TopupState.PENDING:
        text = f"*{STATE_LINE[r.state]}*\n" + "\n".join(_decision_lines(r))  # user text escaped in there
    else:
        text = f":information_source: {escape(message)}"
    blocks: list[Block] = [section(text)]
    if r is not None:
        blocks.append(context(f"Top-up request `{r.id}` for {_amount(r)} by <@{r.requester}>."))
    return blocks


def card_not_posted_blocks(r: TopupRequest, channel: str, error: str) -> list[Block]:
    """The requester's answer when the approval card could not be posted: nobody can approve it."""
    return [
        section(
            f":warning: Your top-up request for *{_amount(r)}* was stored, but its approval card could not "
            f"be posted in <#{channel}> (`{escape(error)}`), so finance cannot see it. Nothing will be "
            "charged. Ask an admin to invite the bot to that channel, then request again."
        ),
        context(f"Request `{r.id}` will expire {slack_date(r.expires_at)} without a decision."),
    ]


def request_modal(private_metadata: str, *, max_topup: Decimal) -> View:
    """The "Request top-up" form opened from the balance."""
    return View(
        type="modal",
        callback_id=ids.VIEW_TOPUP_REQUEST,
        title=PlainTextObject(text="Request a top-up"),
        submit=PlainTextObject(text="Send to finance"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=ids.BLOCK_TOPUP_AMOUNT,
                label=PlainTextObject(text="Amount (USD)"),
                element=PlainTextInputElement(
                    action_id=ids.INPUT, placeholder=f"e.g. 100.00 (at most {money(max_topup, 'USD')})"
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_TOPUP_REASON,
                label=PlainTextObject(text="Reason"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.INPUT, max_length=500, placeholder="What is it for?"
                ),
            ),
        ],
    )


def deny_modal(private_metadata: str, r: TopupRequest) -> View:
    """Deny asks for a reason, which the requester will read."""
    return View(
        type="modal",
        callback_id=ids.VIEW_TOPUP_DENY,
        title=PlainTextObject(text="Deny top-up"),
        submit=PlainTextObject(text="Deny"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            section(f"Deny the top-up of *{_amount(r)}* requested by <@{r.requester}>?"),
            InputBlock(
                block_id=ids.BLOCK_DENY_REASON,
                label=PlainTextObject(text="Reason (sent to the requester)"),
                element=PlainTextInputElement(action_id=ids.INPUT, multiline=True, max_length=500),
            ),
        ],
    )
