"""The dashboards' panels: frames assembled from the score snapshots and the other apps' selectors.

Each `*_panels` function costs a fixed number of queries whatever the number of units (the frames are built
with `.values()` and aggregated in SQL or pandas), and is cached by the views under a key holding the run id
and a cheap data version, so a new scoring run or a changed item shows at once.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import translation

from projects.selectors import flag_stalls, ledger_queryset, ledger_rows
from rectifications.choices import Colour, Status
from rectifications.permissions import items_for_user
from rectifications.selectors import closing_queue, open_items
from tracker import versions
from tracker.common.frames import query_frame
from tracker.dates import days_since
from tracker.models import Unit, WarZone
from tracker.selectors.air import mapped_stations, zone_overview
from tracker.selectors.measures import open_measures

from .. import selectors as assessment
from ..choices import ItemStatus, RunStatus
from ..models import AssessmentItem, GeoBoundary, ScoreSnapshot, ScoringRun, UnitScore

CACHE_SECONDS = 24 * 3600  # collects entries of old versions; freshness comes from the versioned key
BUILD_LOCK_SECONDS = 60  # a builder that died frees its key after this
WAIT_SECONDS = 30.0  # how long a request waits for a running build of the same panels before building itself
# (30 s, not 2: with 2 s, four leaders opening a 100-unit board at once on an empty cache all built it, 21–28 s
# apiece on a loaded 2-core machine, against 8 s for one build — bench_dashboard's stampede line; a waiter is
# released as soon as the build lands)
LIST_LIMIT = 10
ZONE_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#F0E442", "#D55E00"]


# --- caching ------------------------------------------------------------------------------------------
def version_snapshot() -> dict[str, int]:
    """Every watched table's version in one query (`tracker.versions`); a request reads it once, first."""
    return versions.snapshot()


def data_version(snap: dict[str, int] | None = None) -> str:
    """The version of the live data the panels read beside the stored run."""
    return versions.fingerprint(snap if snap is not None else versions.snapshot())


# What the panels built from a scoring run read beside the run's stored facts: the units' and zones' names.
RUN_PANEL_TABLES = ("tracker_unit", "tracker_warzone")

# What the leaders' board's other live panels read (watch, weather, patrols, rural plants, drinking water,
# fishing ban, the province's ranking, pilots, risk follow-ups and the names they show). They are cached by
# the data version, so each of these tables must be watched (`tracker.versions.WATCHED_TABLES`, a trigger
# installed by a migration); tests/dashboards/test_cache.py checks both.
CITY_LIVE_MODELS = (
    "tracker.MonitoringWarning",
    "tracker.WeatherWarning",
    "tracker.RiverPatrol",
    "tracker.RuralSewagePlant",
    "tracker.RuralPlantMonth",
    "tracker.DrinkingWaterReading",
    "tracker.DrinkingWaterSource",
    "tracker.FishingBanCase",
    "tracker.Unit",
    "tracker.Person",
    "tracker.User",
    "targets.ProvincialRanking",
    "targets.Indicator",
    "targets.RiskFollowUp",
    "targets.AssessmentItem",
    "targets.AssessmentScheme",
    "projects.Pilot",
    "projects.PilotMilestone",
    "projects.Project",
    "projects.Payment",
)


def run_version(snap: dict[str, int] | None = None) -> str:
    """The version of the live data a run's panels read (units and zones): a rectification status change leaves
    it alone, so the leaders' run panels survive it and only the live due-and-overdue part is rebuilt."""
    return versions.fingerprint(snap if snap is not None else versions.snapshot(), RUN_PANEL_TABLES)


def _family(parts: tuple, scope: object) -> str:
    return f"dash:v2:{translation.get_language() or 'zh-hans'}:{scope}:" + ":".join(str(p) for p in parts)


