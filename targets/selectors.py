"""Reads of the assessment — also the selectors the dashboards use (ranking, score sheet, risks, trend)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tracker.common.frames import query_frame
from tracker.common.memo import shared_reads
from tracker.models import Unit
from tracker.selectors import territorial_units
from tracker.selectors.people import SECTION_LIMIT

from . import province, registry, scoring
from .choices import READABLE_RUN_STATUSES, Area, FollowUpStatus, ItemStatus, RunStatus, Source, ValueStatus
from .models import (
    AssessmentItem,
    AssessmentScheme,
    DataValue,
    Indicator,
    NotApplicable,
    ProvincialRanking,
    QuarterTarget,
    RiskFollowUp,
    ScoreSnapshot,
    ScoringRun,
    Target,
    UnitScore,
)


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


def readable_runs() -> QuerySet[ScoringRun]:
    """Runs a reader may open by id: succeeded ones and superseded ones (kept whole, marked, linked onward)."""
    return ScoringRun.objects.filter(status__in=READABLE_RUN_STATUSES).select_related(
        "scheme", "publication", "replaced_by", "previous_run"
    )


def run_history(scheme: AssessmentScheme, limit: int = 60) -> list[ScoringRun]:
    return list(
        ScoringRun.objects.filter(scheme=scheme).select_related("publication").order_by("-as_of", "-created_at")[:limit]
    )


def previous_run(run: ScoringRun) -> ScoringRun | None:
    """The ranking this run was compared with when it was computed (stored with the run)."""
    if run.previous_run_id:
        return ScoringRun.objects.filter(pk=run.previous_run_id).first()
    return None


def scheme_items(scheme: AssessmentScheme) -> list[AssessmentItem]:
    return list(AssessmentItem.objects.filter(scheme=scheme).select_related("indicator").order_by("sort_order", "pk"))


def run_items(run: ScoringRun) -> list[AssessmentItem]:
    """The items of a run (those it scored), in the run's order."""
    items = scheme_items(run.scheme)
    if run.items_frozen:
        used = {d["item_id"] for d in run.items_frozen}
        items = [i for i in items if i.pk in used]
    return items


def engine_items_of(run: ScoringRun) -> dict[int, scoring.Item]:
    """The engine items exactly as the run used them (frozen with the run; older runs: the scheme today)."""
    if run.items_frozen:
        return {d["item_id"]: item_from_frozen(d) for d in run.items_frozen}
    return {e.item_id: e for _, e in engine_items(run.scheme)}


def ranking(run: ScoringRun) -> dict:
    """The ranking table of a run, read from its stored rows only: totals, ranks, movement and per-item points
    with their stored status. The run is pinned by id, so a concurrent recompute (which supersedes, never
    deletes) cannot tear the table. Four queries whatever the number of units and items.
    """
    items = run_items(run)
    totals = list(UnitScore.objects.filter(run=run).select_related("unit").order_by("rank", "unit__sort_order"))
    columns = ["unit_id", "item_id", "points", "status"]
    cells = query_frame(ScoreSnapshot.objects.filter(run=run).values_list(*columns), columns, text=["status"])
    by_unit: dict[int, dict[int, dict]] = {}
    for u, i, p, st in zip(cells["unit_id"], cells["item_id"], cells["points"], cells["status"], strict=True):
        by_unit.setdefault(u, {})[i] = {"points": p, "status": st, "no_data": st == ItemStatus.NO_DATA}
    rows = [
        {
            "unit": t.unit,
            "total": t.total,
            "rank": t.rank,
            "improvement": t.improvement,
            "improvement_rank": t.improvement_rank,
            "movement": t.movement,
            "vetoed": t.vetoed,
            "scale": t.scale,
            # per item: {"points", "status", "no_data"} (None if the item was added after the run)
            "items": [by_unit.get(t.unit_id, {}).get(i.pk) for i in items],
        }
        for t in totals
    ]
    return {"run": run, "items": items, "rows": rows, "previous": previous_run(run)}


