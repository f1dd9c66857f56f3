"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation
from .api import ApiToken
from .audit import AuditLog
from .drinking import DrinkingWaterReading
from .enterprises import Enterprise
from .measures import Measure, MeasureProgressReport
from .rural import RuralPlantMonth, RuralSewagePlant
from .units import Unit, User, WarZone
from .watch import MonitoringWarning, WarningEvent, WarningReading, WarningRule
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection

__all__ = [
    "AirDailyReading",
    "AirStation",
    "ApiToken",
    "AuditLog",
    "DrinkingWaterReading",
    "DrinkingWaterSource",
    "Enterprise",
    "Measure",
    "MeasureProgressReport",
    "MonitoringWarning",
    "OutletStepChange",
    "River",
    "RuralPlantMonth",
    "RuralSewagePlant",
    "SewageOutlet",
    "Unit",
    "User",
    "WarZone",
    "WarningEvent",
    "WarningReading",
    "WarningRule",
    "WaterMonthlyReading",
    "WaterSection",
]
