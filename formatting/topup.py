"""The top-up approval card (pending, then redrawn after the decision), the request modal and the DMs."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot import ids
from bot.approvals import Resolution, TopupRequest, TopupState
from bot.approvals.evidence import Evidence
from bot.models import Balance
from formatting.layout import actions, button, context, fields_section, header, section
from formatting.money import money
from formatting.telnyx_errors import topup_failure
from formatting.text import escape, slack_date

STATE_LINE = {
    TopupState.PENDING: ":hourglass_flowing_sand: Waiting for finance",
    TopupState.APPROVED: ":white_check_mark: Approved, paying",
    TopupState.EXECUTING: ":arrows_counterclockwise: Approved, payment in progress",
    TopupState.SUCCEEDED: ":white_check_mark: Paid",
    TopupState.FAILED: ":x: Payment failed, nothing charged",
    TopupState.OUTCOME_UNKNOWN: ":warning: Payment outcome unknown",
    TopupState.DENIED: ":no_entry: Denied",
    TopupState.EXPIRED: ":alarm_clock: Expired",
}


RESOLVED_LINE = {
    Resolution.PAID: ":white_check_mark: Paid (outcome confirmed by finance)",
    Resolution.NOT_CHARGED: ":x: Not charged (outcome confirmed by finance)",
}


def state_line(r: TopupRequest) -> str:
    """The emoji and words of the request's state."""
    return RESOLVED_LINE[r.resolution] if r.resolution is not None else STATE_LINE[r.state]


def _amount(r: TopupRequest) -> str:
    return money(r.amount, r.currency)


def card_text(r: TopupRequest) -> str:
    """Plain fallback of the card (notifications)."""
    return f"Top-up request {_amount(r)} by <@{r.requester}>: {state_line(r).split(' ', 1)[1]}"


def _resolution_lines(r: TopupRequest, by: str, at: str) -> list[str]:
    """An unknown outcome closed by finance: what they decided, who, when, and their note."""
    who = f"<@{r.resolved_by}>" if r.resolved_by else "finance"
    when = slack_date(r.resolved_at) if r.resolved_at else ""
    verdict = "it was paid" if r.resolution is Resolution.PAID else "nothing was charged"
    lines = [
        f"Approved by {by} {at}; the payment's outcome was unknown ({escape(topup_failure(r) or 'no answer')}).",
        f"{who} checked and confirmed {verdict} {when}: {escape(r.resolution_note or '')}",
    ]
    if r.resolution is Resolution.NOT_CHARGED:
        lines.append("A new request is needed to try again.")
    return lines


def _decision_lines(r: TopupRequest) -> list[str]:
    by = f"<@{r.decided_by}>" if r.decided_by else "nobody"
    at = slack_date(r.decided_at) if r.decided_at else ""
    if r.resolution is not None:
        return _resolution_lines(r, by, at)
    if r.state == TopupState.SUCCEEDED:
        lines = [
            f"Approved by {by} {at}. Telnyx transaction `{escape(r.transaction_id or '?')}`, "
            f"processor status *{escape(r.processor_status or 'unknown')}*."
        ]
        if r.new_balance is not None:
            lines.append(f"New balance: *{money(r.new_balance, r.currency)}*")
        return lines
    if r.state == TopupState.FAILED:
        return [
            f"Approved by {by} {at}, but Telnyx did not take the payment: {escape(topup_failure(r) or 'unknown error')}",
            "Nothing was charged. A new request is needed to try again.",
        ]
    if r.state == TopupState.OUTCOME_UNKNOWN:
        lines = [
            f"Approved by {by} {at}. *Outcome unknown: {_amount(r)} may or may not have been charged.* "
            f"{escape(topup_failure(r) or '')}",
            "*Finance: check the payment history and balance in the Telnyx portal*, then close this with "
            "*Paid* or *Not charged*. The bot never retries a payment; do not pay again before checking. "
            "Until it is closed, the amount counts against the daily limit.",
        ]
        if r.transaction_id:
            lines.append(f"Telnyx answered late that it was paid: transaction `{escape(r.transaction_id)}`.")
        return lines
    if r.state == TopupState.DENIED:
        return [f"Denied by {by} {at}: {escape(r.deny_reason or '')}"]
    if r.state == TopupState.EXPIRED:
        return [
            f"Nobody decided before {slack_date(r.expires_at)}; it can no longer be approved. "
            "Ask again with `/telnyx topup` if it is still needed."
        ]
    if r.state in (TopupState.APPROVED, TopupState.EXECUTING):
        return [f"Approved by {by} {at}; the payment is being sent."]
    return [f"Expires {slack_date(r.expires_at)}."]


