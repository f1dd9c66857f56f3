"""Reads for the environmental watch: the readings a rule evaluation needs (one query, as a frame) and the
warnings a person may see (scoped through `tracker.permissions`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from tracker.common.frames import counts

from ..choices import AIR_PARAMETERS, DRINKING_TARGET_CLASS, PlantState, WarningStatus
from ..models import AirDailyReading, DrinkingWaterReading, MonitoringWarning, RuralPlantMonth, WaterMonthlyReading
from ..permissions import unit_ids_for_user

FRAME_COLUMNS = ["reading_id", "subject_id", "unit_id", "war_zone_id", "date"]
WATER_VALUE_COLUMNS = ["do", "codmn", "cod", "bod5", "nh3n", "tp", "water_class", "class_over_target"]


def air_watch_frame(*, station_ids: Iterable[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Daily readings of these stations in [start, end]: ids, the station's unit and war zone, date, AQI and the six
    pollutants as floats (NaN when missing). One query."""
    rows = AirDailyReading.objects.filter(station_id__in=list(station_ids), date__range=(start, end)).values_list(
        "id", "station_id", "station__unit_id", "station__war_zone_id", "date", *AIR_PARAMETERS
    )
    frame = pd.DataFrame.from_records(list(rows), columns=[*FRAME_COLUMNS, *AIR_PARAMETERS])
    for col in AIR_PARAMETERS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def water_watch_frame(*, section_ids: Iterable[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Monthly readings of these sections in [start, end] (month = first day): ids, unit, month as `date`, the six
    parameters, the class and how many classes it is worse than the section's target. One query."""
    rows = WaterMonthlyReading.objects.filter(section_id__in=list(section_ids), month__range=(start, end)).values_list(
        "id",
        "section_id",
        "section__unit_id",
        "month",
        "do",
        "codmn",
        "cod",
        "bod5",
        "nh3n",
        "tp",
        "water_class",
        "section__target_class",
    )
    cols = ["reading_id", "subject_id", "unit_id", "date", *WATER_VALUE_COLUMNS[:7], "target_class"]
    frame = pd.DataFrame.from_records(list(rows), columns=cols)
    frame["war_zone_id"] = None
    for col in [*WATER_VALUE_COLUMNS[:7], "target_class"]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["class_over_target"] = frame["water_class"] - frame["target_class"]
    return frame


def drinking_watch_frame(*, source_ids: Iterable[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Monthly readings of these drinking-water sources in [start, end], shaped like `water_watch_frame`; the target
    class is Ⅲ for every source (choices.DRINKING_TARGET_CLASS). One query."""
    rows = DrinkingWaterReading.objects.filter(source_id__in=list(source_ids), month__range=(start, end)).values_list(
        "id", "source_id", "source__unit_id", "month", "do", "codmn", "cod", "bod5", "nh3n", "tp", "water_class"
    )
    cols = ["reading_id", "subject_id", "unit_id", "date", *WATER_VALUE_COLUMNS[:7]]
    frame = pd.DataFrame.from_records(list(rows), columns=cols)
    frame["war_zone_id"] = None
    for col in WATER_VALUE_COLUMNS[:7]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["class_over_target"] = frame["water_class"] - DRINKING_TARGET_CLASS
    return frame


def rural_watch_frame(*, plant_ids: Iterable[int], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Monthly operating reports of these rural plants in [start, end]: ids, unit, month as `date`, and
    `not_running` (1 when stopped or under repair, 0 when running). One query."""
    rows = RuralPlantMonth.objects.filter(plant_id__in=list(plant_ids), month__range=(start, end)).values_list(
        "id", "plant_id", "plant__unit_id", "month", "state"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["reading_id", "subject_id", "unit_id", "date", "state"])
    frame["war_zone_id"] = None
    frame["not_running"] = (frame["state"] != PlantState.RUNNING).astype(float)
    return frame.drop(columns=["state"])


# --- warnings a person sees ---------------------------------------------------------------------------------
def warnings_for_user(user) -> QuerySet[MonitoringWarning]:
    """Every warning of the units this person may view (city-wide roles: all; officials: their own unit's)."""
    return MonitoringWarning.objects.filter(unit__in=unit_ids_for_user(user, "view"))


def warning_list(
    *,
    user,
    status: str | None = None,
    unit_id: int | None = None,
    source: str | None = None,
    level: str | None = None,
) -> QuerySet[MonitoringWarning]:
    """The scoped, filtered list, open ones first, newest first."""
    qs = warnings_for_user(user).select_related(
        "rule", "unit", "station", "section", "section__river", "drinking_source", "rural_plant"
    )
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if source:
        qs = qs.filter(rule__source=source)
    if level:
        qs = qs.filter(rule__level=level)
    open_first = Case(When(status=WarningStatus.OPEN, then=Value(0)), default=Value(1))
    return qs.order_by(open_first, "-fired_on", "-pk")


def warning_status_counts(qs: QuerySet[MonitoringWarning]) -> dict[str, int]:
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return {s.value: counts.get(s.value, 0) for s in WarningStatus}


def get_warning_for_user(user, pk) -> MonitoringWarning:
    """A warning the person may see, or 404 (an outsider learns nothing about another unit's warnings)."""
    try:
        return (
            warnings_for_user(user)
            .select_related("rule", "unit", "station", "section", "drinking_source", "rural_plant")
            .get(pk=pk)
        )
    except (MonitoringWarning.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def open_warnings_for_unit(unit_id: int, *, limit: int = 10) -> tuple[int, list[MonitoringWarning]]:
    """A unit's open warnings for its dashboard: how many, and the newest `limit`."""
    qs = MonitoringWarning.objects.filter(Q(unit_id=unit_id) & Q(status=WarningStatus.OPEN))
    return qs.count(), list(
        qs.select_related("rule", "station", "section", "drinking_source", "rural_plant").order_by("-fired_on", "-pk")[
            :limit
        ]
    )


def open_warnings_by_unit(*, limit: int = 8) -> tuple[int, list[dict]]:
    """For the leaders' board: how many warnings are open city-wide, and the units with most (one grouped query)."""
    rows = list(
        MonitoringWarning.objects.filter(status=WarningStatus.OPEN)
        .values("unit_id", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__name")
    )
    return sum(r["n"] for r in rows), rows[:limit]


def watch_summary(*, user, today: dt.date, unit_id: int | None = None) -> dict[str, int]:
    """The dashboards' live line on the rest of the watch (河湖长制, rural plants, drinking water, fishing ban), as
    counts this person may see (one unit's with `unit_id`): patrols this month, plants stopped or under repair in
    the last complete month, drinking-water sources out of standard in their latest month of this year, and
    fishing-ban cases this year. Four counts in one query (`tracker.common.frames.counts`); the pages behind them
    hold the rows."""
    from ..models import FishingBanCase, RiverPatrol
    from .rural import stopped_plants

    month_start = today.replace(day=1)
    last_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    units = unit_ids_for_user(user, "view")
    patrols = RiverPatrol.objects.restrict(user, "view").filter(date__range=(month_start, today))
    plants = stopped_plants(user=user, month=last_month)
    cases = FishingBanCase.objects.restrict(user, "view").filter(date__year=today.year)
    latest_month = (
        DrinkingWaterReading.objects.filter(source=OuterRef("source"), month__year=today.year)
        .order_by("-month")
        .values("month")[:1]
    )
    sources = DrinkingWaterReading.objects.filter(
        source__unit__in=units, month__year=today.year, month=Subquery(latest_month), compliant=False
    )
    if unit_id is not None:
        patrols, plants = patrols.filter(unit_id=unit_id), plants.filter(unit_id=unit_id)
        cases, sources = cases.filter(unit_id=unit_id), sources.filter(source__unit_id=unit_id)
    return counts({"patrols": patrols, "stopped_plants": plants, "sources_out": sources, "fishing_cases": cases})
