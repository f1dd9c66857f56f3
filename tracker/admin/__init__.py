"""Admin registrations, one module per area."""

from . import air, units  # noqa: F401