def evidence_line(r: TopupRequest, evidence: Evidence) -> str:
    """What Telnyx's audit log says about an unknown outcome."""
    if not evidence.looked:
        return ":grey_question: Evidence: Telnyx's audit log could not be read just now."
    if evidence.found and evidence.at is not None:
        return (
            f":mag: Evidence: Telnyx's audit log shows the balance rose by {_amount(r)} "
            f"({money(evidence.before or 0, r.currency)} to {money(evidence.after or 0, r.currency)}) "
            f"{slack_date(evidence.at)} (event `{escape(evidence.event_id or '?')}`): the payment probably "
            "went through."
        )
    return (
        f":mag: Evidence: Telnyx's audit log shows no balance rise of {_amount(r)} since the attempt "
        "(it may still appear; an absence is not proof)."
    )


def _confirmed(
    label: str, action_id: str, r: TopupRequest, title: str, text: str, style: str
) -> ButtonElement:
    """A button of the card whose click Slack confirms first."""
    element = button(label, action_id, value=r.id, style=style)
    element.confirm = ConfirmObject(title=title, text=text, confirm=f"Yes, {label.lower()}", deny="Cancel")
    return element


def decision_buttons(r: TopupRequest, *, can_approve: bool = True) -> Block:
    """Approve (confirmed first: it pays) and Deny, for a pending request; `can_approve` False leaves
    Approve out (the reader is the requester: four eyes)."""
    confirm = ConfirmObject(
        title="Approve this top-up?",
        text=f"This charges the stored payment method {_amount(r)}, once.",
        confirm=f"Pay {_amount(r)}"[:30],
        deny="Cancel",
    )
    approve = button(f"Approve {_amount(r)}", ids.ACTION_TOPUP_APPROVE, value=r.id, style="primary")
    approve.confirm = confirm
    deny = button("Deny", ids.ACTION_TOPUP_DENY, value=r.id, style="danger")
    return actions(approve, deny) if can_approve else actions(deny)


def resolve_buttons(r: TopupRequest) -> Block:
    """Paid / Not charged (each confirmed first) for an unknown outcome."""
    note = "You will add a note."
    paid = _confirmed(
        "Paid",
        ids.ACTION_TOPUP_PAID,
        r,
        "Mark as paid?",
        f"Only if the Telnyx portal shows the {_amount(r)} charge. {note}",
        "primary",
    )
    unpaid = _confirmed(
        "Not charged",
        ids.ACTION_TOPUP_NOT_CHARGED,
        r,
        "Mark as not charged?",
        f"Only if the Telnyx portal shows no {_amount(r)} charge. {note}",
        "danger",
    )
    return actions(paid, unpaid)


def card_blocks(
    r: TopupRequest, balance: Balance | None = None, evidence: Evidence | None = None
) -> list[Block]:
    """The approval card: Approve/Deny while pending, Paid/Not charged while the outcome is unknown;
    otherwise who decided, when, and the result.

    A pending card shows the balance for the approver; `balance` None there means it could not be read,
    and the card says so rather than leave it out without a word.
    """
    pairs = [
        ("Amount", _amount(r)),
        ("Requested by", f"<@{r.requester}>"),
        ("Reason", escape(r.reason) or "_none given_"),
        ("Requested", slack_date(r.created_at)),
    ]
    if balance is not None:
        pairs += [
            ("Balance", money(balance.balance, balance.currency)),
            ("Available credit", money(balance.available_credit, balance.currency)),
        ]
    elif r.state == TopupState.PENDING:
        pairs.append(("Balance", "_unavailable right now_: it could not be read from Telnyx"))
    blocks: list[Block] = [
        header(f"Top-up request: {_amount(r)}"),
        fields_section(pairs),
        section(f"*{state_line(r)}*\n" + "\n".join(_decision_lines(r))),
    ]
    if r.state == TopupState.PENDING:
        blocks.append(decision_buttons(r))
    if r.state == TopupState.OUTCOME_UNKNOWN:
        if evidence is not None:
            blocks.append(section(evidence_line(r, evidence)))
        blocks.append(resolve_buttons(r))
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
        ),
        context(f"Request `{r.id}`; it expires {slack_date(r.expires_at)}."),
    ]