def ranking_frame(run: ScoringRun) -> pd.DataFrame:
    """The ranking of a run as a frame, read from its stored rows only, in `ranking`'s order (one query, no model
    instance): unit_id, unit_name, rank, total, movement and improvement_rank (None where the run stored none).
    What the dashboards show of a ranking; `ranking` also carries each unit's per-item cells."""
    cols = ["unit_id", "unit_name", "rank", "total", "movement", "improvement_rank"]
    qs = (
        UnitScore.objects.filter(run=run)
        .order_by("rank", "unit__sort_order")
        .values_list("unit_id", "unit__name", "rank", "total", "movement", "improvement_rank")
    )
    df = query_frame(qs, cols, text=["unit_name"])
    for col in ("movement", "improvement_rank"):  # whole numbers or None, as the model gives them
        df[col] = pd.Series([None if pd.isna(v) else int(v) for v in df[col]], index=df.index, dtype=object)
    return df


# What a run's ranking shows besides the run's own stored rows (which never change once the run succeeded):
# the units', items' and indicators' names.
RANKING_TABLES = ("tracker_unit", "targets_assessmentitem", "targets_indicator")


def ranking_of(run: ScoringRun) -> dict:
    """`ranking(run)`, its rows cached by the run and the versions of the names it shows (tracker.versions, read
    before the rows); the run it is compared with is looked up each time (one query)."""
    from tracker import versions

    def rows() -> dict:
        full = ranking(run)
        return {"items": full["items"], "rows": full["rows"]}

    part = versions.cached(f"ranking:v1:{run.pk}", RANKING_TABLES, rows)
    return {"run": run, **part, "previous": previous_run(run)}


def render_explanation(snap: ScoreSnapshot, lang: str = "zh", items: dict | None = None) -> str:
    """One snapshot's explanation, rendered from its stored numbers and the run's frozen item (a run computed
    before the facts were stored shows the text it stored then)."""
    if snap.legacy_explanation:
        return snap.legacy_explanation
    items = items if items is not None else engine_items_of(snap.run)
    item = items.get(snap.item_id)
    if item is None:
        return ""
    row = {f: getattr(snap, f) for f in ("value", "target", "baseline", "points", "status", "detail", "na_reason")}
    row["item_rank"] = snap.item_rank
    count = getattr(snap, "ranked_count", None)
    return scoring.explain(item, row, lang, ranked_count=count)


def unit_score_sheet(run: ScoringRun, unit_id: int, lang: str | None = None) -> list[ScoreSnapshot]:
    """Each item of a unit in a run, with the stored facts and an explanation and recovery need rendered from
    them in the active language (`.explanation_text`, `.need_text`)."""
    lang = lang or get_language() or "zh-hans"
    snaps: list[Any] = list(  # decorated below with ranked_count, explanation_text, need_text
        ScoreSnapshot.objects.filter(run=run, unit_id=unit_id)
        .select_related("item__indicator")
        .order_by("item__sort_order", "item_id")
    )
    items = engine_items_of(run)
    rank_items = [s.item_id for s in snaps if items.get(s.item_id) and items[s.item_id].rule == scoring.RANK]
    counts = {}
    if rank_items:
        counts = dict(
            ScoreSnapshot.objects.filter(run=run, item_id__in=rank_items, item_rank__isnull=False)
            .values("item_id")
            .annotate(n=Count("pk"))
            .values_list("item_id", "n")
        )
    for s in snaps:
        s.ranked_count = counts.get(s.item_id)
        s.explanation_text = render_explanation(s, lang, items)
        item = items.get(s.item_id)
        s.need_text = scoring.need_text(item, s.need_kind, s.need_amount, s.need_total, lang) if item else ""
    return snaps


RISK_COLUMNS = [
    "unit_id",
    "unit_name",
    "item_id",
    "indicator",
    "value",
    "target",
    "projected",
    "points_lost",
    "points_at_risk",
    "need_kind",
    "advice",
]


def deduction_risks(run: ScoringRun, unit_ids: list[int] | None = None, lang: str | None = None) -> pd.DataFrame:
    """扣分风险 of a run, read from its stored rows: the item × unit pairs with points at risk (points already lost
    are kept apart in `points_lost`), with the stored recovery need; most points at risk first, then by unit name
    and item.

    Columns (RISK_COLUMNS): unit_id, unit_name, item_id, indicator, value, target, projected, points_lost,
    points_at_risk, need_kind, advice (the need rendered in the active language).
    """
    qs = ScoreSnapshot.objects.filter(run=run, points_at_risk__gt=0)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return _risk_frame(run, qs, lang)


