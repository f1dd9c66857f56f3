"""tracker writes, one module per area (units, air, water)."""

from .units import UNIT_PERMS, roles_ensure_groups, user_set_role

__all__ = ["UNIT_PERMS", "roles_ensure_groups", "user_set_role"]
