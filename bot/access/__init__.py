"""Who may do what, where: the access policy (`policy`) and the checks against it (`control`).

Import from here: `from bot.access import AccessControl, Permission, load_policy`.
"""

from bot.access.control import (
    AccessControl,
    Decision,
    GroupLookupError,
    GroupMembers,
    Lookup,
    LookupFailure,
    RoleMatch,
    Verdict,
    slack_group_members,
)
from bot.access.policy import (
    EVERYONE,
    ROLE_PERMISSIONS,
    ROLES,
    Permission,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
)

__all__ = [
    "EVERYONE",
    "ROLES",
    "ROLE_PERMISSIONS",
    "AccessControl",
    "Decision",
    "GroupLookupError",
    "GroupMembers",
    "Lookup",
    "LookupFailure",
    "Permission",
    "Policy",
    "PolicyError",
    "RoleMatch",
    "Verdict",
    "load_policy",
    "parse_policy",
    "slack_group_members",
]
