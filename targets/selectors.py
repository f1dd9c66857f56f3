"""Reads of the assessment — also the selectors the dashboards use (ranking, score sheet, risks, trend)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from tracker.models import Unit
from tracker.selectors import territorial_units

from . import scoring
from .choices import READABLE_RUN_STATUSES, Area, ItemStatus, RunStatus, Source
from .models import AssessmentItem, AssessmentScheme, Indicator, ScoreSnapshot, ScoringRun, Target, UnitScore
from .services import approved_values, engine_items, item_from_frozen


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
    cells = pd.DataFrame(
        ScoreSnapshot.objects.filter(run=run).values("unit_id", "item_id", "points", "status"),
        columns=["unit_id", "item_id", "points", "status"],
    )
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


def deduction_risks(run: ScoringRun, unit_ids: list[int] | None = None, lang: str | None = None) -> pd.DataFrame:
    """扣分风险 of a run, read from its stored rows: the item × unit pairs with points at risk (points already lost
    are kept apart in `points_lost`), with the stored recovery need.

    Columns: unit_id, unit_name, item_id, indicator, value, target, projected, points_lost, points_at_risk,
    need_kind, advice (the need rendered in the active language).
    """
    lang = lang or get_language() or "zh-hans"
    cols = [
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
    qs = ScoreSnapshot.objects.filter(run=run, points_at_risk__gt=0)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    fields = ["unit_id", "unit__name", "item_id", "value", "target", "projected", "points_lost", "points_at_risk"]
    fields += ["need_kind", "need_amount", "need_total"]
    df = pd.DataFrame(qs.values(*fields), columns=fields)
    if df.empty:
        return pd.DataFrame(columns=cols)
    items = engine_items_of(run)
    df["indicator"] = [items[i].name if i in items else "" for i in df["item_id"]]
    df["advice"] = [
        scoring.need_text(items[i], k, a, t, lang) if i in items else ""
        for i, k, a, t in zip(df["item_id"], df["need_kind"], df["need_amount"], df["need_total"], strict=True)
    ]
    df = df.rename(columns={"unit__name": "unit_name"})
    return df.sort_values(["points_at_risk", "unit_name"], ascending=[False, True])[cols].reset_index(drop=True)


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
            digits = scoring.default_precision(ind.measure) if ind.precision is None else ind.precision
            met = None if value is None or target is None else scoring.meets(value, target, ind.direction, digits)
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


# --- 扣分风险跟踪督办 ------------------------------------------------------------------------------------
def followups_for_user(user) -> QuerySet:
    """Follow-ups this person may see: a unit's officials their unit's, city-wide roles every one."""
    from .models import RiskFollowUp

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
    from django.db.models import Q

    from .choices import FollowUpStatus

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
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from tracker.selectors.people import SECTION_LIMIT

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