def cached(parts: tuple, build, *, version: str, scope: object = ""):
    """`build()` once per (language, scope, parts, version), with one builder at a time.

    Freshness comes from the key, not from a time-out: `version` changes when the data does (a run id, the
    data version), so an entry is never stale under its own key; CACHE_SECONDS only collects the entries of
    old versions. `scope` is what the viewer's rights change in the panels (their role). The language is in
    the key because panels carry chart text.

    Single flight: on a miss, the first request takes a short lock and builds; the others get the previous
    version of the same panels at once when there is one, else wait for the builder up to WAIT_SECONDS, then
    build themselves. With the cache down (a miss and no lock) every request builds: slower, never wrong.
    """
    family = _family(parts, scope)
    key = f"{family}@{version}"
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:building"
    if cache.add(lock, 1, BUILD_LOCK_SECONDS):
        try:
            _count_build()
            value = build()
            cache.set_many({key: value, f"{family}@latest": value}, CACHE_SECONDS)
        finally:
            cache.delete(lock)
        return value
    previous = cache.get(f"{family}@latest")
    if previous is not None:
        return previous
    deadline = time.monotonic() + WAIT_SECONDS
    while cache.has_key(lock) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = cache.get(key)
        if value is not None:
            return value
    value = cache.get(key)
    if value is None:
        _count_build()
        value = build()
    return value


BUILDS_KEY = "dash:builds"


def _count_build() -> None:
    """Count panel builds in the cache (`builds()`): the benchmark's stampede line reads how many requests built."""
    try:
        cache.add(BUILDS_KEY, 0, None)
        cache.incr(BUILDS_KEY)
    except Exception:  # evicted between add and incr (ValueError), or the cache is down: not worth an error
        pass


def builds() -> int:
    """Panel builds counted since the cache was last cleared."""
    return int(cache.get(BUILDS_KEY) or 0)


# --- runs ---------------------------------------------------------------------------------------------
def succeeded_runs(scheme) -> list[ScoringRun]:
    """The periods a dashboard can show: the newest succeeded run of each scoring date (one query). Each run
    carries `scheme` (the one given: no query when a panel asks for it) and `previous_run_id`."""
    runs = ScoringRun.objects.filter(scheme=scheme, status=RunStatus.SUCCEEDED).order_by("-as_of", "-created_at")
    seen, out = set(), []
    for r in runs.only("pk", "as_of", "scheme_id", "created_at", "previous_run_id")[:120]:
        if r.as_of not in seen:
            seen.add(r.as_of)
            r.scheme = scheme
            out.append(r)
    return out


def _history(run: ScoringRun) -> list[ScoringRun]:
    """The newest succeeded run of each scoring date of `run`'s scheme up to `run.as_of`, newest first (one query,
    three columns): what the week-before run, the month-end runs and the compared run are picked from."""
    runs = ScoringRun.objects.filter(scheme_id=run.scheme_id, status=RunStatus.SUCCEEDED, as_of__lte=run.as_of)
    seen, out = set(), []
    for r in runs.order_by("-as_of", "-created_at").only("pk", "as_of", "created_at", "scheme_id"):
        if r.as_of not in seen:
            seen.add(r.as_of)
            out.append(r)
    return out


def _week_before(run: ScoringRun, history: list[ScoringRun] | None = None) -> ScoringRun | None:
    """The newest succeeded run dated a week or more before `run` (of `history`, given it: no query)."""
    cutoff = run.as_of - datetime.timedelta(days=7)
    return next((r for r in (_history(run) if history is None else history) if r.as_of <= cutoff), None)


def _month_end_runs(run: ScoringRun, history: list[ScoringRun] | None = None) -> pd.DataFrame:
    """The newest run of each scoring date up to `run.as_of`, one per month (the month's last date), oldest first
    (of `history`, given it: no query)."""
    out: dict[tuple[int, int], ScoringRun] = {}
    for r in reversed(_history(run) if history is None else history):  # oldest first: a later date replaces
        out[(r.as_of.year, r.as_of.month)] = r
    return pd.DataFrame(
        [{"pk": r.pk, "as_of": r.as_of, "created_at": r.created_at} for r in out.values()],
        columns=["pk", "as_of", "created_at"],
    )


# --- drill-down URLs ----------------------------------------------------------------------------------
_PK = 987654321  # a placeholder id: reverse() once, then format (reverse per row is slow for thousands of units)


def _pattern(name: str, *args) -> str:
    return reverse(name, args=[_PK if a is None else a for a in args]).replace(str(_PK), "{}")


