"""Water reads: scoped querysets for pages, frames for charts and the assessment's computed indicators."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
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
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ..choices import OUTLET_STEP_ORDER, OutletStep, SectionLevel, WaterClass
from ..common.scoping import get_for_user_or_404
from ..models import DrinkingWaterSource, OutletStepChange, SewageOutlet, WaterMonthlyReading, WaterSection
from ..standards import (
    WATER_PARAMETER_LABELS,
    cwqi,
    round_gb8170,
    round_rate,
    water_class_rank,
    water_compliant,
    water_exceedances,
    water_good_rate,
    water_limiting_factors,
    water_period_means,
    water_unit_compliance_rank,
)

# --- scoping: the one place that decides which water records a person sees ----------------------------


def water_records_for_user(model, user, action: str = "view") -> QuerySet:
    """Sections, outlets or sources of the units this person may `view` (or `report` for)."""
    return model.objects.restrict(user, action)


def outlet_for_user(user, pk, action: str = "view") -> SewageOutlet:
    """One outlet: 404 when its unit is out of the person's sight, 403 when they may see but not act."""
    return get_for_user_or_404(SewageOutlet.objects.select_related("unit", "river", "responsible"), pk, user, action)


def section_for_user(user, pk) -> WaterSection:
    return get_for_user_or_404(WaterSection.objects.select_related("unit", "river"), pk, user)


# --- sections -------------------------------------------------------------------------------------


def factors_text(codes: str | list | tuple) -> str:
    """定类因子 as the report writes them: 总磷、氨氮."""
    if isinstance(codes, str):
        codes = [c for c in codes.split(",") if c]
    return "、".join(WATER_PARAMETER_LABELS.get(c, c) for c in codes)


def exceedance_text(values: dict, *, target_rank: int, water_body: str) -> str:
    """超标倍数 against the target class, as the monthly report writes them: 总磷 0.35倍、氨氮 0.20倍."""
    clean = {k: (float(v) if v is not None and v == v else None) for k, v in values.items()}
    found = water_exceedances(clean, target_rank=target_rank, water_body=water_body)
    return "、".join(f"{WATER_PARAMETER_LABELS[k]} {v:.2f}倍" for k, v in found.items())


def _latest_and_ytd(as_of: dt.date) -> tuple[QuerySet, Coalesce, Coalesce]:
    """A section's readings up to `as_of`, newest first (for `latest_*` subqueries), and its year's counts on
    `as_of` as correlated subqueries: months with a verdict, compliant months (Jan 1 – `as_of`)."""
    latest = WaterMonthlyReading.objects.filter(section=OuterRef("pk"), month__lte=as_of).order_by("-month")
    year_start = dt.date(as_of.year, 1, 1)
    # correlated counts, not a GROUP BY over every section's readings: PostgreSQL evaluates them for the page's
    # rows only (after the sort and LIMIT), so a page costs the same at 30 sections and at 3,641
    in_year = WaterMonthlyReading.objects.filter(section=OuterRef("pk"), month__gte=year_start, month__lte=as_of)

    def count(readings) -> Coalesce:
        n = readings.order_by().values("section").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(n, output_field=IntegerField()), 0)

    return latest, count(in_year.filter(compliant__isnull=False)), count(in_year.filter(compliant=True))


# What the water index's cached facts are computed from: they are cached under these tables' versions
# (tracker.versions), so a warm index reads no readings. A river's water body (it decides the TP limits of its
# sections) is not among them: each period result carries the body and target it was judged on, and a reader
# re-judges one whose section no longer matches.
WATER_READ_TABLES = ("tracker_watermonthlyreading", "tracker_watersection")


def section_year_facts(*, as_of: dt.date) -> dict[int, tuple[int | None, bool | None, int, int]]:
    """Every section's latest class and verdict on `as_of` and its year's counts (months with a verdict,
    compliant months, Jan 1 – `as_of`), by section id: (latest_class, latest_compliant, ytd_total,
    ytd_compliant). Facts about the sections, the same for every reader: one query, cached by data versions."""
    from .. import versions

    def build() -> dict[int, tuple[int | None, bool | None, int, int]]:
        latest, ytd_total, ytd_compliant = _latest_and_ytd(as_of)
        rows = (
            WaterSection.objects.order_by()
            .annotate(
                latest_class=Subquery(latest.values("water_class")[:1]),
                latest_compliant=Subquery(latest.values("compliant")[:1]),
                ytd_total=ytd_total,
                ytd_compliant=ytd_compliant,
            )
            .values_list("pk", "latest_class", "latest_compliant", "ytd_total", "ytd_compliant")
        )
        return {pk: (cls, ok, total, compliant) for pk, cls, ok, total, compliant in rows}

    return versions.cached(f"water:year:{as_of.isoformat()}", WATER_READ_TABLES, build)


