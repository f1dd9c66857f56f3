"""tracker models, one module per area; import them from here."""

from .api import ApiToken
from .units import Unit, User, WarZone
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection

__all__ = [
    "ApiToken",
    "DrinkingWaterSource",
    "OutletStepChange",
    "River",
    "SewageOutlet",
    "Unit",
    "User",
    "WarZone",
    "WaterMonthlyReading",
    "WaterSection",
]