def item_url_pattern(code: str, run_id: int) -> str:
    """The rows behind one unit's value of an item, as a pattern for `.format(unit_id)`: the source ledger
    filtered to the unit, else the unit's score sheet (whose explanation is the basis of the value)."""
    if code.startswith("rectification_"):
        return f"{reverse('rectifications:index')}?unit={{}}"
    if code == "outlet_completion_rate":
        return f"{reverse('tracker:outlet_list')}?unit={{}}"
    if code.startswith("water_"):
        return f"{reverse('tracker:water_index')}?unit={{}}"
    if code == "budget_execution_rate":
        return f"{reverse('projects:project_list')}?unit={{}}"
    if code == "stalled_project_count":
        return f"{reverse('projects:project_list')}?unit={{}}&stalled=on"
    return _pattern("targets:unit_sheet", run_id, None)


def item_url(code: str, run_id: int, unit_id: int) -> str:
    return item_url_pattern(code, run_id).format(unit_id)


def _run_urls(run_ids) -> list[str]:
    """The ranking of each run (a trend point links to the ranking it comes from)."""
    base = reverse("targets:index")
    return [f"{base}?run={r}" for r in run_ids]


def unit_urls(unit_ids) -> list[str]:
    pattern = _pattern("targets:dashboard_unit", None)
    return [pattern.format(u) for u in unit_ids]


# --- leaders' dashboard -------------------------------------------------------------------------------
def leader_panels(*, run: ScoringRun, today: datetime.date, area: str = "", live: bool = True) -> dict:
    """Exceptions first (changes since last week, deduction risks, overdue and due soon), then the ranking,
    each item's met count and the monthly trend of the totals: what the page's first screen shows, about twenty
    queries and no model instance per unit. Each item's own panel (its units' values and trend) is read when it is
    asked for (`item_panels`). Without `live`, only what the run decides (no `due`: the page caches that part
    apart, by the data version)."""
    all_items = assessment.run_items(run)
    items = [i for i in all_items if not area or i.indicator.area == area]
    ranking = assessment.ranking_frame(run)
    counts = _met_counts(run)
    none = {"met": 0, "assessed": 0, "risks": 0, "risk_points": 0.0}
    panels = [{"item": item, **counts.get(item.pk, none)} for item in items]
    # one read of the scheme's runs up to this one gives the week-before run, the month-end runs of the trend and,
    # usually, the run this one was compared with
    history = _history(run)
    week = _week_before(run, history)
    previous = next((r for r in history if r.pk == run.previous_run_id), None) if run.previous_run_id else None
    # the risks' count and points come with the met counts (per item, summed over the items shown)
    of_items = [counts[i.pk] for i in items if i.pk in counts] if area else list(counts.values())
    totals = {"count": sum(c["risks"] for c in of_items), "points": sum(c["risk_points"] for c in of_items)}
    risks = assessment.deduction_risk_summary(
        run, item_ids=[i.pk for i in items] if area else None, limit=LIST_LIMIT, totals=totals
    )
    changes = _changes_since(run, week, now=ranking)
    ranking["url"] = unit_urls(ranking["unit_id"])
    return {
        "run": run,
        "items": items,
        "all_items": all_items,
        "ranking": ranking,
        "previous": previous if previous is not None else assessment.previous_run(run),
        "panels": panels,
        "totals_trend": _totals_trend(run, history=history),
        "week_run": week,
        "changes": changes,
        "risks": risks["rows"],
        "risk_count": risks["count"],
        "risk_points": risks["points"],
    } | ({"due": due_and_overdue(today=today)} if live else {})


def _met_counts(run: ScoringRun) -> dict[int, dict[str, Any]]:
    """Per item of the run: how many units met its target and how many were assessed (met or missed), by the
    run's stored status (no second "met" rule here), and how many deduction risks it has with their points at
    risk (`deduction_risk_summary`'s totals, read in the same pass). One query."""
    at_risk = Q(points_at_risk__gt=0)
    rows = (
        ScoreSnapshot.objects.filter(run=run)
        .values("item_id")
        .annotate(
            n_met=Count("pk", filter=Q(status=ItemStatus.MET)),
            n_assessed=Count("pk", filter=Q(status__in=[ItemStatus.MET, ItemStatus.MISSED])),
            n_risks=Count("pk", filter=at_risk),
            risk_points=Sum("points_at_risk", filter=at_risk),
        )
        .order_by()
    )
    return {
        r["item_id"]: {
            "met": r["n_met"],
            "assessed": r["n_assessed"],
            "risks": r["n_risks"],
            "risk_points": r["risk_points"] or 0.0,
        }
        for r in rows
    }


