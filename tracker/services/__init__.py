"""tracker writes, one module per area (units, air, water)."""

from .units import UNIT_PERMS, roles_ensure_groups, user_set_role
from .water import outlet_move, outlet_register, water_readings_upsert, water_readings_validate

__all__ = [
    "UNIT_PERMS",
    "outlet_move",
    "outlet_register",
    "roles_ensure_groups",
    "user_set_role",
    "water_readings_upsert",
    "water_readings_validate",
]
