"""A small Bolt app that does every kind of thing the console must show, independent of the product's handlers.

It runs on the real services (gateway to the sandbox, store, access) and talks to the FakeSlack over HTTP
like the product's app: ephemeral replies, replace_original, in_channel posts, a card with a confirm
dialog updated by chat.update, a DM, a modal with inline errors, a file upload, a message shortcut, a
crash, blocks Slack refuses, and a payment through the gateway.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.app import attach_services, build_services, make_slack_client
from bot.config import Settings
from bot.errors import TelnyxError
from bot.services import Services
from bot.telnyx_client import TelnyxGateway
from formatting import telnyx_errors as words

DIAGNOSE = "fixture_diagnose"


def _text(text: str, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": text}


def section(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": _text(text, "mrkdwn")}
    if accessory:
        block["accessory"] = accessory
    return block


def button(label: str, action_id: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": _text(label), "action_id": action_id, "value": value, **extra}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def field(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _text(label),
        "element": {"action_id": ids.INPUT, **element},
    }


AUTORECHARGE_VIEW = {
    "type": "modal",
    "callback_id": ids.VIEW_AUTORECHARGE,
    "title": _text("Auto-recharge"),
    "submit": _text("Save"),
    "close": _text("Cancel"),
    "blocks": [
        field(
            ids.BLOCK_AR_ENABLED,
            "Enabled",
            {
                "type": "radio_buttons",
                "options": [option("On", "on"), option("Off", "off")],
                "initial_option": option("On", "on"),
            },
        ),
        field(
            ids.BLOCK_AR_THRESHOLD,
            "Threshold (USD)",
            {"type": "number_input", "is_decimal_allowed": True, "min_value": "0", "initial_value": "100.00"},
        ),
        field(
            ids.BLOCK_AR_AMOUNT,
            "Amount (USD)",
            {"type": "number_input", "is_decimal_allowed": True, "min_value": "1"},
        ),
        field(
            ids.BLOCK_AR_PREFERENCE,
            "Pay with",
            {
                "type": "static_select",
                "options": [option("Card / PayPal", "credit_paypal"), option("ACH", "ach")],
            },
        ),
        field(
            ids.BLOCK_AR_INVOICE,
            "Invoice",
            {"type": "checkboxes", "options": [option("E-mail an invoice", "yes")]},
            optional=True,
        ),
    ],
}


def tracked(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Counted in flight, like the product's listeners, so the console knows when the app is done."""

    @functools.wraps(fn)
    async def wrapper(**kwargs: Any) -> None:
        svc: Services = kwargs["context"]["svc"]
        svc.inflight.enter()
        try:
            await fn(**kwargs)
        finally:
            svc.inflight.leave()

    return wrapper