def item_panel(*, run: ScoringRun, item_id: int, area: str = "") -> dict | None:
    """One item's panel of the run (`item_panels`): None when the run did not score that item or it is of
    another area than `area`. Four queries."""
    item = AssessmentItem.objects.select_related("indicator").filter(scheme_id=run.scheme_id, pk=item_id).first()
    if item is None or (area and item.indicator.area != area):
        return None
    (panel,) = item_panels(run=run, items=[item])
    return panel if not panel["frame"].empty else None


def item_panels(*, run: ScoringRun, items: list) -> list[dict]:
    """The panels of `items` (assessment items of the run): each unit's value against its target with its stored
    status, the monthly trend of the item across units, the met count and the median target. Three queries
    whatever the number of items (a lazily loaded panel asks for one, the Excel export for all)."""
    columns = ["unit_id", "unit_name", "item_id", "value", "target", "points", "status"]
    qs = (
        ScoreSnapshot.objects.filter(run=run, item_id__in=[i.pk for i in items])
        .order_by("pk")
        .values_list("unit_id", "unit__name", "item_id", "value", "target", "points", "status")
    )
    snaps = query_frame(qs, columns, text=["unit_name", "status"])
    trend = _item_trend(run, [i.pk for i in items])
    panels = []
    for item in items:
        part = snaps[snaps["item_id"] == item.pk]
        frame = pd.DataFrame(
            {
                "unit_id": part["unit_id"],
                "unit_name": part["unit_name"],
                "value": part["value"].astype(float),
                "target": part["target"].astype(float),
                "points": part["points"].astype(float),
                "status": part["status"],
            }
        )
        pattern = item_url_pattern(item.indicator.code, run.pk)
        frame["url"] = [pattern.format(u) for u in frame["unit_id"]]
        panels.append(
            {
                "item": item,
                "frame": frame,
                "trend": trend[trend["item_id"] == item.pk],
                # the run's stored status decides (no second "met" rule here)
                "met": int((frame["status"] == ItemStatus.MET).sum()),
                "assessed": int(frame["status"].isin([ItemStatus.MET, ItemStatus.MISSED]).sum()),
                "target_median": float(frame["target"].median()) if frame["target"].notna().any() else None,
            }
        )
    return panels


def changes_since(run: ScoringRun) -> pd.DataFrame:
    """`_changes_since` the run a week (or more) before `run` (one query more)."""
    return _changes_since(run, _week_before(run))


