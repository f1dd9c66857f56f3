"""Admin registrations, one module per area."""

from . import air, units, water  # noqa: F401
