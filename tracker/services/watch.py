"""Environmental watch writes: rule evaluation over the readings just ingested, and the warning workflow.

Evaluation is set-based: one query loads the touched stations' (or sections') readings around the batch, each
active rule is applied to the whole frame at once (a few rules, vectorised over all rows), runs of consecutive
exceeding periods are found with a gaps-and-islands cumsum, and the results are written with a handful of bulk
statements. A run that overlaps or adjoins an existing warning of the same rule and subject is the same episode
and extends it; only a new episode creates a warning — so sending the same readings twice, or a run going on
for another day, never fires twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited

from ..choices import (
    WARNING_TRANSITIONS,
    WarningStatus,
    WatchComparison,
    WatchScope,
    WatchSource,
)
from ..common.access import has_cap
from ..models import MonitoringWarning, WarningEvent, WarningReading, WarningRule
from ..permissions import can_act_for_unit, is_unit_scoped
from ..selectors.watch import (
    air_watch_frame,
    drinking_watch_frame,
    get_warning_for_user,
    rural_watch_frame,
    water_watch_frame,
)

logger = logging.getLogger(__name__)

# source → (frame loader, its keyword for the subject ids, the warning's subject field, the reading link field)
_SOURCES: dict[str, tuple[Callable[..., pd.DataFrame], str, str, str]] = {
    WatchSource.AIR: (air_watch_frame, "station_ids", "station_id", "air_reading_id"),
    WatchSource.WATER: (water_watch_frame, "section_ids", "section_id", "water_reading_id"),
    WatchSource.DRINKING: (drinking_watch_frame, "source_ids", "drinking_source_id", "drinking_reading_id"),
    WatchSource.RURAL: (rural_watch_frame, "plant_ids", "rural_plant_id", "rural_month_id"),
}
# Serialises evaluations (two ingests at once must not both create the same episode).
_LOCK_KEY = 0x6563_6F77  # "ecow"


@dataclass(frozen=True)
class WatchResult:
    """What one evaluation did: warnings created (new episodes) and existing warnings prolonged."""

    fired: int = 0
    extended: int = 0


# --- periods: a day for air, a month for water -----------------------------------------------------------------
def _period_index(dates: pd.Series, source: str) -> np.ndarray:
    stamps = pd.to_datetime(dates)
    if source == WatchSource.AIR:
        return stamps.values.astype("datetime64[D]").astype(np.int64)
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)


def _shift(day: dt.date, source: str, periods: int) -> dt.date:
    if source == WatchSource.AIR:
        return day + dt.timedelta(days=periods)
    index = day.year * 12 + day.month - 1 + periods
    return dt.date(index // 12, index % 12 + 1, 1)


def _subject_key(source: str, subject_id) -> str:
    return f"{source}:{int(subject_id)}"


def _scope_mask(frame: pd.DataFrame, rule: WarningRule) -> pd.Series:
    if rule.scope == WatchScope.STATION:
        return frame["subject_id"] == rule.station_id
    if rule.scope == WatchScope.SECTION:
        return frame["subject_id"] == rule.section_id
    if rule.scope == WatchScope.SOURCE:
        return frame["subject_id"] == rule.drinking_source_id
    if rule.scope == WatchScope.UNIT:
        return frame["unit_id"] == rule.unit_id
    if rule.scope == WatchScope.WAR_ZONE:
        return frame["war_zone_id"] == rule.war_zone_id
    return pd.Series(True, index=frame.index)


def find_runs(frame: pd.DataFrame, rule: WarningRule, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rule's episodes in `frame` (columns subject_id, unit_id, date, period and the parameter).

    Returns (runs, hits): one row per run of consecutive exceeding periods long enough to fire — run, subject_id,
    unit_id, start, end, start_period, end_period, fired_on, n, peak — and the exceeding readings with their `run`.
    Pure pandas, no database.
    """
    sub = frame[_scope_mask(frame, rule)]
    values = sub[rule.parameter]
    threshold = float(rule.threshold)
    exceed = values > threshold if rule.comparison == WatchComparison.ABOVE else values < threshold
    hits = sub[exceed.fillna(False)].sort_values(["subject_id", "period"]).copy()
    if hits.empty:
        return pd.DataFrame(), hits
    hits["value"] = hits[rule.parameter]
    starts = (hits["subject_id"].diff() != 0) | (hits["period"].diff() != 1)
    hits["run"] = starts.cumsum().to_numpy()
    hits["pos"] = hits.groupby("run").cumcount()
    grouped = hits.groupby("run")
    runs = grouped.agg(
        subject_id=("subject_id", "first"),
        unit_id=("unit_id", "first"),
        start=("date", "first"),
        end=("date", "last"),
        start_period=("period", "first"),
        end_period=("period", "last"),
        n=("period", "size"),
        peak=("value", "max" if rule.comparison == WatchComparison.ABOVE else "min"),
    )
    fired = hits[hits["pos"] == rule.duration - 1].set_index("run")["date"]
    runs = runs[runs["n"] >= rule.duration].copy()
    runs["fired_on"] = fired.reindex(runs.index)
    return runs.reset_index(), hits


