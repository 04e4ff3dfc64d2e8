"""Answers about access: a denial with its reason, and `/telnyx whoami`.

bot/access decides with data (`Decision`: a `Verdict`, the role that granted it, the roles that would,
the group lookups that failed); these are its words.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.access import EVERYONE, Decision, Lookup, LookupFailure, Permission, RoleMatch, Verdict
from bot.access.policy import GROUP_ID
from formatting.layout import context, header, section
from formatting.text import escape

PERMISSION_TEXT = {
    Permission.VIEW: "view the Telnyx account",
    Permission.REQUEST_TOPUP: "request top-ups",
    Permission.APPROVE_TOPUP: "approve or deny top-ups",
    Permission.CHANGE_AUTORECHARGE: "change auto-recharge",
    Permission.ADMIN: "administer the bot",
}
_LOOKUPS = {
    Lookup.SLACK_ERROR: "Slack answered '{detail}'",
    Lookup.UNREACHABLE: "could not reach Slack: {detail}",
    Lookup.FAILED: "lookup failed: {detail}",
}


def role_text(match: RoleMatch) -> str:
    """E.g. 'role finance via group S0FINANCE'."""
    if match.via == EVERYONE:
        return f'role {match.role} via "*" (everyone)'
    if GROUP_ID.match(match.via):
        return f"role {match.role} via group {match.via}"
    return f"role {match.role} (listed as {match.via})"


def lookup_text(failure: LookupFailure) -> str:
    """Why a group's membership could not be checked."""
    return _LOOKUPS[failure.why].format(detail=failure.detail)


def rule_text(decision: Decision) -> str:
    """What decided, in a few words (whoami, the denial's footer, the audit channel)."""
    match decision.verdict:
        case Verdict.GRANTED if decision.match is not None:
            return role_text(decision.match)
        case Verdict.OPEN_VIEW:
            return "no policy configured: everyone may view"
        case Verdict.READ_ONLY:
            return "no policy configured: changes are disabled"
        case Verdict.LOOKUP_FAILED:
            return "group lookup failed: " + ", ".join(f.group for f in decision.failures)
        case _:
            return f"no role grants {decision.permission.value}"


def reason_text(decision: Decision) -> str:
    """The sentence for the person: allowed, or why not and what to do."""
    what = PERMISSION_TEXT[decision.permission]
    match decision.verdict:
        case Verdict.GRANTED | Verdict.OPEN_VIEW:
            return f"You may {what}."
        case Verdict.READ_ONLY:
            return (
                f"You cannot {what}: no access policy is configured, so the bot is read-only. "
                "An admin must set ACCESS_POLICY to a policy file (see access.example.toml)."
            )
        case Verdict.LOOKUP_FAILED:
            groups = ", ".join(f.group for f in decision.failures)
            why = lookup_text(decision.failures[0]) if decision.failures else "no answer"
            return (
                f"You cannot {what} right now: the bot could not check your membership of user group "
                f"{groups} ({why}), so it refuses to be safe. Try again in a minute; "
                "if it keeps failing, ask an admin to check the bot's usergroups:read scope."
            )
        case _:
            return (
                f"You cannot {what}: that needs the {' or '.join(decision.roles)} role in the bot's access "
                "policy. Ask an admin."
            )


def denial_detail_text(detail: str) -> str | None:
    """The words of a denial an audit record keeps as data (`Decision.note`); None for other details."""
    decision = Decision.from_note(detail)
    return None if decision is None else reason_text(decision)


def denied_text(what: str, decision: Decision) -> str:
    """Plain fallback of a denial."""
    return f"You may not {what}: {reason_text(decision)}"


def denied_blocks(what: str, decision: Decision) -> list[Block]:
    """Why the user may not do this, and what decided it; nothing else happened."""
    return [
        section(f":no_entry: *You may not {escape(what)}.*\n{escape(reason_text(decision))}"),
        context(
            f"Rule: {escape(rule_text(decision))}. Nothing was changed. `/telnyx whoami` shows your permissions."
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
    role_lines = [f"• {escape(role_text(r))}" for r in roles] or ["• none"]
    lines = []
    for d in decisions:
        mark = ":white_check_mark:" if d.allowed else ":no_entry_sign:"
        lines.append(f"{mark} *{escape(PERMISSION_TEXT[d.permission])}*: {escape(rule_text(d))}")
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
