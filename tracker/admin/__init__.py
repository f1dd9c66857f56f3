"""Admin registrations, one module per area."""

from . import air, audit, units, water  # noqa: F401
