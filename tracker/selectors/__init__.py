"""tracker reads, one module per area (units, air, water)."""

from .units import territorial_units, unit_list, war_zone_list

__all__ = ["territorial_units", "unit_list", "war_zone_list"]
