"""tracker reads, one module per area (units, air, water)."""

from .units import role_counts, territorial_units, unit_list, war_zone_list, work_calendar
from .water import (
    indicator_outlet_completion_rate,
    indicator_water_section_compliance_rate,
    outlet_for_user,
    section_for_user,
    water_records_for_user,
)

__all__ = [
    "indicator_outlet_completion_rate",
    "indicator_water_section_compliance_rate",
    "outlet_for_user",
    "role_counts",
    "section_for_user",
    "territorial_units",
    "unit_list",
    "war_zone_list",
    "water_records_for_user",
    "work_calendar",
]
