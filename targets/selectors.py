"""Reads of the assessment — also the selectors the dashboards use (ranking, score sheet, risks, trend)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from tracker.models import Unit
from tracker.selectors import territorial_units

from . import registry, scoring
from .choices import Area, RunStatus, Source, ValueStatus
from .models import AssessmentItem, AssessmentScheme, DataValue, Indicator, ScoreSnapshot, ScoringRun, Target, UnitScore


def scheme_list() -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.order_by("-year", "name")


def current_scheme(year: int | None = None) -> AssessmentScheme | None:
    """The published scheme of the year (this year by default), else the newest scheme."""
    year = year or timezone.localdate().year
    qs = AssessmentScheme.objects.order_by("-published", "-year", "name")
    return qs.filter(year=year).first() or qs.first()


def latest_run(scheme: AssessmentScheme, as_of: date | None = None) -> ScoringRun | None:
    """The newest succeeded run of the scheme (on or before `as_of`): the ranking in force."""
    qs = ScoringRun.objects.filter(scheme=scheme, status=RunStatus.SUCCEEDED)
    if as_of:
        qs = qs.filter(as_of__lte=as_of)
    return qs.select_related("scheme", "publication").order_by("-as_of", "-created_at").first()


def run_history(scheme: AssessmentScheme, limit: int = 60) -> list[ScoringRun]:
    return list(
        ScoringRun.objects.filter(scheme=scheme).select_related("publication").order_by("-as_of", "-created_at")[:limit]
    )


def previous_run(run: ScoringRun) -> ScoringRun | None:
    """The ranking before this one: the newest succeeded run of an earlier date."""
    return (
        ScoringRun.objects.filter(scheme_id=run.scheme_id, status=RunStatus.SUCCEEDED, as_of__lt=run.as_of)
        .order_by("-as_of", "-created_at")
        .first()
    )


def scheme_items(scheme: AssessmentScheme) -> list[AssessmentItem]:
    return list(AssessmentItem.objects.filter(scheme=scheme).select_related("indicator").order_by("sort_order", "pk"))


def ranking(run: ScoringRun) -> dict:
    """The ranking table of a run: totals, ranks, per-item points and the movement since the previous run.

    Five queries whatever the number of units and items.
    """
    items = scheme_items(run.scheme)
    totals = list(UnitScore.objects.filter(run=run).select_related("unit").order_by("rank", "unit__sort_order"))
    points = pd.DataFrame(
        ScoreSnapshot.objects.filter(run=run).values("unit_id", "item_id", "points", "raw_value"),
        columns=["unit_id", "item_id", "points", "raw_value"],
    )
    by_unit = {
        u: {i: (p, r is None or pd.isna(r)) for i, p, r in zip(g["item_id"], g["points"], g["raw_value"], strict=True)}
        for u, g in points.groupby("unit_id")
    }
    prev = previous_run(run)
    prev_rank = dict(UnitScore.objects.filter(run=prev).values_list("unit_id", "rank")) if prev else {}
    rows = []
    for t in totals:
        before = prev_rank.get(t.unit_id)
        rows.append(
            {
                "unit": t.unit,
                "total": t.total,
                "rank": t.rank,
                "improvement": t.improvement,
                "improvement_rank": t.improvement_rank,
                "movement": None if before is None else before - t.rank,
                # per item: {"points": float, "no_data": bool} (None if the item was added after the run)
                "items": [_cell(by_unit.get(t.unit_id, {}).get(i.pk)) for i in items],
            }
        )
    return {"run": run, "items": items, "rows": rows, "previous": prev}


def _cell(pair):
    return None if pair is None else {"points": pair[0], "no_data": bool(pair[1])}


def unit_score_sheet(run: ScoringRun, unit_id: int) -> list[ScoreSnapshot]:
    """Each item of a unit in a run, with value, target, points and the explanation."""
    return list(
        ScoreSnapshot.objects.filter(run=run, unit_id=unit_id)
        .select_related("item__indicator")
        .order_by("item__sort_order", "item_id")
    )


def months_elapsed(as_of: date) -> float:
    return as_of.month - 1 + as_of.day / calendar.monthrange(as_of.year, as_of.month)[1]


def deduction_risks(run: ScoringRun, unit_ids: list[int] | None = None) -> pd.DataFrame:
    """扣分风险 of a run: items whose year-end projection loses points, with what it takes to recover.

    Columns: unit_id, unit_name, item_id, indicator, value, target, projected, points_at_risk, advice.
    """
    pairs = engine_items(run.scheme)
    qs = ScoreSnapshot.objects.filter(run=run)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    snaps = pd.DataFrame(
        qs.values("item_id", "unit_id", "raw_value", "target", "unit__name"),
        columns=["item_id", "unit_id", "raw_value", "target", "unit__name"],
    )
    cols = ["unit_id", "unit_name", "item_id", "indicator", "value", "target", "projected", "points_at_risk", "advice"]
    if snaps.empty or not pairs:
        return pd.DataFrame(columns=cols)
    meta = pd.DataFrame(
        [(it.pk, it.indicator.name, it.indicator.aggregate, it.indicator_id) for it, _ in pairs],
        columns=["item_id", "indicator", "aggregate", "indicator_id"],
    )
    base = pd.DataFrame(
        Target.objects.filter(year=run.scheme.year, indicator_id__in=meta["indicator_id"]).values(
            "indicator_id", "unit_id", "baseline"
        ),
        columns=["indicator_id", "unit_id", "baseline"],
    )
    df = snaps.merge(meta, on="item_id").merge(base, on=["indicator_id", "unit_id"], how="left")
    df = df.merge(_entered_months(run, meta, unit_ids), on=["indicator_id", "unit_id"], how="left")
    df = df.rename(columns={"raw_value": "value", "unit__name": "unit_name"})
    df[["value", "target", "baseline"]] = df[["value", "target", "baseline"]].astype(float)
    risks = scoring.deduction_risks(df, [e for _, e in pairs], months_elapsed(run.as_of))
    if risks.empty:
        return pd.DataFrame(columns=cols)
    out = risks.merge(
        df[["item_id", "unit_id", "unit_name", "indicator", "value", "target"]], on=["item_id", "unit_id"]
    )
    return out.sort_values(["points_at_risk", "unit_name"], ascending=[False, True])[cols].reset_index(drop=True)


def _entered_months(run: ScoringRun, meta: pd.DataFrame, unit_ids: list[int] | None) -> pd.DataFrame:
    """How many months each entered value in the run covers (a value reported up to September covers 9)."""
    qs = DataValue.objects.filter(
        indicator_id__in=list(meta["indicator_id"]),
        indicator__source=Source.ENTERED,
        year=run.scheme.year,
        status=ValueStatus.APPROVED,
        superseded_at__isnull=True,
    )
    if run.as_of.year == run.scheme.year:
        qs = qs.filter(month__lte=run.as_of.month)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    df = pd.DataFrame(qs.values("indicator_id", "unit_id", "month"), columns=["indicator_id", "unit_id", "month"])
    df["months"] = df["month"].replace(0, 12).astype(float)
    return df.groupby(["indicator_id", "unit_id"], as_index=False)["months"].max()


def monthly_totals_trend(scheme: AssessmentScheme, unit_ids: list[int] | None = None) -> pd.DataFrame:
    """Total and rank per unit for each scoring date of the scheme (the newest run of each date)."""
    runs = pd.DataFrame(
        ScoringRun.objects.filter(scheme=scheme, status=RunStatus.SUCCEEDED).values("pk", "as_of", "created_at"),
        columns=["pk", "as_of", "created_at"],
    )
    cols = ["as_of", "unit_id", "unit_name", "total", "rank"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    keep = runs.sort_values("created_at").drop_duplicates("as_of", keep="last")
    qs = UnitScore.objects.filter(run_id__in=list(keep["pk"]))
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    df = pd.DataFrame(
        qs.values("run_id", "unit_id", "unit__name", "total", "rank"),
        columns=["run_id", "unit_id", "unit__name", "total", "rank"],
    )
    df = df.merge(keep.rename(columns={"pk": "run_id"})[["run_id", "as_of"]], on="run_id")
    return df.rename(columns={"unit__name": "unit_name"}).sort_values(["as_of", "rank"])[cols].reset_index(drop=True)


def indicator_catalogue() -> QuerySet[Indicator]:
    return Indicator.objects.order_by("area", "sort_order", "code")


def entered_indicators(areas: tuple[str, ...] | None = None) -> QuerySet[Indicator]:
    qs = Indicator.objects.filter(source=Source.ENTERED).order_by("area", "sort_order", "code")
    return qs.filter(area__in=areas) if areas else qs


def targets_table(*, units: QuerySet[Unit], year: int) -> QuerySet[Target]:
    return (
        Target.objects.filter(unit__in=units, year=year)
        .select_related("indicator", "unit")
        .order_by("unit__sort_order", "unit__code", "indicator__area", "indicator__sort_order")
    )


def wastefree_table(*, units: QuerySet[Unit], year: int) -> dict:
    """Waste-free city and soil indicators per unit: latest approved value of the year against the target."""
    indicators = list(entered_indicators((Area.WASTEFREE, Area.SOIL)))
    ids = [i.pk for i in indicators]
    unit_list = list(units.filter(pk__in=territorial_units().values("pk")).order_by("sort_order", "code"))
    values = pd.DataFrame(
        DataValue.objects.filter(
            indicator_id__in=ids,
            unit__in=[u.pk for u in unit_list],
            year=year,
            status=ValueStatus.APPROVED,
            superseded_at__isnull=True,
        ).values("indicator_id", "unit_id", "month", "value", "audited"),
        columns=["indicator_id", "unit_id", "month", "value", "audited"],
    )
    latest = {}
    if not values.empty:
        values["order"] = values["month"].replace(0, 13)
        values = values.sort_values("order").drop_duplicates(["indicator_id", "unit_id"], keep="last")
        latest = {(r.indicator_id, r.unit_id): r for r in values.itertuples(index=False)}
    targets = {
        (t.indicator_id, t.unit_id): t.value
        for t in Target.objects.filter(indicator_id__in=ids, year=year, unit__in=[u.pk for u in unit_list])
    }
    rows = []
    for unit in unit_list:
        cells = []
        for ind in indicators:
            v = latest.get((ind.pk, unit.pk))
            target = targets.get((ind.pk, unit.pk))
            value = None if v is None else float(v.value)
            met = None
            if value is not None and target is not None:
                met = value >= target if ind.direction == scoring.HIGHER else value <= target
            cells.append(
                {
                    "value": value,
                    "target": target,
                    "met": met,
                    "month": None if v is None else int(v.month),
                    "audited": None if v is None else bool(v.audited),
                }
            )
        rows.append({"unit": unit, "cells": cells})
    return {"indicators": indicators, "rows": rows}


# --- the scoring engine's inputs (read here; targets.services computes and writes) ----------------------
def engine_items(scheme: AssessmentScheme) -> list[tuple[AssessmentItem, scoring.Item]]:
    rows = list(AssessmentItem.objects.filter(scheme=scheme).select_related("indicator"))
    return [
        (
            it,
            scoring.Item(
                it.pk,
                it.indicator.name,
                it.indicator.measure,
                it.indicator.direction,
                it.rule,
                it.max_points,
                it.params,
            ),
        )
        for it in rows
    ]


def load_frames(
    scheme: AssessmentScheme, as_of: date, progress: Callable[[int], None] | None = None
) -> tuple[list[scoring.Item], pd.DataFrame, list[int]]:
    """The engine's inputs: items, one row per item × unit with value/target/baseline/detail, and the units."""
    pairs = engine_items(scheme)
    unit_ids = list(territorial_units().values_list("pk", flat=True))
    indicator_ids = [it.indicator_id for it, _ in pairs]
    targets = pd.DataFrame(
        Target.objects.filter(year=scheme.year, indicator_id__in=indicator_ids).values(
            "indicator_id", "unit_id", "value", "baseline"
        ),
        columns=["indicator_id", "unit_id", "value", "baseline"],
    ).rename(columns={"value": "target"})
    frames = []
    missing_sources: set[int] = set()
    computed = [it for it, _ in pairs if it.indicator.source == Source.COMPUTED]
    for n, it in enumerate(computed):
        df = registry.computed_frame(it.indicator.code, year=scheme.year, as_of=as_of)
        if df is not None:
            frames.append(df.assign(indicator_id=it.indicator_id))
        else:
            missing_sources.add(it.indicator_id)
        if progress:
            progress(5 + int(50 * (n + 1) / max(len(computed), 1)))
    frames.append(entered_frame(scheme.year, as_of, [it.indicator_id for it, _ in pairs]))
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    values = values[values["unit_id"].isin(unit_ids)]
    item_of = pd.DataFrame({"indicator_id": indicator_ids, "item_id": [it.pk for it, _ in pairs]})
    grid = item_of.merge(pd.DataFrame({"unit_id": unit_ids}), how="cross")
    grid = grid.merge(values, on=["indicator_id", "unit_id"], how="left").merge(
        targets, on=["indicator_id", "unit_id"], how="left"
    )
    if progress:
        progress(60)
    grid["no_source"] = grid["indicator_id"].isin(missing_sources)
    cols = ["item_id", "unit_id", "value", "target", "baseline", "detail", "no_source"]
    for col in cols:
        if col not in grid:
            grid[col] = np.nan
    return [e for _, e in pairs], grid[cols], unit_ids


