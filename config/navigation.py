"""Moved to `tracker.common.access` (config holds configuration only). Re-exported for branches that
still import it from here; remove once they have merged."""

from tracker.common.access import AREAS, AREAS_BY_KEY, area_required, navigation  # noqa: F401