@transaction.atomic
def watch_evaluate(*, source: str, subject_ids, first: dt.date, last: dt.date) -> WatchResult:
    """Apply every active rule of `source` to the stations/sections just written (periods first…last).

    Called by the air and water ingest services inside their transaction, so a committed batch always has its
    warnings. Only runs reaching into the batch's periods are considered (earlier ones were judged when they
    arrived); readings up to the longest rule's duration before and after the batch are read, so a run that a
    batch continues or a backfilled day joins is seen whole enough to match its warning.
    """
    rules = list(WarningRule.objects.filter(source=source, is_active=True))
    subject_ids = sorted({int(s) for s in subject_ids})
    if not rules or not subject_ids:
        return WatchResult()
    longest = max(r.duration for r in rules)
    start, end = _shift(first, source, -longest), _shift(last, source, longest)
    load, key, subject_field, reading_field = _SOURCES[WatchSource(source)]
    frame = load(**{key: subject_ids, "start": start, "end": end})
    if frame.empty:
        return WatchResult()
    frame["period"] = _period_index(frame["date"], source)
    first_period = int(_period_index(pd.Series([first]), source)[0])

    all_runs, all_hits = [], []
    for rule in rules:
        runs, hits = find_runs(frame, rule, source)
        if runs.empty:
            continue
        runs = runs[runs["end_period"] >= first_period]
        if runs.empty:
            continue
        runs = runs.assign(rule_id=rule.pk, run_key=[f"{rule.pk}:{r}" for r in runs["run"]])
        hits = hits.assign(run_key=[f"{rule.pk}:{r}" for r in hits["run"]])
        all_runs.append(runs)
        all_hits.append(hits[hits["run_key"].isin(runs["run_key"])])
    if not all_runs:
        return WatchResult()
    runs = pd.concat(all_runs, ignore_index=True)
    hits = pd.concat(all_hits, ignore_index=True)
    runs["subject_key"] = [_subject_key(source, s) for s in runs["subject_id"]]

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])

    # Existing episodes that a run overlaps or adjoins (ends at most one period before it starts).
    existing = pd.DataFrame.from_records(
        list(
            MonitoringWarning.objects.filter(
                rule_id__in=runs["rule_id"].unique().tolist(),
                subject_key__in=runs["subject_key"].unique().tolist(),
                last_date__gte=_shift(start, source, -1),
            ).values_list("pk", "rule_id", "subject_key", "episode_start", "last_date", "peak_value")
        ),
        columns=["warning_id", "rule_id", "subject_key", "w_start", "w_last", "w_peak"],
    )
    runs["warning_id"] = pd.NA
    if not existing.empty:
        existing["w_start_p"] = _period_index(existing["w_start"], source)
        existing["w_last_p"] = _period_index(existing["w_last"], source)
        pairs = runs[["run_key", "rule_id", "subject_key", "start_period", "end_period"]].merge(
            existing, on=["rule_id", "subject_key"]
        )
        pairs = pairs[(pairs["w_start_p"] <= pairs["end_period"]) & (pairs["w_last_p"] >= pairs["start_period"] - 1)]
        match = pairs.sort_values("w_start_p").drop_duplicates("run_key").set_index("run_key")["warning_id"]
        runs["warning_id"] = runs["run_key"].map(match)

    matched = runs[runs["warning_id"].notna()]
    fresh = runs[runs["warning_id"].isna()]
    comparison = {r.pk: r.comparison for r in rules}
    # prolong the episodes a run continues: last date and peak, computed for all of them at once
    if not matched.empty:
        m = matched.assign(warning_id=matched["warning_id"].astype(int)).merge(
            existing[["warning_id", "w_last", "w_peak"]], on="warning_id"
        )
        m["above"] = m["rule_id"].map(comparison) == WatchComparison.ABOVE
        # as timestamps: a groupby max over date objects falls back to pure Python
        m["last"] = np.maximum(pd.to_datetime(m["w_last"]), pd.to_datetime(m["end"]))
        m["hi"] = np.fmax(m["w_peak"].astype(float), m["peak"].astype(float))
        m["lo"] = np.fmin(m["w_peak"].astype(float), m["peak"].astype(float))
        per = m.groupby("warning_id").agg(
            last=("last", "max"), hi=("hi", "max"), lo=("lo", "min"), above=("above", "first")
        )
        per["peak"] = np.where(per["above"], per["hi"], per["lo"])
        last_days: list[dt.date] = per["last"].dt.date.tolist()
        peaks: list[float] = per["peak"].astype(float).tolist()
        _prolong([(int(i), d, p) for i, d, p in zip(per.index.tolist(), last_days, peaks, strict=True)])
    created = MonitoringWarning.objects.bulk_create(
        [
            MonitoringWarning(
                rule_id=int(row.rule_id),
                unit_id=int(row.unit_id),
                **{subject_field: int(row.subject_id)},
                subject_key=row.subject_key,
                episode_start=row.start,
                fired_on=row.fired_on,
                last_date=row.end,
                periods=int(row.n),
                peak_value=float(row.peak),
            )
            for row in fresh.itertuples()
        ],
        batch_size=1000,
    )
    warning_of = dict(zip(matched["run_key"], matched["warning_id"].astype(int), strict=True))
    warning_of.update({k: w.pk for k, w in zip(fresh["run_key"], created, strict=True)})

    # the readings behind each warning (a reading already attached is left as it is)
    _attach(
        reading_field,
        [
            (warning_of[k], d, float(v), int(r))
            for k, d, v, r in zip(hits["run_key"], hits["date"], hits["value"], hits["reading_id"], strict=True)
        ],
    )
    _recount(list(set(warning_of.values())))
    result = WatchResult(fired=len(created), extended=len(matched))
    if created or len(matched):
        logger.info("watch %s: %d warnings fired, %d prolonged", source, result.fired, result.extended)
    return result