def _changes_since(run: ScoringRun, week: ScoringRun | None, now: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units whose total or rank moved since the run a week (or more) before: biggest moves first, ten at most
    (two queries; one given `now`, the run's `assessment.ranking_frame`). Plain Python over the two runs' rows: a
    pandas merge, filter and reorder cost ~10 ms on a city's eleven rows, a loop well under one even nationally."""
    cols = ["unit_id", "unit_name", "total", "rank", "before_total", "before_rank", "delta", "rank_change", "url"]
    if week is None:
        return pd.DataFrame(columns=cols)
    if now is None:
        now = query_frame(
            UnitScore.objects.filter(run=run).values_list("unit_id", "unit__name", "total", "rank"),
            ["unit_id", "unit_name", "total", "rank"],
            text=["unit_name"],
        )
    before = {u: (t, r) for u, t, r in UnitScore.objects.filter(run=week).values_list("unit_id", "total", "rank")}
    moved = []
    for unit_id, name, total, rank in zip(now["unit_id"], now["unit_name"], now["total"], now["rank"], strict=True):
        if unit_id not in before:
            continue
        before_total, before_rank = before[unit_id]
        delta, rank_change = float(total) - before_total, before_rank - int(rank)
        if abs(delta) >= 0.01 or rank_change != 0:
            moved.append((int(unit_id), name, float(total), int(rank), before_total, before_rank, delta, rank_change))
    moved.sort(key=lambda m: -abs(m[6]))  # biggest moves first; ties keep the ranking's order
    moved = moved[:10]
    urls = unit_urls([m[0] for m in moved])
    return pd.DataFrame([(*m, url) for m, url in zip(moved, urls, strict=True)], columns=cols)


def _item_trend(run: ScoringRun, item_ids: list[int]) -> pd.DataFrame:
    """Per item and month-end run: the mean, best and worst value across units (two queries)."""
    runs = _month_end_runs(run)
    cols = ["item_id", "as_of", "mean", "low", "high", "url"]
    if runs.empty or not item_ids:
        return pd.DataFrame(columns=cols)
    rows = (
        ScoreSnapshot.objects.filter(run_id__in=list(runs["pk"]), item_id__in=item_ids)
        .values("run_id", "item_id")
        .annotate(mean=Avg("raw_value"), low=Min("raw_value"), high=Max("raw_value"))
        .order_by()
    )
    df = pd.DataFrame(rows, columns=["run_id", "item_id", "mean", "low", "high"])
    df = df.merge(runs.rename(columns={"pk": "run_id"})[["run_id", "as_of"]], on="run_id")
    df["url"] = _run_urls(df["run_id"])
    return df[cols].sort_values(["item_id", "as_of"]).reset_index(drop=True)


def _totals_trend(run: ScoringRun, unit_id: int | None = None, history: list[ScoringRun] | None = None) -> pd.DataFrame:
    """Per month-end run: the city's mean, best and worst total (and the unit's own, given one). Two queries (one
    given `history`, `_history(run)`)."""
    runs = _month_end_runs(run, history)
    cols = ["as_of", "mean", "high", "low", "unit_total", "unit_rank", "url"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    agg = {"mean": Avg("total"), "high": Max("total"), "low": Min("total")}
    if unit_id is not None:
        agg["unit_total"] = Max("total", filter=Q(unit_id=unit_id))
        agg["unit_rank"] = Max("rank", filter=Q(unit_id=unit_id))
    rows = UnitScore.objects.filter(run_id__in=list(runs["pk"])).values("run_id").annotate(**agg).order_by()
    df = pd.DataFrame(rows).reindex(columns=["run_id", *agg])
    df = df.merge(runs.rename(columns={"pk": "run_id"})[["run_id", "as_of"]], on="run_id")
    df["url"] = _run_urls(df["run_id"])
    return df.reindex(columns=cols).sort_values("as_of").reset_index(drop=True)


def due_and_overdue(*, today: datetime.date, unit_ids: list[int] | None = None, days: int | None = None) -> dict:
    """Rectification items and measures that are overdue or due within `days` (default: the site-wide
    settings.DUE_SOON_DAYS): counts and the nearest rows (four queries)."""
    days = settings.DUE_SOON_DAYS if days is None else days
    soon = today + datetime.timedelta(days=days)
    items = open_items(unit_ids=unit_ids)
    measures = open_measures(today=today, unit_ids=unit_ids)
    item_counts = items.order_by().aggregate(
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=soon)),
        **{f"colour_{c}": Count("pk", filter=Q(colour=c)) for c in Colour.values},
    )
    measure_counts = measures.order_by().aggregate(
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=soon)),
    )
    item_rows = list(items.filter(deadline__lte=soon).select_related("unit").order_by("deadline", "code")[:LIST_LIMIT])
    measure_rows = list(
        measures.filter(deadline__lte=soon).select_related("unit").order_by("deadline", "code")[:LIST_LIMIT]
    )
    for row in (*item_rows, *measure_rows):
        row.days_left = (row.deadline - today).days
    return {
        "items": item_rows,
        "measures": measure_rows,
        "item_counts": item_counts,
        "measure_counts": measure_counts,
        "colours": pd.DataFrame(
            [
                {
                    "colour": c,
                    "count": item_counts[f"colour_{c}"],
                    "url": f"{reverse('rectifications:index')}?colour={c}",
                }
                for c in Colour.values
            ]
        ),
        "days": days,
    }


# --- map and war zones --------------------------------------------------------------------------------
def boundary() -> GeoBoundary | None:
    return GeoBoundary.objects.filter(is_active=True).order_by("-uploaded_at").first()