def deduction_risk_summary(
    run: ScoringRun,
    *,
    item_ids: list[int] | None = None,
    limit: int = 10,
    lang: str | None = None,
    totals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The first `limit` rows of `deduction_risks(run)` (of `item_ids` only, given them), how many risks there are
    and the points at risk in all: what the leaders' board shows, without reading and rendering every risk (a
    country has ~20,000). Two queries: the count and sum (none when the caller read them: `totals`, {"count",
    "points"} of the same risks); the rows at or above the `limit`-th largest points at risk (ties included, so
    the order is `deduction_risks`' own)."""
    qs = ScoreSnapshot.objects.filter(run=run, points_at_risk__gt=0)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    if totals is None:
        totals = qs.aggregate(count=Count("pk"), points=Sum("points_at_risk"))
    nth = qs.order_by("-points_at_risk").values("points_at_risk")[limit - 1 : limit]
    # fewer than `limit` risks: no `limit`-th row (NULL), so every risk
    top = qs.filter(points_at_risk__gte=Coalesce(Subquery(nth), Value(0.0)))
    rows = _risk_frame(run, top, lang).head(limit)
    # numbers as in the whole frame, where some risk has each (NaN, not None, where one has none)
    numbers = ["value", "target", "projected", "points_lost", "points_at_risk"]
    rows[numbers] = rows[numbers].astype(float)
    return {
        "rows": rows,
        "count": int(totals["count"]),
        "points": float(totals["points"] or 0.0),
    }


def _risk_frame(run: ScoringRun, qs: QuerySet[ScoreSnapshot], lang: str | None) -> pd.DataFrame:
    """The risks of `qs` (snapshots of `run`) as `deduction_risks` returns them (one query)."""
    lang = lang or get_language() or "zh-hans"
    fields = ["unit_id", "unit__name", "item_id", "value", "target", "projected", "points_lost", "points_at_risk"]
    fields += ["need_kind", "need_amount", "need_total"]
    df = pd.DataFrame(qs.values(*fields), columns=fields)
    if df.empty:
        return pd.DataFrame(columns=RISK_COLUMNS)
    items = engine_items_of(run)
    df["indicator"] = [items[i].name if i in items else "" for i in df["item_id"]]
    df["advice"] = [
        scoring.need_text(items[i], k, a, t, lang) if i in items else ""
        for i, k, a, t in zip(df["item_id"], df["need_kind"], df["need_amount"], df["need_total"], strict=True)
    ]
    df = df.rename(columns={"unit__name": "unit_name"})
    order = ["points_at_risk", "unit_name", "item_id"]
    return df.sort_values(order, ascending=[False, True, True], kind="stable")[RISK_COLUMNS].reset_index(drop=True)


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
    values = approved_values(year, ids, unit_ids=[u.pk for u in unit_list])  # the values in force now
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
            digits = scoring.default_precision(ind.unit_of_measure) if ind.precision is None else ind.precision
            met = None if value is None or target is None else scoring.meets(value, target, ind.direction, digits)
            cells.append(
                {
                    "value": value,
                    "target": target,
                    "met": met,
                    "month": None if v is None else int(v.month),
                    "verified": None if v is None else bool(v.verified),
                }
            )
        rows.append({"unit": unit, "cells": cells})
    return {"indicators": indicators, "rows": rows}


# --- the scoring engine's inputs (read here; targets.services computes and writes) ----------------------
def frozen_item(it: AssessmentItem, e: scoring.Item) -> dict:
    """An item as the run used it (rendering a past run's explanation never depends on today's scheme)."""
    return {
        "item_id": e.item_id,
        "name": e.name,
        "unit": e.unit,
        "direction": e.direction,
        "rule": e.rule,
        "max_points": e.max_points,
        "params": e.params,
        "na_policy": e.na_policy,
        "veto": e.veto,
        "area": e.area,
        "accrual": e.accrual,
        "precision": e.precision,
        "recovery": e.recovery,
        "name_en": e.name_en,
        "code": it.indicator.code,
        "sort_order": it.sort_order,
    }


def item_from_frozen(d: dict) -> scoring.Item:
    fields = {k: v for k, v in d.items() if k not in ("code", "sort_order")}
    return scoring.Item(**fields)


def engine_items(scheme: AssessmentScheme) -> list[tuple[AssessmentItem, scoring.Item]]:
    rows = list(AssessmentItem.objects.filter(scheme=scheme).select_related("indicator").order_by("sort_order", "pk"))
    return [(it, engine_item(it)) for it in rows]


def engine_item(it: AssessmentItem) -> scoring.Item:
    ind = it.indicator
    if ind.accrual:
        accrual = ind.accrual
    elif ind.source == Source.COMPUTED:
        accrual = registry.ACCRUAL.get(ind.code, scoring.FLOW)
    else:
        accrual = scoring.COUNT if ind.aggregate == scoring.SUM else scoring.FLOW
    return scoring.Item(
        it.pk,
        ind.name,
        ind.unit_of_measure,
        ind.direction,
        it.rule,
        it.max_points,
        it.params,
        na_policy=it.na_policy,
        veto=it.veto,
        area=ind.area,
        accrual=accrual,
        precision=ind.precision,
        recovery=registry.RECOVERY.get(ind.code, ""),
        name_en=ind.name_en,
    )


def load_frames(
    scheme: AssessmentScheme,
    as_of: date,
    progress: Callable[[int], None] | None = None,
    pairs: list[tuple[AssessmentItem, scoring.Item]] | None = None,
) -> tuple[list[scoring.Item], pd.DataFrame, list[int]]:
    """The engine's inputs: items, one row per item × unit (value, target, baseline, detail, applicable,
    na_reason, months, num, den) and the units.

    A unit is not applicable (不涉及) on an item when an admin found so (`NotApplicable`, with the reason) or when
    it is absent from a source where absence means it has nothing to assess (no outlets, sections, stations or
    funded projects: `registry.NA_WHEN_ABSENT`).
    """
    pairs = pairs if pairs is not None else engine_items(scheme)
    unit_ids = list(territorial_units().values_list("pk", flat=True))
    indicator_ids = [it.indicator_id for it, _ in pairs]
    # one row per unit × item (142,200 nationally): read by COPY into pandas, not as model dicts
    target_columns = ["indicator_id", "unit_id", "value", "baseline"]
    targets = query_frame(
        Target.objects.filter(year=scheme.year, indicator_id__in=indicator_ids).order_by().values_list(*target_columns),
        target_columns,
    ).rename(columns={"value": "target"})
    targets = targets.astype({"indicator_id": "int64", "unit_id": "int64", "target": float, "baseline": float})
    frames = []
    missing_sources: set[int] = set()
    absent_means_na: dict[int, str] = {}
    computed = [it for it, _ in pairs if it.indicator.source == Source.COMPUTED]
    with shared_reads():  # indicators that read the same data read it once in this pass (the four air ones)
        for n, it in enumerate(computed):
            df = registry.computed_frame(it.indicator.code, year=scheme.year, as_of=as_of)
            if df is not None:
                frames.append(df.assign(indicator_id=it.indicator_id))
                if it.indicator.code in registry.NA_WHEN_ABSENT:
                    absent_means_na[it.indicator_id] = registry.NA_WHEN_ABSENT[it.indicator.code]
            else:
                missing_sources.add(it.indicator_id)
            if progress:
                progress(5 + int(50 * (n + 1) / max(len(computed), 1)))
    frames.append(entered_frame(scheme.year, as_of, [it.indicator_id for it, _ in pairs]))
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    values = values[values["unit_id"].isin(unit_ids)]
    item_of = pd.DataFrame({"indicator_id": indicator_ids, "item_id": [it.pk for it, _ in pairs]})
    grid = item_of.merge(pd.DataFrame({"unit_id": unit_ids}), how="cross")
    grid = grid.merge(values, on=["indicator_id", "unit_id"], how="left", indicator="_source").merge(
        targets, on=["indicator_id", "unit_id"], how="left"
    )
    if progress:
        progress(60)
    grid["no_source"] = grid["indicator_id"].isin(missing_sources)
    absent = grid["_source"] == "left_only"
    reason = grid["indicator_id"].map(absent_means_na)
    grid["applicable"] = ~(absent & reason.notna())
    grid["na_reason"] = reason.where(~grid["applicable"], "")
    found = pd.DataFrame(
        NotApplicable.objects.filter(year=scheme.year, indicator_id__in=indicator_ids).values(
            "indicator_id", "unit_id", "reason"
        ),
        columns=["indicator_id", "unit_id", "reason"],
    )
    if not found.empty:
        grid = grid.merge(found, on=["indicator_id", "unit_id"], how="left")
        marked = grid["reason"].notna()
        grid.loc[marked, "applicable"] = False
        grid.loc[marked, "na_reason"] = grid.loc[marked, "reason"]
    cols = ["item_id", "unit_id", "value", "target", "baseline", "detail", "no_source", "applicable", "na_reason"]
    cols += ["months", "num", "den"]
    for col in cols:
        if col not in grid:
            grid[col] = np.nan
    grid["na_reason"] = grid["na_reason"].fillna("")
    return [e for _, e in pairs], grid[cols], unit_ids


def approved_values(
    year: int, indicator_ids: list[int], *, as_of: date | None = None, unit_ids: list[int] | None = None
) -> pd.DataFrame:
    """Which approved entered value counts — the one place that says so: per indicator and unit the latest
    approved value of `year` (month 0, the annual value, counts as the latest), among the months up to `as_of`.

    With `as_of`, "approved" means approved by the end of that day and not yet corrected then (`approved_at`,
    `superseded_at`), so a correction approved later never changes a past date's scores. Without it: the values
    in force now. Columns: indicator_id, unit_id, month, value, verified. One query.
    """
    qs = DataValue.objects.filter(indicator_id__in=indicator_ids, year=year, status=ValueStatus.APPROVED)
    if as_of is None:
        qs = qs.filter(superseded_at__isnull=True)
    else:
        end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
        qs = qs.filter(approved_at__lt=end).filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=end))
        if as_of.year == year:
            qs = qs.filter(month__lte=as_of.month)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    cols = ["indicator_id", "unit_id", "month", "value", "verified"]
    df = pd.DataFrame(qs.values(*cols), columns=cols)
    if df.empty:
        return df
    df["order"] = df["month"].replace(0, 13)
    df = df.sort_values(["indicator_id", "unit_id", "order"]).drop_duplicates(["indicator_id", "unit_id"], keep="last")
    return df[cols].reset_index(drop=True)