def _prolong(rows: list[tuple[int, dt.date, float]]) -> None:
    """Set (last_date, peak_value) of many warnings: one UPDATE … FROM (VALUES …) on PostgreSQL (bulk_update's CASE
    per row grows quadratically with thousands of rows), bulk_update elsewhere."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        table = connection.ops.quote_name(MonitoringWarning._meta.db_table)
        with connection.cursor() as cur:
            execute_values(
                cur.cursor,
                f"UPDATE {table} AS w SET last_date = v.last, peak_value = v.peak "
                "FROM (VALUES %s) AS v(id, last, peak) WHERE w.id = v.id",
                rows,
                template="(%s::bigint, %s::date, %s::double precision)",
                page_size=5000,
            )
        return
    MonitoringWarning.objects.bulk_update(
        [MonitoringWarning(pk=i, last_date=d, peak_value=p) for i, d, p in rows], ["last_date", "peak_value"]
    )


def _attach(reading_field: str, rows: list[tuple[int, dt.date, float, int]]) -> None:
    """Insert (warning, date, value, reading) rows, skipping those already there: one INSERT … ON CONFLICT DO NOTHING
    per 5,000 rows on PostgreSQL (no model instances), bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        table = connection.ops.quote_name(WarningReading._meta.db_table)
        with connection.cursor() as cur:
            execute_values(
                cur.cursor,
                f"INSERT INTO {table} (warning_id, date, value, {reading_field}) VALUES %s "
                "ON CONFLICT (warning_id, date) DO NOTHING",
                rows,
                page_size=5000,
            )
        return
    WarningReading.objects.bulk_create(
        [WarningReading(warning_id=w, date=d, value=v, **{reading_field: r}) for w, d, v, r in rows],
        batch_size=5000,
        ignore_conflicts=True,
    )


