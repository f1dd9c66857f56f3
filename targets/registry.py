"""Where each computed indicator comes from: a code → the dotted path of another app's selector.

A selector has the signature `indicator_<code>(*, year: int, as_of: date) -> DataFrame[unit_id, value, detail]`.
An app that has not landed yet (module or function missing) gives "no data" for its indicators instead of
failing the run; an error *inside* a selector does fail the run, so a broken source is never mistaken for zero.
"""

from __future__ import annotations

import logging
from datetime import date
from importlib import import_module

import pandas as pd

logger = logging.getLogger(__name__)

COMPUTED_SOURCES: dict[str, str] = {
    "air_good_day_rate": "tracker.selectors.air.indicator_air_good_day_rate",
    "air_pm25_mean": "tracker.selectors.air.indicator_air_pm25_mean",
    "air_heavy_pollution_days": "tracker.selectors.air.indicator_air_heavy_pollution_days",
    "water_section_compliance_rate": "tracker.selectors.water.indicator_water_section_compliance_rate",
    "outlet_completion_rate": "tracker.selectors.water.indicator_outlet_completion_rate",
    "rural_sewage_operation_rate": "tracker.selectors.rural.indicator_rural_sewage_operation_rate",
    "rectification_closure_rate": "rectifications.selectors.indicator_rectification_closure_rate",
    "rectification_overdue_count": "rectifications.selectors.indicator_rectification_overdue_count",
    "rectification_red_orange_count": "rectifications.selectors.indicator_rectification_red_orange_count",
    "rectification_rebound_count": "rectifications.selectors.indicator_rectification_rebound_count",
    "budget_execution_rate": "projects.selectors.indicator_budget_execution_rate",
    "rural_sewage_payment_rate": "projects.selectors.indicator_rural_sewage_payment_rate",
    "stalled_project_count": "projects.selectors.indicator_stalled_project_count",
}
COLUMNS = ["unit_id", "value", "detail"]
_reported: set[str] = set()  # missing sources already logged (once per process, not once per run)


def _missing(code: str, path: str) -> None:
    if path not in _reported:
        _reported.add(path)
        logger.info("indicator %s: %s not available yet, scored as no data", code, path)


def resolve(code: str):
    """The selector function for `code`, or None when its app or function does not exist (yet)."""
    path = COMPUTED_SOURCES.get(code)
    if not path:
        return None
    module_name, _, func_name = path.rpartition(".")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        # only the source module (or its package) being absent means "not landed yet"; a broken import
        # inside an existing module is a real error and fails the run
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        _missing(code, path)
        return None
    func = getattr(module, func_name, None)
    if func is None:
        _missing(code, path)
    return func


def computed_frame(code: str, *, year: int, as_of: date) -> pd.DataFrame | None:
    """The indicator's year-to-date values per unit, or None for "no data" (source not available)."""
    func = resolve(code)
    if func is None:
        return None
    df = func(year=year, as_of=as_of)
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise ValueError(f"indicator {code}: selector frame lacks columns {sorted(missing)}")
    df = df[COLUMNS].copy()
    df["unit_id"] = df["unit_id"].astype(int)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df["detail"] = df["detail"].fillna("").astype(str)
    return df