def entered_frame(year: int, as_of: date, indicator_ids: list[int]) -> pd.DataFrame:
    """The entered indicators' values as the engine reads them (`approved_values` as of the run's date)."""
    entered = list(Indicator.objects.filter(pk__in=indicator_ids, source=Source.ENTERED).values_list("pk", flat=True))
    df = approved_values(year, entered, as_of=as_of)
    if df.empty:
        return pd.DataFrame(columns=["indicator_id", "unit_id", "value", "detail", "months"])
    period = np.where(df["month"] == 0, f"{year}年", f"{year}年" + df["month"].astype(str) + "月")
    kind = np.where(df["verified"], "核定数", "快报数")
    df["detail"] = pd.Series(period, index=df.index) + "填报，已审核" + pd.Series(kind, index=df.index)
    df["months"] = df["month"].replace(0, 12).astype(float)  # the months the value covers (for the risk)
    return df[["indicator_id", "unit_id", "value", "detail", "months"]]


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


# --- the province's view of the city; first-quarter (开门红) targets ------------------------------------------


@dataclass(frozen=True)
class ProvinceRow:
    ranking: Any  # ProvincialRanking
    from_bottom: int  # 倒数第 N
    gap: float | None  # to the next place, in the indicator's unit (`province.gap_to_next`)
    bottom_third: bool  # shown in red: in the last third of the province


