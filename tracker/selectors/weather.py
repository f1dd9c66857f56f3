"""Reads for the heavy-pollution weather response: forecasts against what was measured, the city warnings, the
responses units reported and the effect of a lifted warning per war zone.

Forecasts and measured air quality are public city-wide information (like the air pages): every role reads every
unit's forecast. Emergency lists and responses belong to their unit (`restrict`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db.models import Count, Max, Min, Q, QuerySet

from ..choices import WarningLevel, WeatherWarningStatus
from ..models import AirForecast, EmergencyMeasure, EmergencyResponse, Unit, WarZone, WeatherWarning
from ..weather_rules import Effect, judge_effect
from .air import daily_means, readings_frame

# days before the warning the effect compares with
BEFORE_DAYS = 3
LEVEL_ORDER = {WarningLevel.YELLOW: 1, WarningLevel.ORANGE: 2, WarningLevel.RED: 3}


def weather_warnings() -> QuerySet[WeatherWarning]:
    """Every city warning, newest first (city-wide: every role reads them)."""
    return WeatherWarning.objects.select_related("issued_by").annotate(n_responses=Count("responses"))


def warning_in_force() -> WeatherWarning | None:
    return WeatherWarning.objects.filter(status=WeatherWarningStatus.ISSUED).first()


def warning_banner(*, unit_id: int | None = None) -> dict[str, Any] | None:
    """The dashboards' live line on the city warning in force (None when there is none): the warning, and with
    `unit_id` how many responses that unit has reported under it. One query (with the unit's count folded in)."""
    qs = WeatherWarning.objects.filter(status=WeatherWarningStatus.ISSUED)
    if unit_id is not None:
        qs = qs.annotate(unit_responses=Count("responses", filter=Q(responses__unit_id=unit_id)))
    warning = qs.first()
    if warning is None:
        return None
    return {"warning": warning, "unit_responses": getattr(warning, "unit_responses", None)}


def measures_for_user(user, *, unit_id: int | None = None) -> QuerySet[EmergencyMeasure]:
    qs = EmergencyMeasure.objects.restrict(user, "view").select_related("unit", "enterprise")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def measures_for_level(unit_id: int, level: str) -> QuerySet[EmergencyMeasure]:
    """The unit's active list lines that apply at `level` (a line applies from its level upward)."""
    wanted = [lv for lv, rank in LEVEL_ORDER.items() if rank <= LEVEL_ORDER[WarningLevel(level)]]
    return EmergencyMeasure.objects.filter(unit_id=unit_id, is_active=True, from_level__in=wanted).select_related(
        "enterprise"
    )


def responses_for_user(user, warning: WeatherWarning) -> QuerySet[EmergencyResponse]:
    return (
        EmergencyResponse.objects.restrict(user, "view")
        .filter(warning=warning)
        .select_related("unit", "measure", "enterprise", "reported_by")
        .order_by("unit__sort_order", "date", "pk")
    )


def response_summary(user, warning: WeatherWarning) -> list[dict[str, Any]]:
    """Per unit the person may see: responses reported, days covered, first and last day (a unit that reported
    nothing shows 0 — who has not acted is what the 环委办 looks for). Two queries."""
    units = Unit.objects.restrict(user, "view").filter(is_active=True).exclude(kind="department")
    counts = {
        row["unit_id"]: row
        for row in EmergencyResponse.objects.filter(warning=warning, unit__in=units)
        .values("unit_id")
        .annotate(n=Count("pk"), days=Count("date", distinct=True), first=Min("date"), last=Max("date"))
    }
    return [
        {"unit": u, **counts.get(u.pk, {"n": 0, "days": 0, "first": None, "last": None})}
        for u in units.order_by("sort_order", "code")
    ]


def forecast_vs_measured(*, start: dt.date, end: dt.date, unit_id: int | None = None) -> list[dict[str, Any]]:
    """One row per unit × day with a forecast or a measurement in [start, end]: the forecast range, level and primary
    pollutant, the measured daily AQI (mean of the unit's stations, `selectors.air.daily_means`) and its category,
    and whether the measurement fell inside, above or below the range. Two queries."""
    forecasts = AirForecast.objects.filter(date__range=(start, end)).select_related("unit")
    if unit_id:
        forecasts = forecasts.filter(unit_id=unit_id)
    frame = (
        readings_frame(start=start, end=end, station__unit_id=unit_id)
        if unit_id
        else readings_frame(start=start, end=end)
    )
    measured = daily_means(frame, "unit_id")
    by_key: dict[tuple[int, dt.date], dict[str, Any]] = {}
    for f in forecasts:
        by_key[(f.unit_id, f.date)] = {"unit_id": f.unit_id, "date": f.date, "forecast": f, "aqi": None, "category": ""}
    days = pd.to_datetime(measured["date"]).dt.date.tolist() if not measured.empty else []
    for row, day in zip(measured.itertuples(), days, strict=True):
        entry = by_key.setdefault((int(row.unit_id), day), {"unit_id": int(row.unit_id), "date": day, "forecast": None})
        entry["aqi"] = None if pd.isna(row.aqi) else int(row.aqi)
        entry["category"] = row.category or ""
    names = dict(Unit.objects.filter(pk__in={k[0] for k in by_key}).values_list("pk", "name"))
    order = dict(Unit.objects.filter(pk__in={k[0] for k in by_key}).values_list("pk", "sort_order"))
    rows = []
    for (uid, day), entry in by_key.items():
        f, aqi = entry.get("forecast"), entry.get("aqi")
        verdict = ""
        if f is not None and aqi is not None:
            verdict = "inside" if f.aqi_low <= aqi <= f.aqi_high else "above" if aqi > f.aqi_high else "below"
        rows.append({**entry, "aqi": aqi, "unit_name": names.get(uid, ""), "verdict": verdict,
                     "_order": (day, order.get(uid, 0), uid)})  # fmt: skip
    rows.sort(key=lambda r: r["_order"])
    return rows


def warning_effect(warning: WeatherWarning, *, before_days: int = BEFORE_DAYS) -> list[dict[str, Any]]:
    """For a lifted warning, per war zone: the judgement of `weather_rules.judge_effect` over the zone's daily PM2.5
    during the warning, the zone's forecast (mean of its units' AQI midpoints per day) and the `before_days` before.
    Computed when read: late readings still count (a stored judgement would freeze a half-reported day)."""
    if warning.lifted_on is None:
        return []
    first, last = warning.starts_on, warning.lifted_on
    before_start = first - dt.timedelta(days=before_days)
    daily = daily_means(readings_frame(start=before_start, end=last), "zone_id")
    zones = list(WarZone.objects.order_by("sort_order", "code"))
    unit_zone = dict(Unit.objects.filter(war_zone__isnull=False).values_list("pk", "war_zone_id"))
    forecast = pd.DataFrame.from_records(
        list(
            AirForecast.objects.filter(date__range=(first, last)).values_list("unit_id", "date", "aqi_low", "aqi_high")
        ),
        columns=["unit_id", "date", "low", "high"],
    )
    forecast["zone_id"] = forecast["unit_id"].map(unit_zone)
    forecast["mid"] = (forecast["low"].astype(float) + forecast["high"].astype(float)) / 2
    zone_forecast = forecast.dropna(subset=["zone_id"]).groupby(["zone_id", "date"])["mid"].mean()
    out = []
    for zone in zones:
        rows = daily[daily["zone_id"] == zone.pk] if not daily.empty else daily
        dates = pd.to_datetime(rows["date"]).dt.date if not rows.empty else pd.Series(dtype=object)
        during = rows.loc[(dates >= first) & (dates <= last), "pm25"].tolist() if not rows.empty else []
        before = rows.loc[dates < first, "pm25"].tolist() if not rows.empty else []
        mids = zone_forecast.loc[zone.pk].tolist() if zone.pk in zone_forecast.index.get_level_values(0) else []
        effect: Effect = judge_effect(during=during, forecast_aqi=mids, before=before)
        out.append({"zone": zone, "effect": effect})
    return out
