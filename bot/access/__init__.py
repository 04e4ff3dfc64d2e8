"""Who may do what, where: the access policy (`policy`) and the checks against it (`control`).

Import from here: `from bot.access import AccessControl, Permission, load_policy`.
"""

from bot.access.control import (
    AccessControl,
    Decision,
    GroupLookupError,
    GroupMembers,
    RoleMatch,
    slack_group_members,
)
from bot.access.policy import (
    EVERYONE,
    PERMISSION_TEXT,
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
    "PERMISSION_TEXT",
    "ROLES",
    "ROLE_PERMISSIONS",
    "AccessControl",
    "Decision",
    "GroupLookupError",
    "GroupMembers",
    "Permission",
    "Policy",
    "PolicyError",
    "RoleMatch",
    "load_policy",
    "parse_policy",
    "slack_group_members",
]