def province_panel(*, year: int) -> list[ProvinceRow]:
    """The newest recorded provincial ranking of each indicator for the latest year on or before `year` (the
    leaders' dashboard's live panel). One query."""
    rows = list(
        ProvincialRanking.objects.filter(year__lte=year)
        .select_related("indicator")
        .order_by("-year", "indicator__sort_order", "indicator_id", "-month")
    )
    if not rows:
        return []
    latest = rows[0].year
    seen: set[int] = set()
    out = []
    for r in rows:
        if r.year != latest or r.indicator_id in seen:
            continue
        seen.add(r.indicator_id)
        higher = r.indicator.direction == "higher"
        out.append(
            ProvinceRow(
                ranking=r,
                from_bottom=province.from_bottom(r.rank, r.total),
                gap=province.gap_to_next(r.value, r.next_value, higher_better=higher) if r.rank > 1 else None,
                bottom_third=r.rank > r.total * 2 / 3,
            )
        )
    return out


@dataclass(frozen=True)
class QuarterRow:
    indicator: Indicator
    unit: Unit
    target: float
    actual: float | None
    met: bool | None  # None: no actual yet


def first_quarter(*, user, year: int, today: date) -> list[QuarterRow]:
    """First-quarter (开门红) targets this person may see, each with the quarter's actual value.

    The actual is the indicator's value as of 31 March (or today, while the quarter runs): a computed
    indicator's year-to-date value from its selector (`registry.computed_frame`), an entered one's approved value
    (in force now) of the latest month of January–March. Met: the engine's rule (`scoring.meets`).
    Queries: the targets, then one per computed indicator and one for the entered ones.
    """
    targets = list(
        QuarterTarget.objects.restrict(user, "view")
        .filter(year=year, quarter=1)
        .select_related("indicator", "unit")
        .order_by("indicator__sort_order", "indicator_id", "unit__sort_order", "unit__code")
    )
    if not targets:
        return []
    as_of = min(date(year, 3, 31), today)
    actual: dict[tuple[int, int], float] = {}
    indicators = {t.indicator_id: t.indicator for t in targets}
    entered = [pk for pk, ind in indicators.items() if ind.source == Source.ENTERED]
    if as_of >= date(year, 1, 1):
        for pk, ind in indicators.items():
            if ind.source != Source.COMPUTED:
                continue
            df = registry.computed_frame(ind.code, year=year, as_of=as_of)
            if df is not None:
                for unit_id, value in zip(df["unit_id"], df["value"], strict=True):
                    if pd.notna(value):
                        actual[(pk, int(unit_id))] = float(value)
        if entered:
            # the approved value in force of the latest month of January–March (approved in April counts too)
            rows = (
                DataValue.objects.filter(
                    indicator_id__in=entered, year=year, month__gte=1, month__lte=3, status=ValueStatus.APPROVED,
                    superseded_at__isnull=True,
                )
                .order_by("indicator_id", "unit_id", "month")
                .values_list("indicator_id", "unit_id", "value")
            )  # fmt: skip
            for ind_id, unit_id, value in rows:
                actual[(ind_id, unit_id)] = float(value)  # ordered by month: the latest month wins
    out = []
    for t in targets:
        value = actual.get((t.indicator_id, t.unit_id))
        ind = t.indicator
        digits = scoring.default_precision(ind.unit_of_measure) if ind.precision is None else ind.precision
        met = None if value is None else scoring.meets(value, t.value, ind.direction, digits)
        out.append(QuarterRow(indicator=t.indicator, unit=t.unit, target=t.value, actual=value, met=met))
    return out


