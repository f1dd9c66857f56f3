"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation, SandDustDay
from .api import ApiToken
from .audit import AuditLog
from .calendar import CalendarDay
from .drinking import DrinkingWaterReading
from .enterprises import Enterprise
from .inbox import InboxEntry, InboxKind
from .measures import Measure, MeasureProgressReport
from .people import Person
from .rural import RuralPlantMonth, RuralSewagePlant
from .units import Unit, User, WarZone
from .versions import DataVersion
from .watch import MonitoringWarning, WarningEvent, WarningReading, WarningRule
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection

__all__ = [
    "AirDailyReading",
    "AirStation",
    "ApiToken",
    "AuditLog",
    "CalendarDay",
    "DataVersion",
    "DrinkingWaterReading",
    "DrinkingWaterSource",
    "Enterprise",
    "InboxEntry",
    "InboxKind",
    "Measure",
    "MeasureProgressReport",
    "MonitoringWarning",
    "OutletStepChange",
    "Person",
    "River",
    "RuralPlantMonth",
    "RuralSewagePlant",
    "SandDustDay",
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
