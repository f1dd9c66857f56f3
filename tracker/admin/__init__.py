"""Admin registrations, one module per area."""

from . import units, water  # noqa: F401