def map_panels(
    *, run: ScoringRun | None, today: datetime.date, mode: str = "total", item_id: int | None = None
) -> dict:
    """The map's frames: every territorial unit with its value (total, an item's value, or its war zone),
    which units have no boundary, the stations as points, and the war-zone statistics. About ten queries."""
    geo = boundary()
    zones = list(WarZone.objects.select_related("lead_unit").order_by("sort_order", "code"))
    zone_colour = {z.pk: ZONE_COLOURS[n % len(ZONE_COLOURS)] for n, z in enumerate(zones)}
    units = pd.DataFrame(
        Unit.objects.filter(is_active=True)
        .order_by("sort_order", "code")
        .values("pk", "code", "name", "kind", "war_zone_id", "war_zone__name"),
        columns=["pk", "code", "name", "kind", "war_zone_id", "war_zone__name"],
    )
    value_label, measure, higher = "总分", "分", True
    values = pd.Series(dtype=float)
    item = None
    if run is not None:
        if mode == "item" and item_id:
            item = next((i for i in assessment.scheme_items(run.scheme) if i.pk == item_id), None)
        if item is not None:
            rows: Any = ScoreSnapshot.objects.filter(run=run, item=item).values_list("unit_id", "raw_value")
            value_label, measure = item.indicator.name, item.indicator.unit_of_measure
            higher = item.indicator.direction == "higher"
        else:
            rows = UnitScore.objects.filter(run=run).values_list("unit_id", "total")
        values = pd.Series(dict(rows), dtype=float)
    units["value"] = units["pk"].map(values)
    units["zone_colour"] = units["war_zone_id"].map(zone_colour)
    units["url"] = unit_urls(units["pk"])
    codes = set()
    if geo is not None:
        codes = {str(f["properties"]["adcode"]) for f in geo.geojson.get("features", [])}
    units["on_map"] = units["code"].astype(str).isin(codes)

    def label(r):
        v = "无数据" if pd.isna(r["value"]) else f"{r['value']:.2f}{measure if mode == 'item' else ' 分'}"
        zone = r["war_zone__name"] or "未划入战区"
        return f"{r['name']}<br>{value_label}：{v}<br>{zone}"

    units["label"] = units.apply(label, axis=1) if not units.empty else []
    units = units.rename(columns={"war_zone__name": "zone", "name": "unit_name"})
    units["zone"] = units["zone"].astype(object).where(units["zone"].notna(), None)
    stations = mapped_stations()
    stations["label"] = [
        f"{n}<br>{u or ''} · {z or '未划入战区'}"
        for n, u, z in zip(stations["name"], stations["unit__name"], stations["war_zone__name"], strict=True)
    ]
    pattern = _pattern("tracker:air_station_detail", None)
    stations["url"] = [pattern.format(pk) for pk in stations["pk"]]
    return {
        "geojson": geo.geojson if geo else None,
        "boundary": geo,
        "units": units,
        "stations": stations,
        "zones": zone_panels(zones=zones, zone_colour=zone_colour, units=units, stations=stations, today=today),
        "value_label": value_label,
        "measure": measure,
        "higher": higher,
        "item": item,
    }


def zone_panels(*, zones: list[WarZone], zone_colour: dict, units: pd.DataFrame, stations: pd.DataFrame, today) -> dict:
    """The five zones with their units and stations, good-day rate and PM2.5 (year to date), and the zone that
    pulls the city down (the lowest good-day rate). One query (the air selector's zone overview)."""
    stats = zone_overview(today=today)
    rows = []
    for z in zones:
        s = stats.loc[z.pk] if not stats.empty and z.pk in stats.index else None
        rows.append(
            {
                "zone_id": z.pk,
                "zone": z.name,
                "lead": z.lead_unit.name if z.lead_unit else "",
                "units": list(units.loc[units["war_zone_id"] == z.pk, "unit_name"]),
                "stations": list(stations.loc[stations["war_zone__name"] == z.name, "name"]),
                "rate": None if s is None else s.get("ytd_rate"),
                "pm25": None if s is None else s.get("ytd_pm25"),
                "rate_change": None if s is None else s.get("rate_change"),
                "pm25_change": None if s is None else s.get("pm25_change"),
                "colour": zone_colour[z.pk],
                "url": reverse("tracker:air_zone_detail", args=[z.pk]),
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "zone_id",
            "zone",
            "lead",
            "units",
            "stations",
            "rate",
            "pm25",
            "rate_change",
            "pm25_change",
            "colour",
            "url",
        ],
    )
    df[["rate", "pm25", "rate_change", "pm25_change"]] = df[["rate", "pm25", "rate_change", "pm25_change"]].astype(
        float
    )
    worst = None
    if df["rate"].notna().any():
        worst = df.loc[df["rate"].idxmin(), "zone"]
    return {"table": df, "worst": worst}


