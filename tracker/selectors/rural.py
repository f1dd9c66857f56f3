"""Reads for rural sewage plants: the scoped register with a month's state, stopped plants, and 运行率.

运行率 (operation rate) of a unit, year to date as of a date: running plant-months ÷ plant-months due, over the
year's complete months (a month counts once its last day is on or before `as_of`). A plant is due from the month
after it was commissioned (or from January when no date is recorded) while it is in the assessment (`is_active`).
A month with no report counts as not running: the unit must report, and an unknown state is not a running plant.
Units without plants have no row (不涉及).
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from ..choices import PlantState
from ..models import RuralPlantMonth, RuralSewagePlant
from ..permissions import unit_ids_for_user

COLUMNS = ["unit_id", "value", "detail"]


def complete_months(year: int, as_of: dt.date) -> list[dt.date]:
    """First days of the months of `year` whose last day is on or before `as_of`."""
    return [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, calendar.monthrange(year, m)[1]) <= as_of]


def operation_rate_frame(*, year: int, as_of: dt.date, unit_ids=None) -> pd.DataFrame:
    """Per unit: due plant-months, running plant-months and the rate (%), year to date. Two queries."""
    months = complete_months(year, as_of)
    out_cols = ["unit_id", "due", "running", "rate"]
    if not months:
        return pd.DataFrame(columns=out_cols)
    plants_qs = RuralSewagePlant.objects.filter(is_active=True)
    if unit_ids is not None:
        plants_qs = plants_qs.filter(unit_id__in=unit_ids)
    plants = pd.DataFrame.from_records(
        list(plants_qs.values_list("id", "unit_id", "commissioned_on")), columns=["plant_id", "unit_id", "since"]
    )
    if plants.empty:
        return pd.DataFrame(columns=out_cols)
    grid = plants.merge(pd.DataFrame({"month": months}), how="cross")
    # due from the month after commissioning: a plant commissioned on 10 March is first due in April
    since = pd.to_datetime(grid["since"])
    first_due = since + pd.offsets.MonthBegin(1)
    grid = grid[since.isna() | (pd.to_datetime(grid["month"]) >= first_due)]
    reports = pd.DataFrame.from_records(
        list(
            RuralPlantMonth.objects.filter(plant_id__in=plants["plant_id"].tolist(), month__in=months).values_list(
                "plant_id", "month", "state"
            )
        ),
        columns=["plant_id", "month", "state"],
    )
    grid = grid.merge(reports, on=["plant_id", "month"], how="left")
    grid["running"] = (grid["state"] == PlantState.RUNNING).astype(int)
    per_unit = grid.groupby("unit_id").agg(due=("plant_id", "size"), running=("running", "sum")).reset_index()
    per_unit["rate"] = per_unit["running"] / per_unit["due"] * 100
    return per_unit[out_cols]


def indicator_rural_sewage_operation_rate(*, year: int, as_of: dt.date) -> pd.DataFrame:
    """Assessment source (targets.registry): 农村生活污水处理设施运行率 (%) per unit, year to date."""
    frame = operation_rate_frame(year=year, as_of=as_of)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["value"] = frame["rate"].astype(float)
    frame["detail"] = [
        f"正常运行 {int(r)} / 应运行 {int(d)} 个设施·月" for r, d in zip(frame["running"], frame["due"], strict=True)
    ]
    return frame[COLUMNS]


# --- pages --------------------------------------------------------------------------------------------------
def plants_for_user(user) -> QuerySet[RuralSewagePlant]:
    return RuralSewagePlant.objects.filter(unit__in=unit_ids_for_user(user, "view"))


def get_plant_for_user(user, pk) -> RuralSewagePlant:
    try:
        return plants_for_user(user).select_related("unit").get(pk=pk)
    except (RuralSewagePlant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def plant_list(*, user, month: dt.date, unit_id: int | None = None, state: str | None = None):
    """The scoped register annotated with the month's state, flow and funds ("" state = not reported)."""
    report = RuralPlantMonth.objects.filter(plant=OuterRef("pk"), month=month)
    qs = (
        plants_for_user(user)
        .select_related("unit")
        .annotate(
            month_state=Subquery(report.values("state")[:1]),
            month_flow=Subquery(report.values("flow")[:1]),
            month_funds=Subquery(report.values("funds")[:1]),
        )
    )
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if state == "unreported":
        qs = qs.filter(month_state__isnull=True)
    elif state:
        qs = qs.filter(month_state=state)
    return qs.order_by("unit__sort_order", "township", "village", "name")


def stopped_plants(*, user, month: dt.date) -> QuerySet[RuralSewagePlant]:
    """Plants in the assessment reported stopped or under repair for `month`: the warning list."""
    return plant_list(user=user, month=month).filter(
        is_active=True, month_state__in=[PlantState.STOPPED, PlantState.REPAIR]
    )
