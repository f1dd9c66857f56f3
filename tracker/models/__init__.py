"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation, AirUnitDay, AirUnitDayStale, SandDustDay
from .api import ApiToken
from .audit import AuditLog
from .calendar import CalendarDay
from .drinking import DrinkingWaterReading
from .enterprises import Enterprise
from .inbox import InboxEntry, InboxKind
from .measures import Measure, MeasureProgressReport
from .people import Person
from .rivers import FishingBanCase, PatrolPhoto, PatrolRule, RiverChief, RiverPatrol
from .rural import RuralPlantMonth, RuralSewagePlant
from .units import Unit, User, WarZone
from .versions import DataVersionEntry
from .watch import MonitoringWarning, WarningEvent, WarningReading, WarningRule
from .water import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection
from .weather import AirForecast, EmergencyMeasure, EmergencyResponse, WeatherWarning, WeatherWarningEvent

__all__ = [
    "AirDailyReading",
    "AirForecast",
    "AirStation",
    "AirUnitDay",
    "AirUnitDayStale",
    "ApiToken",
    "AuditLog",
    "CalendarDay",
    "DataVersionEntry",
    "DrinkingWaterReading",
    "DrinkingWaterSource",
    "EmergencyMeasure",
    "EmergencyResponse",
    "Enterprise",
    "FishingBanCase",
    "InboxEntry",
    "InboxKind",
    "Measure",
    "MeasureProgressReport",
    "MonitoringWarning",
    "OutletStepChange",
    "PatrolPhoto",
    "PatrolRule",
    "Person",
    "River",
    "RiverChief",
    "RiverPatrol",
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
    "WeatherWarning",
    "WeatherWarningEvent",
]
