"""Water reads: scoped querysets for pages, frames for charts and the assessment's computed indicators."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from ..choices import OUTLET_STEP_ORDER, OutletStep, WaterClass
from ..models import DrinkingWaterSource, OutletStepChange, SewageOutlet, WaterMonthlyReading, WaterSection
from ..permissions import can_act_for_unit, unit_ids_for_user
from ..standards import water_good_rate, water_unit_compliance_ranking

# --- scoping: the one place that decides which water records a person sees ----------------------------


def water_records_for_user(model, user, action: str = "view") -> QuerySet:
    """Sections, outlets or sources of the units this person may `view` (or `report` for)."""
    return model.objects.filter(unit__in=unit_ids_for_user(user, action))


def outlet_for_user(user, pk, action: str = "view") -> SewageOutlet:
    """One outlet: 404 when its unit is out of the person's sight, 403 when they may see but not act."""
    try:
        outlet = water_records_for_user(SewageOutlet, user, "view").select_related("unit", "river").get(pk=pk)
    except (SewageOutlet.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "report" and not can_act_for_unit(user, outlet.unit_id, "report"):
        raise PermissionDenied
    return outlet


def section_for_user(user, pk) -> WaterSection:
    try:
        return water_records_for_user(WaterSection, user).select_related("unit", "river").get(pk=pk)
    except (WaterSection.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- sections -------------------------------------------------------------------------------------


def section_queryset(
    *, user, as_of: dt.date, river_id: int | None = None, level: str | None = None, unit_id: int | None = None
) -> QuerySet[WaterSection]:
    """Sections the person sees, filtered, each annotated with its latest reading (month, class, compliant), the
    YTD counts and `ytd_rate_sort` (compliant ÷ assessed months × 100) so the ledger sorts and pages in SQL."""
    latest = WaterMonthlyReading.objects.filter(section=OuterRef("pk"), month__lte=as_of).order_by("-month")
    year_start = dt.date(as_of.year, 1, 1)
    # correlated counts, not a GROUP BY over every section's readings: PostgreSQL evaluates them for the page's
    # rows only (after the sort and LIMIT), so a page costs the same at 30 sections and at 3,641
    in_year = WaterMonthlyReading.objects.filter(section=OuterRef("pk"), month__gte=year_start, month__lte=as_of)

    def count(readings) -> Coalesce:
        n = readings.order_by().values("section").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(n, output_field=IntegerField()), 0)

    ytd_total = count(in_year.filter(compliant__isnull=False))
    ytd_compliant = count(in_year.filter(compliant=True))
    qs = (
        water_records_for_user(WaterSection, user)
        .filter(is_active=True)
        .select_related("river", "unit")
        .annotate(
            latest_month=Subquery(latest.values("month")[:1]),
            latest_class=Subquery(latest.values("water_class")[:1]),
            latest_compliant=Subquery(latest.values("compliant")[:1]),
            ytd_total=ytd_total,
            ytd_compliant=ytd_compliant,
            ytd_rate_sort=Case(
                When(ytd_total__gt=0, then=ExpressionWrapper(F("ytd_compliant") * 100.0 / F("ytd_total"), FloatField()))
            ),
        )
    )
    if river_id:
        qs = qs.filter(river_id=river_id)
    if level:
        qs = qs.filter(level=level)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    # Meta.ordering is dropped in GROUP BY queries: order explicitly (level, river, code).
    return qs.order_by("river__sort_order", "level", "code")


def decorate_sections(sections: list[WaterSection]) -> list[WaterSection]:
    """`ytd_rate` (float %, None when nothing assessed) and the class label, on a page of sections."""
    for s in sections:
        s.ytd_rate = (s.ytd_compliant / s.ytd_total * 100) if s.ytd_total else None
        s.latest_class_label = WaterClass(s.latest_class).label if s.latest_class else None
    return sections


def section_list(
    *, user, as_of: dt.date, river_id: int | None = None, level: str | None = None, unit_id: int | None = None
) -> list[WaterSection]:
    """Sections the person sees, each with its latest reading (month, class, compliant) and YTD counts."""
    qs = section_queryset(user=user, as_of=as_of, river_id=river_id, level=level, unit_id=unit_id)
    return decorate_sections(list(qs))


def section_summary(sections) -> dict:
    """Cards: count, 优良率 and compliance of the latest month of each section.

    `sections` is `section_queryset(...)` (aggregated in SQL, one query) or a list of its rows.
    """
    if isinstance(sections, QuerySet):
        # the latest class of each section (two small columns), and the year's counts in one aggregate
        latest = list(sections.order_by().values_list("latest_class", "latest_compliant"))
        ytd = sections.order_by().aggregate(total=Sum("ytd_total"), compliant=Sum("ytd_compliant"))
        sections = [
            SimpleNamespace(latest_class=c, latest_compliant=ok, ytd_total=0, ytd_compliant=0) for c, ok in latest
        ]
        if sections:
            sections[0].ytd_total, sections[0].ytd_compliant = ytd["total"] or 0, ytd["compliant"] or 0
    classes = pd.Series([s.latest_class for s in sections if s.latest_class], dtype="float")
    compliant = [s.latest_compliant for s in sections if s.latest_compliant is not None]
    total = sum(s.ytd_total for s in sections)
    return {
        "count": len(sections),
        "good_rate": water_good_rate(classes),
        "latest_compliant": sum(compliant),
        "latest_total": len(compliant),
        "ytd_rate": (sum(s.ytd_compliant for s in sections) / total * 100) if total else float("nan"),
    }


def section_readings_frame(section: WaterSection, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """A section's readings between two months (inclusive), one row per month, oldest first."""
    fields = ["month", *WaterMonthlyReading.PARAMETERS, "water_class", "compliant"]
    rows = section.readings.filter(month__gte=start, month__lte=end).order_by("month").values(*fields)
    frame = pd.DataFrame.from_records(list(rows), columns=fields)
    for name in WaterMonthlyReading.PARAMETERS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def compliance_frame(*, user, year: int, as_of: dt.date) -> pd.DataFrame:
    """Section-months YTD with a compliance verdict: unit_id, unit_name, section_id, month, compliant."""
    rows = (
        WaterMonthlyReading.objects.filter(
            section__unit__in=unit_ids_for_user(user),
            month__gte=dt.date(year, 1, 1),
            month__lte=as_of,
            compliant__isnull=False,
        )
        .values("section__unit_id", "section__unit__name", "section_id", "month", "compliant")
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["section__unit_id", "section__unit__name", "section_id", "month", "compliant"]
    )
    return frame.rename(columns={"section__unit_id": "unit_id", "section__unit__name": "unit_name"})


def unit_compliance_ranking(*, user, year: int, as_of: dt.date) -> pd.DataFrame:
    frame = compliance_frame(user=user, year=year, as_of=as_of)
    ranking = water_unit_compliance_ranking(frame[["unit_id", "compliant"]].astype({"compliant": bool}))
    names = dict(zip(frame["unit_id"], frame["unit_name"], strict=False))
    ranking["unit_name"] = ranking["unit_id"].map(names)
    return ranking


# --- outlets --------------------------------------------------------------------------------------


def outlet_queryset(
    *,
    user,
    unit_id: int | None = None,
    step: str | None = None,
    river_id: int | None = None,
    overdue_only=False,
    today: dt.date,
) -> QuerySet[SewageOutlet]:
    """The outlets the person sees, filtered, with `overdue_flag` (not done and past the deadline) in SQL."""
    qs = water_records_for_user(SewageOutlet, user).select_related("unit", "river")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if step:
        qs = qs.filter(step=step)
    if river_id:
        qs = qs.filter(river_id=river_id)
    overdue = Q(deadline__lt=today) & ~Q(step=OutletStep.DONE)
    if overdue_only:
        qs = qs.filter(overdue)
    return qs.annotate(
        overdue_flag=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def outlet_list(
    *,
    user,
    unit_id: int | None = None,
    step: str | None = None,
    river_id: int | None = None,
    overdue_only=False,
    today: dt.date,
) -> list[SewageOutlet]:
    qs = outlet_queryset(
        user=user, unit_id=unit_id, step=step, river_id=river_id, overdue_only=overdue_only, today=today
    )
    outlets = list(qs)
    for o in outlets:
        o.overdue = o.is_overdue(today)
    return outlets


def outlet_step_counts(*, user, today: dt.date) -> list[dict]:
    """Per unit: outlets at each step, overdue count and completion rate — the 台账 summary, one query."""
    annotations = {f"n_{s}": Count("id", filter=Q(step=s)) for s in OUTLET_STEP_ORDER}
    rows = (
        water_records_for_user(SewageOutlet, user)
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today) & ~Q(step=OutletStep.DONE)),
            **annotations,
        )
        .order_by("unit__sort_order", "unit_id")
    )
    result = []
    for row in rows:
        row["steps"] = [row[f"n_{s}"] for s in OUTLET_STEP_ORDER]
        row["done_rate"] = row[f"n_{OutletStep.DONE}"] / row["total"] * 100 if row["total"] else None
        result.append(row)
    return result


