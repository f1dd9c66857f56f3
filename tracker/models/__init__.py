"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation, SandDustDay
from .api import ApiToken
from .audit import AuditLog
from .calendar import CalendarDay
from .measures import Measure, MeasureProgressReport
from .units import Unit, User, WarZone
from .versions import DataVersion
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection

__all__ = [
    "AirDailyReading",
    "AirStation",
    "ApiToken",
    "AuditLog",
    "CalendarDay",
    "DataVersion",
    "DrinkingWaterSource",
    "Measure",
    "MeasureProgressReport",
    "OutletStepChange",
    "River",
    "SandDustDay",
    "SewageOutlet",
    "Unit",
    "User",
    "WarZone",
    "WaterMonthlyReading",
    "WaterSection",
]
