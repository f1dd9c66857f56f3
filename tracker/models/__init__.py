"""tracker models, one module per area; import them from here."""

from .air import AirDailyReading, AirStation
from .api import ApiToken
from .measures import Measure, MeasureProgressReport
from .units import Unit, User, WarZone

__all__ = [
    "AirDailyReading",
    "AirStation",
    "ApiToken",
    "Measure",
    "MeasureProgressReport",
    "Unit",
    "User",
    "WarZone",
]