def entered_frame(year: int, as_of: date, indicator_ids: list[int]) -> pd.DataFrame:
    """Latest approved entered value of the year up to `as_of`, per indicator and unit (month 0 = annual)."""
    qs = DataValue.objects.filter(
        indicator_id__in=indicator_ids,
        indicator__source=Source.ENTERED,
        year=year,
        status=ValueStatus.APPROVED,
        superseded_at__isnull=True,
    )
    if as_of.year == year:
        qs = qs.filter(month__lte=as_of.month)
    cols = ["indicator_id", "unit_id", "month", "value", "audited"]
    df = pd.DataFrame(qs.values(*cols), columns=cols)
    if df.empty:
        return pd.DataFrame(columns=["indicator_id", "unit_id", "value", "detail"])
    # annual (month 0) values count as the latest of the year
    df["order"] = df["month"].replace(0, 13)
    df = df.sort_values(["indicator_id", "unit_id", "order"]).drop_duplicates(["indicator_id", "unit_id"], keep="last")
    period = np.where(df["month"] == 0, f"{year}年", f"{year}年" + df["month"].astype(str) + "月")
    kind = np.where(df["audited"], "核定数", "快报数")
    df["detail"] = pd.Series(period, index=df.index) + "填报，已审核" + pd.Series(kind, index=df.index)
    return df[["indicator_id", "unit_id", "value", "detail"]]


def previous_year_totals(scheme: AssessmentScheme, as_of: date) -> pd.Series:
    """Totals of the latest succeeded run of last year's schemes on or before the same date last year."""
    try:
        last_year = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 Feb
        last_year = as_of.replace(year=as_of.year - 1, day=28)
    run = (
        ScoringRun.objects.filter(
            scheme__year=scheme.year - 1,
            status=RunStatus.SUCCEEDED,
            as_of__lte=last_year,
            as_of__gte=last_year - timedelta(days=31),
        )
        .order_by("-as_of", "-created_at")
        .first()
    )
    if run is None:
        return pd.Series(dtype=float)
    rows = UnitScore.objects.filter(run=run).values_list("unit_id", "total")
    return pd.Series(dict(rows), dtype=float)