# --- a unit's dashboard -------------------------------------------------------------------------------
def unit_panels(*, run: ScoringRun | None, unit: Unit, user, today: datetime.date) -> dict:
    """A unit's targets vs actual for every item, deduction risks, open items by colour, upcoming deadlines and
    stalled projects. About fifteen queries."""
    out: dict = {"unit": unit, "run": run, "sheet": [], "total": None, "risks": pd.DataFrame(), "trend": None}
    if run is not None:
        sheet = assessment.unit_score_sheet(run, unit.pk)
        rows = []
        for s in sheet:
            ind = s.item.indicator
            rows.append(
                {
                    "snap": s,
                    "item": ind.name,
                    "measure": ind.unit_of_measure,
                    "value": s.value,
                    "target": s.target,
                    "points": s.points,
                    "max_points": s.max_points,
                    "met": s.met,  # the stored status (deduction items: met when nothing was deducted)
                    "status": s.status,
                    "url": item_url(ind.code, run.pk, unit.pk),
                }
            )
        out["sheet"] = rows
        out["total"] = UnitScore.objects.filter(run=run, unit=unit).first()
        out["count"] = UnitScore.objects.filter(run=run).count()
        out["risks"] = assessment.deduction_risks(run, [unit.pk])
        out["trend"] = _totals_trend(run, unit.pk)
    out["due"] = due_and_overdue(today=today, unit_ids=[unit.pk], days=30)
    # the project ledger's own stalled filter and flags (one rule): the first LIST_LIMIT in ledger order, and a count
    stalled = ledger_queryset(user=user, as_of=today, unit_id=unit.pk, stalled=True)
    first = ledger_rows(stalled, as_of=today).order_by("unit__sort_order", "unit__code", "code")[:LIST_LIMIT]
    out["stalled"] = [
        {"pk": p.pk, "name": p.name, "stage_label": p.get_stage_display(), "stall_reason": p.stall_reason}
        for p in flag_stalls(list(first), as_of=today)
    ]
    out["stalled_count"] = stalled.count()
    return out


# --- the inspector's dashboard ------------------------------------------------------------------------
def inspector_panels(*, user, today: datetime.date) -> dict:
    """Closing requests waiting (oldest first), overdue and rebounded items by unit. Four queries."""
    items = items_for_user(user, "view")
    queue = list(closing_queue(user=user)[:50])
    for it in queue:
        it.waiting_days = days_since(it.status_changed_at, today)
    queue_count = items.filter(status=Status.CLOSING_REQUESTED).count()
    by_unit = pd.DataFrame(
        items.exclude(status=Status.CLOSED)
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            rebounded=Count("pk", filter=Q(status=Status.REBOUNDED)),
            red=Count("pk", filter=Q(colour=Colour.RED)),
            orange=Count("pk", filter=Q(colour=Colour.ORANGE)),
            waiting=Count("pk", filter=Q(status=Status.CLOSING_REQUESTED)),
        )
        .order_by("unit__sort_order", "unit_id"),
        columns=["unit_id", "unit__name", "unit__sort_order", "overdue", "rebounded", "red", "orange", "waiting"],
    )
    by_unit = by_unit[(by_unit[["overdue", "rebounded", "waiting"]].sum(axis=1)) > 0].rename(
        columns={"unit__name": "unit_name"}
    )
    by_unit = by_unit.sort_values(["overdue", "rebounded"], ascending=False, kind="stable").reset_index(drop=True)
    ledger = reverse("rectifications:index")
    by_unit["url"] = [f"{ledger}?unit={u}" for u in by_unit["unit_id"]]
    rebounded = list(
        items.filter(status=Status.REBOUNDED).select_related("unit").order_by("status_changed_at", "pk")[:LIST_LIMIT]
    )
    return {"queue": queue, "queue_count": queue_count, "by_unit": by_unit, "rebounded": rebounded, "today": today}
