"""tracker models, one module per area; import them from here."""

from .api import ApiToken
from .units import Unit, User, WarZone

__all__ = ["ApiToken", "Unit", "User", "WarZone"]
