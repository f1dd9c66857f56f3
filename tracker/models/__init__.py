"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation
from .api import ApiToken
from .audit import AuditLog
from .inbox import InboxEntry, InboxKind
from .measures import Measure, MeasureProgressReport
from .units import Unit, User, WarZone
from .versions import DataVersion
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection

__all__ = [
    "AirDailyReading",
    "AirStation",
    "ApiToken",
    "AuditLog",
    "DataVersion",
    "DrinkingWaterSource",
    "InboxEntry",
    "InboxKind",
    "Measure",
    "MeasureProgressReport",
    "OutletStepChange",
    "River",
    "SewageOutlet",
    "Unit",
    "User",
    "WarZone",
    "WaterMonthlyReading",
    "WaterSection",
]