def outlet_history(outlet: SewageOutlet) -> QuerySet[OutletStepChange]:
    return outlet.changes.select_related("actor").order_by("work_date", "created_at", "pk")


def drinking_source_list(*, user, unit_id: int | None = None, level: str | None = None):
    qs = water_records_for_user(DrinkingWaterSource, user).select_related("unit")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if level:
        qs = qs.filter(level=level)
    return qs


# --- computed indicators for the assessment ---------------------------------------------------------

INDICATOR_COLUMNS = ["unit_id", "value", "detail"]


def indicator_water_section_compliance_rate(*, year: int, as_of: dt.date) -> pd.DataFrame:
    """水质断面达标率 (%) per section's responsible unit: compliant section-months / assessed section-months.

    Basis: every monthly reading from Jan 1 of `year` to `as_of` (a month counts when its first day is on or before
    `as_of`) that has a class; a section-month is compliant when its class is no worse than the section's target.
    One query.
    """
    rows = (
        WaterMonthlyReading.objects.filter(
            month__gte=dt.date(year, 1, 1), month__lte=as_of, compliant__isnull=False, section__is_active=True
        )
        .values("section__unit_id", "compliant")
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["section__unit_id", "compliant"])
    if frame.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    grouped = (
        frame.astype({"compliant": bool})
        .groupby("section__unit_id")["compliant"]
        .agg(total="count", ok="sum")
        .reset_index()
    )
    grouped["unit_id"] = grouped["section__unit_id"].astype(int)
    grouped["value"] = grouped["ok"] / grouped["total"] * 100.0
    grouped["detail"] = [
        f"达标断面月次 {int(ok)} / 监测断面月次 {int(total)}"
        for ok, total in zip(grouped["ok"], grouped["total"], strict=True)
    ]
    return grouped[INDICATOR_COLUMNS].sort_values("unit_id").reset_index(drop=True)