def bulletin_ranking_movement(*, start: date, end: date):
    """The bulletin's part on ranking movement: the latest published ranking (通报) dated on or before the
    period's end against the scheme's published ranking before it — each unit's rank then and now and the change,
    read from the stored runs (nothing is recomputed). Three queries."""
    from tracker.documents import DocumentSection

    published = list(
        ScoringRun.objects.filter(publication__isnull=False, as_of__lte=end)
        .select_related("scheme")
        .order_by("-as_of", "-created_at")[:1]
    )
    heading = "考核排名变化"
    headers = ("本期名次", "责任单位", "总分", "上期名次", "名次变化")
    if not published:
        return DocumentSection(heading=heading, headers=headers, rows=[], note="本期尚无已通报的考核排名。")
    run = published[0]
    before = (
        ScoringRun.objects.filter(scheme=run.scheme, publication__isnull=False, as_of__lt=run.as_of)
        .order_by("-as_of", "-created_at")
        .first()
    )
    previous = dict(UnitScore.objects.filter(run=before).values_list("unit_id", "rank")) if before else {}
    rows = []
    for s in UnitScore.objects.filter(run=run).select_related("unit").order_by("rank", "unit__sort_order"):
        was = previous.get(s.unit_id)
        if was is None:
            change = "—"
        elif was == s.rank:
            change = "持平"
        else:
            change = f"上升{was - s.rank}位" if was > s.rank else f"下降{s.rank - was}位"
        rows.append((s.rank, s.unit.name, f"{s.total:.2f}", was if was is not None else "—", change))
    note = f"{run.scheme.name}，计分截至{run.as_of.year}年{run.as_of.month}月{run.as_of.day}日" + (
        f"，与{before.as_of.year}年{before.as_of.month}月{before.as_of.day}日通报的排名相比。"
        if before
        else "；此前没有已通报的排名可比。"
    )
    return DocumentSection(heading=heading, headers=headers, rows=rows, note=note)


