"""Answers about access: a denial with its reason, and `/telnyx whoami`."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.access import Decision, RoleMatch
from bot.access.policy import PERMISSION_TEXT
from formatting.layout import context, header, section
from formatting.text import escape


def denied_text(what: str, decision: Decision) -> str:
    """Plain fallback of a denial."""
    return f"You may not {what}: {decision.reason}"


def denied_blocks(what: str, decision: Decision) -> list[Block]:
    """Why the user may not do this, and what decided it; nothing else happened."""
    return [
        section(f":no_entry: *You may not {escape(what)}.*\n{escape(decision.reason)}"),
        context(
            f"Rule: {escape(decision.rule)}. Nothing was changed. `/telnyx whoami` shows your permissions."
        ),
    ]


def whoami_text(user_id: str, roles: Sequence[RoleMatch], decisions: Sequence[Decision]) -> str:
    """Plain fallback of whoami."""
    allowed = [PERMISSION_TEXT[d.permission] for d in decisions if d.allowed]
    role_names = ", ".join(sorted({r.role for r in roles})) or "no role"
    return f"Your roles: {role_names}. You may: {', '.join(allowed) or 'nothing'}."


def whoami_blocks(
    user_id: str, roles: Sequence[RoleMatch], decisions: Sequence[Decision], *, configured: bool
) -> list[Block]:
    """Your roles and, for each permission, allowed or denied and the rule that decided."""
    role_lines = [f"• {escape(r.describe())}" for r in roles] or ["• none"]
    lines = []
    for d in decisions:
        mark = ":white_check_mark:" if d.allowed else ":no_entry_sign:"
        lines.append(f"{mark} *{escape(PERMISSION_TEXT[d.permission])}*: {escape(d.rule)}")
    blocks: list[Block] = [
        header("Your access"),
        section(f"<@{user_id}>, your roles:\n" + "\n".join(role_lines)),
        section("\n".join(lines)),
    ]
    if not configured:
        blocks.append(
            context(
                ":warning: No access policy is configured: everyone may view, nobody may change anything. "
                "An admin sets ACCESS_POLICY to a TOML file (see access.example.toml)."
            )
        )
    return blocks