def indicator_outlet_completion_rate(*, year: int, as_of: dt.date) -> pd.DataFrame:
    """入河排污口整治完成率 (%) per outlet unit: outlets at 完成 on `as_of` / outlets registered by `as_of`.

    The step on a date comes from the step history (the last change whose work date is on or before `as_of`),
    so a past ranking can be recomputed exactly. It is a stock measure on `as_of`; `year` is accepted for the
    common signature. Two queries.
    """
    outlets = pd.DataFrame.from_records(
        list(SewageOutlet.objects.values("id", "unit_id").order_by()), columns=["id", "unit_id"]
    )
    changes = pd.DataFrame.from_records(
        list(
            OutletStepChange.objects.filter(work_date__lte=as_of)
            .values("outlet_id", "to_step", "work_date", "created_at", "id")
            .order_by("outlet_id", "work_date", "created_at", "id")
        ),
        columns=["outlet_id", "to_step", "work_date", "created_at", "id"],
    )
    if outlets.empty or changes.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    current = changes.groupby("outlet_id").tail(1)[["outlet_id", "to_step"]]
    merged = current.merge(outlets, left_on="outlet_id", right_on="id")
    merged["done"] = merged["to_step"] == OutletStep.DONE.value
    grouped = merged.groupby("unit_id")["done"].agg(total="count", done="sum").reset_index()
    grouped["unit_id"] = grouped["unit_id"].astype(int)
    grouped["value"] = grouped["done"] / grouped["total"] * 100.0
    grouped["detail"] = [
        f"已完成整治排口 {int(d)} / 已登记排口 {int(t)}" for d, t in zip(grouped["done"], grouped["total"], strict=True)
    ]
    return grouped[INDICATOR_COLUMNS].sort_values("unit_id").reset_index(drop=True)