def _recount(warning_ids: list[int]) -> None:
    """`periods` = how many readings each warning now holds: one grouped count, one statement."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(MonitoringWarning._meta.db_table)
        readings = connection.ops.quote_name(WarningReading._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} AS w SET periods = c.n FROM (SELECT warning_id, count(*) AS n FROM {readings} "
                "WHERE warning_id = ANY(%s) GROUP BY warning_id) AS c WHERE w.id = c.warning_id",
                [warning_ids],
            )
        return
    count = WarningReading.objects.filter(warning=OuterRef("pk")).order_by().values("warning").annotate(n=Count("pk"))
    MonitoringWarning.objects.filter(pk__in=warning_ids).update(periods=Subquery(count.values("n")))


# --- the warning workflow ------------------------------------------------------------------------------------
def _move(*, warning: MonitoringWarning, user, to_status: str, expected_version: int, note: str, **fields):
    """Compare-and-set the warning from its status at `expected_version` to `to_status`; record the event."""
    action = WARNING_TRANSITIONS.get((warning.status, to_status))
    if action is None or warning.version != expected_version:
        raise ValidationError(_("已被他人处理或修改，请刷新后重试。"))
    now = timezone.now()
    updated = MonitoringWarning.objects.filter(pk=warning.pk, status=warning.status, version=expected_version).update(
        status=to_status, version=F("version") + 1, closed_by=user, closed_at=now, **fields
    )
    if updated != 1:
        raise ValidationError(_("已被他人处理或修改，请刷新后重试。"))
    WarningEvent.objects.create(
        warning=warning, action=action, from_status=warning.status, to_status=to_status, actor=user, created_at=now,
        note=note,
    )  # fmt: skip
    warning.refresh_from_db()
    return warning


def may_respond(user, warning: MonitoringWarning) -> bool:
    """An official holding the report grant on the warning's unit answers it."""
    return is_unit_scoped(user) and can_act_for_unit(user, warning.unit_id, "report")


def may_escalate(user) -> bool:
    """Inspectors (and admins) turn a warning into a rectification item."""
    return has_cap(user, "escalate_warnings")


@audited
def warning_respond(*, user, warning_id: int, expected_version: int, response: str) -> MonitoringWarning:
    """待处置 → 已处置: the responsible unit reports what it did about the exceedance."""
    warning = get_warning_for_user(user, warning_id)
    if not may_respond(user, warning):
        raise PermissionDenied(_("只有该预警责任单位的填报员可以反馈处置情况。"))
    response = (response or "").strip()
    if not response:
        raise ValidationError(_("请填写采取的处置措施。"))
    return _move(
        warning=warning,
        user=user,
        to_status=WarningStatus.RESPONDED,
        expected_version=expected_version,
        note=response,
        response=response,
    )


@audited
def warning_mark_escalated(*, user, warning_id: int, expected_version: int, note: str = "") -> MonitoringWarning:
    """待处置 → 已转整改: the warning's side of an escalation (an inspector's or an admin's). The item it becomes is
    opened by `rectifications.escalation.warning_escalate`, which calls this in its own transaction."""
    warning = get_warning_for_user(user, warning_id)
    if not may_escalate(user):
        raise PermissionDenied(_("只有督察员或系统管理员可以将预警转为整改问题。"))
    return _move(
        warning=warning, user=user, to_status=WarningStatus.ESCALATED, expected_version=expected_version, note=note
    )