# --- 扣分风险跟踪督办 ------------------------------------------------------------------------------------
def followups_for_user(user) -> QuerySet:
    """Follow-ups this person may see: a unit's officials their unit's, city-wide roles every one."""
    return RiskFollowUp.objects.restrict(user, "view").select_related(
        "unit", "item__indicator", "item__scheme", "person", "assigned_by"
    )


def followup_list(*, user, year: int | None = None, unit_id: int | None = None, status: str | None = None) -> QuerySet:
    qs = followups_for_user(user)
    if year:
        qs = qs.filter(year=year)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("deadline", "pk")


def followup_summary(*, user, year: int, today: date, unit_id: int | None = None, limit: int = 10) -> dict:
    """The dashboards' live panel: who follows which risk, overdue ones first. One aggregate query for the three
    counts; the rows (a few) only when some follow-up is open."""
    qs = followup_list(user=user, year=year, unit_id=unit_id)
    done = Q(status=FollowUpStatus.DONE)
    counts = qs.aggregate(
        open=Count("pk", filter=~done),
        overdue=Count("pk", filter=~done & Q(deadline__lt=today)),
        done=Count("pk", filter=done),
    )
    rows = list(qs.exclude(done).order_by("deadline", "pk")[:limit]) if counts["open"] else []
    for f in rows:
        f.overdue = f.is_overdue(today)
    return {"rows": rows, **counts}


def risks_with_followups(*, run: ScoringRun, user, unit_ids: list[int] | None = None) -> list[dict]:
    """The run's deduction risks, each with the follow-up of its (year, unit, item) when there is one."""
    risks = deduction_risks(run, unit_ids)
    followups = {
        (f.unit_id, f.item_id): f
        for f in followup_list(user=user, year=run.scheme.year).filter(item__scheme=run.scheme)
    }
    rows = risks.to_dict("records")
    for r in rows:
        r["followup"] = followups.get((r["unit_id"], r["item_id"]))
    return rows


def person_sections(*, person, user) -> list[dict[str, Any]]:
    """The person's page (tracker): the deduction risks the person follows up."""
    today = timezone.localdate()
    qs = followups_for_user(user).filter(person=person).order_by("-year", "deadline", "pk")
    return [
        {
            "key": "followups",
            "title": _("扣分风险跟踪督办"),
            "headers": [_("考核项"), _("年度"), _("办结时限"), _("状态")],
            "rows": [
                {
                    "url": reverse("targets:risk_followup_detail", args=[f.pk]),
                    "cells": [f.item.indicator.name, f.year, f.deadline.isoformat(), f.get_status_display()],
                    "css": "row-overdue" if f.is_overdue(today) else "",
                }
                for f in qs[:SECTION_LIMIT]
            ],
            "count": qs.count(),
            "more_url": "",
        }
    ]
