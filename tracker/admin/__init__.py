"""Admin registrations, one module per area."""

from . import units  # noqa: F401
