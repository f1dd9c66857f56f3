"""Admin registrations, one module per area."""

from . import air, audit, units, watch, water, weather  # noqa: F401