def section_queryset(
    *, user, as_of: dt.date, river_id: int | None = None, level: str | None = None, unit_id: int | None = None
) -> QuerySet[WaterSection]:
    """Sections the person sees, filtered, each annotated with its latest reading (month, class, compliant), the
    YTD counts and `ytd_rate_sort` (compliant ÷ assessed months × 100) so the ledger sorts and pages in SQL."""
    latest, ytd_total, ytd_compliant = _latest_and_ytd(as_of)
    qs = (
        water_records_for_user(WaterSection, user)
        .filter(is_active=True)
        .select_related("river", "unit")
        .annotate(
            latest_month=Subquery(latest.values("month")[:1]),
            latest_class=Subquery(latest.values("water_class")[:1]),
            latest_compliant=Subquery(latest.values("compliant")[:1]),
            latest_complete=Subquery(latest.values("data_complete")[:1]),
            latest_factors=Subquery(latest.values("limiting_factors")[:1]),
            **{f"latest_{p}": Subquery(latest.values(p)[:1]) for p in WaterMonthlyReading.PARAMETERS},
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
        s.latest_factors_text = factors_text(s.latest_factors or "")
        s.latest_exceedance = (
            exceedance_text(
                {p: getattr(s, f"latest_{p}") for p in WaterMonthlyReading.PARAMETERS},
                target_rank=s.target_class,
                water_body=s.assessed_as,
            )
            if s.latest_month
            else ""
        )
    return sections


def section_list(
    *, user, as_of: dt.date, river_id: int | None = None, level: str | None = None, unit_id: int | None = None
) -> list[WaterSection]:
    """Sections the person sees, each with its latest reading (month, class, compliant) and YTD counts."""
    qs = section_queryset(user=user, as_of=as_of, river_id=river_id, level=level, unit_id=unit_id)
    return decorate_sections(list(qs))


def section_summary(sections, *, as_of: dt.date | None = None) -> dict:
    """Cards: count, 优良率 and compliance of the latest month of each section, the year's compliance rate.

    `sections` is `section_queryset(...)` for `as_of` (its ids in one query, their facts from the cached
    `section_year_facts`) or a list of its rows.
    """
    if isinstance(sections, QuerySet):
        if as_of is None:
            raise ValueError("section_summary of a queryset needs its as_of")
        facts = section_year_facts(as_of=as_of)
        sections = [
            SimpleNamespace(latest_class=c, latest_compliant=ok, ytd_total=total, ytd_compliant=n)
            for c, ok, total, n in (facts.get(pk, (None, None, 0, 0)) for pk in sections.values_list("pk", flat=True))
        ]
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
    fields = [
        "month",
        *WaterMonthlyReading.PARAMETERS,
        "tn",
        "chla",
        "sd",
        "water_class",
        "compliant",
        "data_complete",
        "limiting_factors",
    ]
    rows = section.readings.filter(month__gte=start, month__lte=end).order_by("month").values(*fields)
    frame = pd.DataFrame.from_records(list(rows), columns=fields)
    for name in (*WaterMonthlyReading.PARAMETERS, "tn", "chla", "sd"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def unit_compliance_ranking(*, user, as_of: dt.date) -> pd.DataFrame:
    """Units ranked by the compliance of their sections' months this year (Jan 1 – `as_of`, the months with a
    verdict), over the sections the person sees: unit_id, total, compliant, rate, rank, unit_name. The sections
    in one query; their counts from the cached `section_year_facts`; ranked by `water_unit_compliance_rank`."""
    facts = section_year_facts(as_of=as_of)
    rows = [
        (unit, name, facts[pk][2], facts[pk][3])
        for pk, unit, name in WaterSection.objects.restrict(user).order_by().values_list("pk", "unit_id", "unit__name")
        if pk in facts and facts[pk][2]
    ]
    counts = pd.DataFrame.from_records(rows, columns=["unit_id", "unit_name", "total", "compliant"])
    counts = counts.groupby(["unit_id", "unit_name"], as_index=False)[["total", "compliant"]].sum()
    return water_unit_compliance_rank(counts)


ASSESSED_LEVELS = (SectionLevel.NATIONAL, SectionLevel.PROVINCIAL)


def _period_result(means: dict, months: int, *, body: str, target: int) -> dict:
    """One section's period verdict from its period means: class, compliance, 定类因子, 超标倍数, CWQI."""
    rank = water_class_rank(means, water_body=body, require_complete=True)
    return {
        "months": months,
        "means": means,
        "rank": rank,
        "compliant": bool(water_compliant(rank, target)) if rank else False,
        "factors": factors_text(water_limiting_factors(means, water_body=body)),
        "exceedance": exceedance_text(means, target_rank=target, water_body=body),
        "cwqi": cwqi(means, water_body=body),
        "body": body,
        "target": target,
    }


def _period_results(*, year: int, as_of: dt.date, levels: tuple[str, ...]) -> dict[int, dict]:
    """The period result of every active section of `levels` that has readings (Jan 1 – `as_of`), by section
    id: facts about the sections, the same for every reader, built in two queries and cached by data versions."""
    from .. import versions

    def build() -> dict[int, dict]:
        judged = {
            pk: (body or river_body, target)
            for pk, body, river_body, target in WaterSection.objects.filter(is_active=True, level__in=levels)
            .values_list("pk", "water_body", "river__water_body", "target_class")
            .order_by()
        }
        fields = ["section_id", *WaterMonthlyReading.PARAMETERS, "data_complete"]
        rows = WaterMonthlyReading.objects.filter(
            section__is_active=True, section__level__in=levels, month__gte=dt.date(year, 1, 1), month__lte=as_of
        ).values_list(*fields)
        frame = pd.DataFrame.from_records(list(rows), columns=fields)
        for name in WaterMonthlyReading.PARAMETERS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        if frame.empty:
            return {}
        means = water_period_means(frame)
        params = list(WaterMonthlyReading.PARAMETERS)
        out = {}
        for row in means.to_dict("records"):
            pk = int(row["section_id"])
            if pk in judged:
                values = {p: (None if pd.isna(row[p]) else float(row[p])) for p in params}
                body, target = judged[pk]
                out[pk] = _period_result(values, int(row["months"]), body=body, target=target)
        return out

    key = f"water:period:{year}:{as_of.isoformat()}:{','.join(levels)}"
    return versions.cached(key, WATER_READ_TABLES, build)


def section_period_assessment(
    *,
    user,
    year: int,
    as_of: dt.date,
    levels: tuple[str, ...] = ASSESSED_LEVELS,
    river_id: int | None = None,
    unit_id: int | None = None,
) -> tuple[list[dict], pd.DataFrame]:
    """国考/省考 sections assessed as the national rules do: on the period mean (Jan 1 – `as_of`) of each
    parameter, classed, compared with the target; then per unit 优良率 (share of sections at I–III), compliance
    and CWQI with its ranking (lower CWQI ranks first). The sections the person sees in one query (plain values:
    the whole country has 2,428 of them); their results from `_period_results` (cached by data versions: two more
    queries when cold, one when warm).

    Returns (one dict per section: section_id, code, name, level, level_label, unit_id, unit_name, target_class,
    target_label and the result — months, means, rank, class_label, compliant, factors, exceedance, cwqi; unit
    frame: unit_id, unit_name, sections, good, good_rate, compliant, cwqi, rank)."""
    fields = ("pk", "code", "name", "level", "unit_id", "unit__name", "target_class", "water_body", "river__water_body")
    sections = (
        water_records_for_user(WaterSection, user)
        .filter(is_active=True, level__in=levels)
        .filter(**({"river_id": river_id} if river_id else {}), **({"unit_id": unit_id} if unit_id else {}))
        .order_by("unit__sort_order", "level", "code")
        .values_list(*fields)
    )
    results = _period_results(year=year, as_of=as_of, levels=levels)
    level_labels = {value: str(label) for value, label in SectionLevel.choices}  # in the request's language
    class_labels = dict(WaterClass.choices)
    out = []
    for pk, code, name, level, unit, unit_name, target, body, river_body in sections:
        result = results.get(pk)
        if result is None:
            continue
        body = body or river_body
        if (result["body"], result["target"]) != (body, target):  # its river's water body changed since
            result = _period_result(result["means"], result["months"], body=body, target=target)
        rank = result["rank"]
        out.append(
            {
                "section_id": pk,
                "code": code,
                "name": name,
                "level": level,
                "level_label": level_labels.get(level, level),
                "unit_id": unit,
                "unit_name": unit_name,
                "target_class": target,
                "target_label": class_labels[target],
                **result,
                "class_label": class_labels[rank] if rank else "",
            }
        )
    columns = ["unit_id", "unit_name", "sections", "good", "good_rate", "compliant", "cwqi", "rank"]
    if not out:
        return out, pd.DataFrame(columns=columns)
    df = pd.DataFrame(
        {
            "unit_id": [r["unit_id"] for r in out],
            "unit_name": [r["unit_name"] for r in out],
            "good": [bool(r["rank"] and r["rank"] <= 3) for r in out],
            "compliant": [r["compliant"] for r in out],
            "cwqi": [r["cwqi"] for r in out],
        }
    )
    units = df.groupby(["unit_id", "unit_name"]).agg(
        sections=("good", "size"), good=("good", "sum"), compliant=("compliant", "sum"), cwqi=("cwqi", "mean")
    )
    units = units.reset_index()
    units["good_rate"] = round_rate(100.0 * units["good"] / units["sections"])
    units["cwqi"] = round_gb8170(units["cwqi"], 2)
    units["rank"] = units["cwqi"].rank(method="min").astype("Int64")
    return out, units.sort_values(["rank", "unit_id"]).reset_index(drop=True)[columns]


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
    grouped["value"] = round_rate(grouped["ok"] / grouped["total"] * 100.0)
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
    grouped["value"] = round_rate(grouped["done"] / grouped["total"] * 100.0)
    grouped["detail"] = [
        f"已完成整治排口 {int(d)} / 已登记排口 {int(t)}" for d, t in zip(grouped["done"], grouped["total"], strict=True)
    ]
    grouped["num"] = grouped["done"].astype(float)  # a stock ratio: the assessment says how many more to finish
    grouped["den"] = grouped["total"].astype(float)
    return grouped[[*INDICATOR_COLUMNS, "num", "den"]].sort_values("unit_id").reset_index(drop=True)