def _sandbox(svc: Services, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    mark = {"type": "context", "elements": [_text(":test_tube: Sandbox data", "mrkdwn")]}
    return [*blocks, mark] if svc.sandbox else blocks


@tracked
async def command(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: Any) -> None:
    """`/telnyx <word>`: one behaviour per word."""
    await ack()
    svc: Services = context["svc"]
    word, _, rest = (body.get("text") or "").strip().partition(" ")
    user = body["user_id"]
    if word == "balance":
        fresh = await svc.telnyx.balance()
        blocks = [
            {"type": "header", "text": _text("Account balance")},
            {
                "type": "section",
                "fields": [
                    _text(f"*Balance*\n${fresh.value.balance}", "mrkdwn"),
                    _text(f"*Available*\n${fresh.value.available_credit}", "mrkdwn"),
                ],
            },
            {
                "type": "actions",
                "elements": [
                    button("Refresh", ids.ACTION_REFRESH_BALANCE, "r"),
                    button("Share in channel", ids.ACTION_SHARE, "balance"),
                ],
            },
        ]
        await respond(text="balance", blocks=_sandbox(svc, blocks))
    elif word == "topup":
        card = [
            section(f"<@{user}> asks for a top-up of *${rest}*"),
            {
                "type": "actions",
                "elements": [
                    button(
                        "Approve",
                        ids.ACTION_TOPUP_APPROVE,
                        f"{user}|{rest}",
                        style="primary",
                        confirm={
                            "title": _text("Approve?"),
                            "text": _text(f"Pay ${rest} now?"),
                            "confirm": _text("Pay"),
                            "deny": _text("Back"),
                        },
                    ),
                    button("Deny", ids.ACTION_TOPUP_DENY, f"{user}|{rest}", style="danger"),
                ],
            },
        ]
        await client.chat_postMessage(channel="C0APPROVALS", text=f"Top-up of ${rest}", blocks=card)
        await respond(text="sent", blocks=_sandbox(svc, [section("Your request went to <#C0APPROVALS>.")]))
    elif word == "autorecharge":
        await client.views_open(trigger_id=body["trigger_id"], view=AUTORECHARGE_VIEW)
    elif word == "export":
        await client.files_upload_v2(
            channel=body["channel_id"],
            filename="usage.csv",
            content=b"a,b\n1,2\n",
            title="usage",
            initial_comment=f"<@{user}> here is the usage.",
        )
    elif word == "crash":
        await svc.telnyx.balance()  # a crash in the middle of the work ...
        await asyncio.sleep(
            0.05
        )  # ... once the ack is out: Bolt answers 404 to a crash within its 10 ms poll
        raise RuntimeError("the fixture crashed on purpose")
    elif word == "invalid":
        await respond(text="broken", blocks=[{"type": "section"}])
    else:
        await respond(text=f"Unknown: {word}")


@tracked
async def refresh(ack: Any, context: Any, respond: Any) -> None:
    """Refresh: the same message, changed (replace_original)."""
    await ack()
    await respond(
        text="fresh",
        blocks=_sandbox(context["svc"], [section("*Refreshed* just now")]),
        replace_original=True,
    )


@tracked
async def share(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    """Share: a channel message."""
    await ack()
    blocks = _sandbox(context["svc"], [section(f"Shared by <@{body['user']['id']}>")])
    await respond(text="shared", response_type="in_channel", replace_original=False, blocks=blocks)


@tracked
async def approve(ack: Any, body: dict[str, Any], context: Any, client: Any) -> None:
    """Approve: pay through the gateway, redraw the card, DM the requester."""
    await ack()
    svc: Services = context["svc"]
    requester, amount = body["actions"][0]["value"].split("|")
    try:
        paid = await svc.telnyx.create_payment(Decimal(amount), idempotency_key="console-fixture")
        outcome = f"approved by <@{body['user']['id']}>, paid ({paid.id})"
    except TelnyxError as err:
        outcome = f"not paid: {words.message(err)}"
    await client.chat_update(
        channel=body["channel"]["id"],
        ts=body["message"]["ts"],
        text=outcome,
        blocks=[section(f"Top-up of *${amount}* {outcome}")],
    )
    await client.chat_postMessage(
        channel=requester, text=outcome, blocks=[section(f"Your top-up of ${amount}: {outcome}")]
    )


@tracked
async def deny(ack: Any, body: dict[str, Any], client: Any, context: Any) -> None:
    """Deny: a modal asking for the reason."""
    await ack()
    where = json.dumps({"channel": body["channel"]["id"], "ts": body["message"]["ts"]})
    view = {
        "type": "modal",
        "callback_id": ids.VIEW_TOPUP_DENY,
        "title": _text("Deny top-up"),
        "submit": _text("Deny"),
        "private_metadata": where,
        "blocks": [field(ids.BLOCK_DENY_REASON, "Reason", {"type": "plain_text_input"})],
    }
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def deny_submitted(ack: Any, view: dict[str, Any], client: Any) -> None:
    """The reason must say something; the card is redrawn."""
    reason = view["state"]["values"][ids.BLOCK_DENY_REASON][ids.INPUT]["value"] or ""
    if len(reason) < 5:
        await ack(
            response_action="errors", errors={ids.BLOCK_DENY_REASON: "Say why in 5 characters or more."}
        )
        return
    await ack()
    where = json.loads(view["private_metadata"])
    await client.chat_update(
        channel=where["channel"], ts=where["ts"], text="denied", blocks=[section(f"Denied: {reason}")]
    )


async def autorecharge_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
    """Threshold above 1000 is refused inline; otherwise the values come back in a DM."""
    values = view["state"]["values"]
    if Decimal(values[ids.BLOCK_AR_THRESHOLD][ids.INPUT]["value"]) > 1000:
        await ack(response_action="errors", errors={ids.BLOCK_AR_THRESHOLD: "At most 1000.00."})
        return
    await ack()
    picked = {block: next(iter(v.values())) for block, v in values.items()}
    summary = ", ".join(
        f"{block}={value.get('value') or (value.get('selected_option') or {}).get('value') or [o['value'] for o in value.get('selected_options') or []]}"
        for block, value in sorted(picked.items())
    )
    await client.chat_postMessage(
        channel=body["user"]["id"], text="saved", blocks=[section(f"Saved: {summary}")]
    )


@tracked
async def diagnose_shortcut(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    """The message shortcut: one Diagnose button per word of the message."""
    await ack()
    words = body["message"]["text"].split()
    blocks = [section(f"`{w}`", button("Diagnose", DIAGNOSE, w)) for w in words]
    await respond(text="diagnosis", blocks=_sandbox(context["svc"], blocks))


@tracked
async def diagnose(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    """A Diagnose button: which one was pressed."""
    await ack()
    await respond(
        text="detail", replace_original=False, blocks=[section(f"Detail of {body['actions'][0]['value']}")]
    )


def make_fixture_app(
    settings: Settings, *, telnyx: TelnyxGateway | None, sandbox: bool
) -> tuple[AsyncApp, Services]:
    """An AsyncApp with the listeners above, on the product's services (the console's AppFactory)."""
    client = make_slack_client(settings)
    svc = build_services(settings, telnyx=telnyx, slack_client=client, sandbox=sandbox)
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret.get_secret_value())  # type: ignore[union-attr]

    @app.middleware
    async def inject(context: Any, next: Any) -> None:  # noqa: A002 - Bolt injects by name
        context["svc"] = svc
        await next()

    app.command(ids.COMMAND)(command)
    app.action(ids.ACTION_REFRESH_BALANCE)(refresh)
    app.action(ids.ACTION_SHARE)(share)
    app.action(ids.ACTION_TOPUP_APPROVE)(approve)
    app.action(ids.ACTION_TOPUP_DENY)(deny)
    app.action(DIAGNOSE)(diagnose)
    app.view(ids.VIEW_TOPUP_DENY)(deny_submitted)
    app.view(ids.VIEW_AUTORECHARGE)(autorecharge_submitted)
    app.shortcut(ids.SHORTCUT_DIAGNOSE_WEBHOOK)(diagnose_shortcut)
    attach_services(app, svc)  # where bot.server.HttpServer finds them, as create_app does
    return app, svc
