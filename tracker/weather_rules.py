"""Pure rules of the heavy-pollution weather response (no Django): the PM2.5 a forecast AQI implies, and the effect
of a warning judged after its lift.

The effect (应急减排效果评估) of a warning on a war zone compares the zone's mean PM2.5 over the warning days with
two references:

- the forecast: a forecast gives an AQI range, not a concentration; the midpoint of each day's range is turned into
  the PM2.5 concentration of that IAQI by HJ 633-2012 表1 (linear between breakpoints — the inverse of the IAQI
  formula), i.e. what the day would have measured with PM2.5 as the primary pollutant and no response;
- the N days before the warning began (the build-up the warning answered).

A change is (reference − measured) / reference in %, positive when the warning days were cleaner. The warning is
judged effective (有效) when the measured mean is below the forecast-implied mean; without forecasts, below the
days before. Means are taken over days that have a value; a reference with no day has no comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# HJ 633-2012 表1: IAQI ↔ PM2.5 24-hour mean (µg/m³)
IAQI_LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
PM25_BREAKPOINTS = (0, 35, 75, 115, 150, 250, 350, 500)


def pm25_for_aqi(aqi: float) -> float:
    """The PM2.5 concentration whose IAQI is `aqi` (HJ 633-2012 表1, linear between breakpoints), µg/m³."""
    if aqi < 0:
        raise ValueError("AQI cannot be negative")
    aqi = min(float(aqi), 500.0)
    for i in range(1, len(IAQI_LEVELS)):
        lo, hi = IAQI_LEVELS[i - 1], IAQI_LEVELS[i]
        if aqi <= hi:
            c_lo, c_hi = PM25_BREAKPOINTS[i - 1], PM25_BREAKPOINTS[i]
            return c_lo + (aqi - lo) * (c_hi - c_lo) / (hi - lo)
    return float(PM25_BREAKPOINTS[-1])  # pragma: no cover - aqi is capped at 500 above


def _mean(values: Iterable[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(present) / len(present) if present else None


def _change(reference: float | None, measured: float | None) -> float | None:
    if reference is None or measured is None or reference == 0:
        return None
    return round(100.0 * (reference - measured) / reference, 1)


@dataclass(frozen=True)
class Effect:
    """One war zone's judgement: the three means (µg/m³, 1 decimal), the two changes (%) and the verdict."""

    during: float | None
    forecast: float | None
    before: float | None
    vs_forecast: float | None  # % below the forecast-implied PM2.5 (positive = cleaner than forecast)
    vs_before: float | None  # % below the days before
    effective: bool | None  # None when there is nothing to judge
    days: int  # warning days with a measured value


def judge_effect(
    *, during: Iterable[float | None], forecast_aqi: Iterable[float | None], before: Iterable[float | None]
) -> Effect:
    """Judge a warning on one zone from its daily PM2.5 during the warning, the daily forecast AQI midpoints of the
    same days, and the daily PM2.5 of the days before (see the module docstring)."""
    during = list(during)
    measured = _mean(during)
    forecast_values = [pm25_for_aqi(a) for a in forecast_aqi if a is not None]
    forecast = _mean(forecast_values)
    earlier = _mean(before)
    vs_forecast, vs_before = _change(forecast, measured), _change(earlier, measured)
    if measured is None:
        effective = None
    elif forecast is not None:
        effective = measured < forecast
    elif earlier is not None:
        effective = measured < earlier
    else:
        effective = None
    one = lambda v: None if v is None else round(v, 1)  # noqa: E731
    return Effect(
        during=one(measured),
        forecast=one(forecast),
        before=one(earlier),
        vs_forecast=vs_forecast,
        vs_before=vs_before,
        effective=effective,
        days=sum(1 for v in during if v is not None and not (isinstance(v, float) and math.isnan(v))),
    )