def decision_dm_text(r: TopupRequest) -> str:
    """The requester's direct message after a decision."""
    lines = _decision_lines(r)
    return f"Your top-up request for {_amount(r)}: {state_line(r).split(' ', 1)[1]}. " + " ".join(lines)


def decision_dm_blocks(r: TopupRequest) -> list[Block]:
    """The same, in blocks."""
    return [
        section(
            f"Your top-up request for *{_amount(r)}*: *{state_line(r)}*\n" + "\n".join(_decision_lines(r))
        ),
        context(f"Request `{r.id}`"),
    ]


def stopped_notice_text(r: TopupRequest) -> str:
    """The approvals channel is told that a payment was left unfinished by a stopped bot."""
    return (
        f"Top-up {_amount(r)} requested by <@{r.requester}>: the bot stopped while sending the payment, so "
        "its outcome is unknown. Finance: check the Telnyx portal, then close it with Paid or Not charged."
    )


def stopped_notice_blocks(r: TopupRequest) -> list[Block]:
    """The same, in blocks (a reply in the card's thread)."""
    return [
        section(
            f":warning: *Outcome unknown:* the bot stopped while sending the payment of *{_amount(r)}* "
            f"requested by <@{r.requester}>, so it may or may not have been charged.\n*Finance: check the "
            "payment history and balance in the Telnyx portal*, then close it on the card with *Paid* or "
            "*Not charged*. Do not pay again before checking."
        ),
        context(f"Request `{r.id}`"),
    ]


def notice_blocks(message: str, r: TopupRequest | None) -> list[Block]:
    """An answer only the clicker sees: what already happened to the request, or why nothing did."""
    if r is not None and r.state != TopupState.PENDING:
        text = f"*{state_line(r)}*\n" + "\n".join(_decision_lines(r))  # user text escaped in there
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


def request_modal(
    private_metadata: str,
    *,
    max_topup: Decimal,
    amount: Decimal | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> View:
    """The "Request top-up" form opened from the balance, or from an alert with a suggested amount (and a
    `note` saying how it was worked out)."""
    intro: list[Block] = [section(escape(note))] if note else []
    return View(
        type="modal",
        callback_id=ids.VIEW_TOPUP_REQUEST,
        title=PlainTextObject(text="Request a top-up"),
        submit=PlainTextObject(text="Send to finance"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=[
            *intro,
            InputBlock(
                block_id=ids.BLOCK_TOPUP_AMOUNT,
                label=PlainTextObject(text="Amount (USD)"),
                element=PlainTextInputElement(
                    action_id=ids.INPUT,
                    placeholder=f"e.g. 100.00 (at most {money(max_topup, 'USD')})",
                    initial_value=f"{amount:.2f}" if amount else None,
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_TOPUP_REASON,
                label=PlainTextObject(text="Reason"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.INPUT, max_length=500, placeholder="What is it for?", initial_value=reason
                ),
            ),
        ],
    )


def resolve_modal(private_metadata: str, r: TopupRequest, resolution: Resolution) -> View:
    """Paid / Not charged asks for a note: what finance saw in the portal."""
    paid = resolution is Resolution.PAID
    verdict = f"*{_amount(r)} was charged*" if paid else f"*nothing was charged* ({_amount(r)} was not taken)"
    blocks: list[Block] = [
        section(
            f"You are confirming that {verdict} for the top-up requested by <@{r.requester}>. "
            "This closes the unknown outcome for good."
        )
    ]
    blocks.append(
        InputBlock(
            block_id=ids.BLOCK_RESOLVE_NOTE,
            label=PlainTextObject(text="Note (what you checked)"),
            element=PlainTextInputElement(
                action_id=ids.INPUT,
                multiline=True,
                max_length=500,
                placeholder="e.g. Portal > Payments shows the charge at 14:02",
            ),
        )
    )
    return View(
        type="modal",
        callback_id=ids.VIEW_TOPUP_RESOLVE,
        title=PlainTextObject(text="Paid" if paid else "Not charged"),
        submit=PlainTextObject(text="Confirm"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
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
