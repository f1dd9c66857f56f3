"""Reads for projects and funds: execution rates, rankings, the reserve by stage, the ledger, stalled projects.

Each figure is built set-based: a fixed number of `.values()` queries turned into DataFrames, arithmetic in
`projects.rules` (pure). Money stays Decimal until it reaches a chart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import pandas as pd
from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import Exact
from django.utils import translation

from tracker.models import Unit

from . import rules
from .choices import OUTSIDE_POOL, STAGE_ORDER, WATCHED_STAGES, FundArea, FundLevel, Stage
from .models import Fund, Payment, ProgressReport, Project, ProjectMilestone

ZERO = Decimal("0")
T = TypeVar("T")
MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=2)
OLD_FUND_LEVELS = (FundLevel.CENTRAL, FundLevel.PROVINCIAL)


def _paid_subquery(*, on_or_before: date | None = None, before: date | None = None) -> Coalesce:
    payments = Payment.objects.filter(project=OuterRef("pk"))
    if on_or_before is not None:
        payments = payments.filter(paid_on__lte=on_or_before)
    if before is not None:
        payments = payments.filter(paid_on__lt=before)
    total = payments.order_by().values("project").annotate(s=Sum("amount")).values("s")
    return Coalesce(Subquery(total, output_field=MONEY_FIELD), ZERO, output_field=MONEY_FIELD)


def _latest_report(field: str, as_of: date | None):
    reports = ProgressReport.objects.filter(project=OuterRef("pk"))
    if as_of is not None:
        reports = reports.filter(reported_on__lte=as_of)
    return Subquery(reports.order_by("-reported_on", "-pk").values(field)[:1])


def _stage_rank(expr) -> Case:
    """A stage's place in the pipeline (STAGE_ORDER) as SQL, for a field or an OuterRef."""
    return Case(*(When(Exact(expr, s), then=Value(i)) for i, s in enumerate(STAGE_ORDER)), output_field=IntegerField())


def _next_milestone(field: str) -> Subquery:
    """`field` (stage or planned_on) of the project's next milestone still ahead of its stage — the same choice
    as `rules.next_milestone` (stage after the project's, earliest date first), made in SQL so the ledger stays one
    query."""
    ahead = (
        ProjectMilestone.objects.filter(project=OuterRef("pk"))
        .annotate(rank=_stage_rank(F("stage")))
        .filter(rank__gt=_stage_rank(OuterRef("stage")))
        .order_by("planned_on", "rank")
    )
    return Subquery(ahead.values(field)[:1])


def _with_next_milestone(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.annotate(next_stage=_next_milestone("stage"), next_due=_next_milestone("planned_on"))


def _next_labels(frame: pd.DataFrame) -> list[str]:
    # the stall reasons (`rules.stall_flags`) are Chinese sentences, in bulletins too: the stage name goes with them
    with translation.override("zh-hans"):
        labels = {k: str(v) for k, v in Stage.choices}
    return [labels[s] if s else "" for s in frame["next_stage"]]


# --- funds and execution rates --------------------------------------------------------------------------


def fund_execution(*, year: int | None = None, level: str | None = None, area: str | None = None) -> pd.DataFrame:
    """One row per fund: amount allocated to the city, amount assigned to projects, paid, rate (paid ÷ amount).

    Three queries. `unassigned` is money that reached the city but has no project yet — the speech's complaint.
    """
    funds = Fund.objects.all()
    if year:
        funds = funds.filter(year=year)
    if level:
        funds = funds.filter(level=level)
    if area:
        funds = funds.filter(area=area)
    frame = pd.DataFrame.from_records(
        list(funds.values("id", "name", "level", "year", "area", "amount")),
        columns=["id", "name", "level", "year", "area", "amount"],
    )
    ids = list(frame["id"])
    assigned = dict(
        Project.objects.filter(fund_id__in=ids)
        .values("fund_id")
        .annotate(s=Sum("allocated_amount"))
        .values_list("fund_id", "s")
    )
    paid = dict(
        Payment.objects.filter(project__fund_id__in=ids)
        .values("project__fund_id")
        .annotate(s=Sum("amount"))
        .values_list("project__fund_id", "s")
    )
    frame["assigned"] = [assigned.get(i) or ZERO for i in ids]
    frame["paid"] = [paid.get(i) or ZERO for i in ids]
    frame["unassigned"] = [max(a - s, ZERO) for a, s in zip(frame["amount"], frame["assigned"], strict=True)]
    frame["level_label"] = frame["level"].map(dict(FundLevel.choices)).astype(str) if len(frame) else []
    from .choices import FundArea

    frame["area_label"] = frame["area"].map(dict(FundArea.choices)).astype(str) if len(frame) else []
    return rules.add_rates(frame, paid="paid", allocated="amount")


def execution_by_year(funds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per fund year and level: amount, paid and rate (paid ÷ amount), summed from `fund_execution()`'s frame
    (`funds` when the caller has it already: no query; else three)."""
    frame = fund_execution() if funds is None else funds
    if frame.empty:
        return pd.DataFrame(columns=["year", "level", "level_label", "amount", "paid", "rate"])
    grouped = frame.groupby(["year", "level", "level_label"], as_index=False)[["amount", "paid"]].agg(
        lambda s: sum(s, ZERO)
    )
    grouped = grouped.sort_values(["year", "level"], ascending=[False, True]).reset_index(drop=True)
    return rules.add_rates(grouped, paid="paid", allocated="amount")


def old_funds_before_year(today: date) -> int:
    """The year before which funds count as 往年资金: the setting, or last year when it is 0."""
    return int(settings.PROJECTS_OLD_FUNDS_BEFORE_YEAR) or today.year - 1


@dataclass(frozen=True)
class CityExecution:
    """The city's execution rate over a set of funds against the target, with the yuan still to pay."""

    label: str
    amount: Decimal
    paid: Decimal
    rate: Decimal | None
    target: Decimal
    gap: Decimal

    @property
    def met(self) -> bool:
        return self.rate is not None and self.rate >= self.target


def city_execution(
    *, before_year: int | None = None, levels=OLD_FUND_LEVELS, label: str = "", funds: pd.DataFrame | None = None
) -> CityExecution:
    """Paid ÷ amount over funds of `levels` (and of years before `before_year`), against PROJECTS_EXECUTION_TARGET.

    The speech's headline: "2021年以前的中央和省级生态环境专项资金预算执行率要超过 X%" — `before_year=2021`.
    The gap is what must still be paid by year end to reach the target (0 when met). Two queries; none when
    `funds` is `fund_execution()`'s frame of every fund (its per-fund amount and paid are summed: the same sums).
    """
    if funds is not None:
        chosen = funds[funds["level"].isin(list(levels))] if len(funds) else funds
        if before_year is not None and len(chosen):
            chosen = chosen[chosen["year"] < before_year]
        amount, paid = sum(chosen["amount"], ZERO), sum(chosen["paid"], ZERO)
    else:
        qs = Fund.objects.filter(level__in=levels)
        if before_year is not None:
            qs = qs.filter(year__lt=before_year)
        amount = qs.aggregate(s=Sum("amount"))["s"] or ZERO
        paid = Payment.objects.filter(project__fund__in=qs).aggregate(s=Sum("amount"))["s"] or ZERO
    target = Decimal(settings.PROJECTS_EXECUTION_TARGET)
    return CityExecution(
        label=label,
        amount=amount,
        paid=paid,
        rate=rules.execution_rate(paid, amount),
        target=target,
        gap=rules.gap_to_target(paid, amount, target),
    )


def unit_execution(
    *, year: int | None = None, before_year: int | None = None, level: str | None = None, area: str | None = None
) -> pd.DataFrame:
    """Ranking of units by execution rate = paid ÷ allocated to their projects, over the chosen funds. Two queries.

    Columns: unit_id, unit, allocated, paid, rate, rank, projects (count of funded projects).
    """
    funded: dict[str, Any] = {"fund__isnull": False, "allocated_amount__gt": 0}
    if year:
        funded["fund__year"] = year
    if before_year:
        funded["fund__year__lt"] = before_year
    if level:
        funded["fund__level"] = level
    if area:
        funded["fund__area"] = area
    # the unit's name comes with its sums (a join), not from a second query naming every unit by id; the payments
    # are filtered on their project's columns (a join), not by an IN over the chosen projects' ids
    allocated = list(
        Project.objects.filter(**funded)
        .values("unit_id", "unit__name")
        .annotate(allocated=Sum("allocated_amount"), projects=Count("pk"))
        .order_by()
    )
    paid = dict(
        Payment.objects.filter(**{f"project__{k}": v for k, v in funded.items()})
        .values("project__unit_id")
        .annotate(s=Sum("amount"))
        .values_list("project__unit_id", "s")
    )
    frame = pd.DataFrame.from_records(allocated, columns=["unit_id", "unit__name", "allocated", "projects"])
    frame = frame.rename(columns={"unit__name": "unit"})
    frame["paid"] = [paid.get(u) or ZERO for u in frame["unit_id"]]
    frame = rules.add_rates(frame)
    return rules.rank_by_rate(frame)[["rank", "unit_id", "unit", "projects", "allocated", "paid", "rate"]]


# What the ranking reads besides the funds' own rows: projects (unit, fund, allocation), payments, units' names.
EXECUTION_TABLES = ("projects_project", "projects_payment", "tracker_unit")


def unit_execution_of(funds: pd.DataFrame, **filters: Any) -> pd.DataFrame:
    """`unit_execution(**filters)`, cached by the filters, the versions of EXECUTION_TABLES and the fields of every
    fund that choose its projects (id, year, level, area). The fund table has no version trigger, but the caller has
    just read every fund (`fund_execution()`, the overview's first table): a fund added, removed or moved to another
    year, level or area changes the key, as a new project or payment changes the versions."""
    from tracker import versions

    chosen = sorted(zip(funds["id"], funds["year"], funds["level"], funds["area"], strict=True)) if len(funds) else []
    raw = repr((sorted((k, v) for k, v in filters.items() if v), chosen))
    key = f"projects:unit-execution:v1:{hashlib.sha1(raw.encode()).hexdigest()[:16]}"
    return versions.cached(key, EXECUTION_TABLES, lambda: unit_execution(**filters))


def reserve_by_stage(*, user=None) -> pd.DataFrame:
    """The project pool by stage (储备 … 竣工): count, estimated investment, allocated money. One query.

    A unit's proposal counts only once accepted: waiting or declined proposals are not in the reserve."""
    from .permissions import projects_for_user

    projects = projects_for_user(user) if user is not None else Project.objects.all()
    projects = projects.exclude(proposal_status__in=OUTSIDE_POOL)
    rows = {
        r["stage"]: r
        for r in projects.order_by()
        .values("stage")
        .annotate(count=Count("pk"), investment=Sum("investment"), allocated=Sum("allocated_amount"))
    }
    labels = dict(Stage.choices)
    return pd.DataFrame.from_records(
        [
            {
                "stage": s,
                "label": str(labels[s]),
                "count": rows.get(s, {}).get("count", 0),
                "investment": rows.get(s, {}).get("investment") or ZERO,
                "allocated": rows.get(s, {}).get("allocated") or ZERO,
            }
            for s in STAGE_ORDER
        ],
        columns=["stage", "label", "count", "investment", "allocated"],
    )


# --- ledger and stalled projects ------------------------------------------------------------------------


def _stall_settings() -> dict:
    return {
        "silence_days": int(settings.PROJECTS_STALL_DAYS),
        "behind_tolerance": float(settings.PROJECTS_BEHIND_TOLERANCE),
    }


def project_frame(projects: QuerySet[Project], *, as_of: date) -> pd.DataFrame:
    """The ledger as a frame, one query: each project with paid (to `as_of`), rate, last report, stall flags."""
    rows = list(
        _with_next_milestone(projects)
        .annotate(
            paid=_paid_subquery(on_or_before=as_of),
            last_report=_latest_report("reported_on", as_of),
            reported_progress=_latest_report("progress", as_of),
        )
        .order_by("unit__sort_order", "unit__code", "code")
        .values(
            "pk",
            "code",
            "name",
            "unit_id",
            "unit__name",
            "fund_id",
            "fund__name",
            "fund__year",
            "fund__level",
            "stage",
            "investment",
            "allocated_amount",
            "paid",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "progress",
            "reported_progress",
            "responsible_person",
            "last_report",
            "next_stage",
            "next_due",
        )
    )
    columns = [
        "pk", "code", "name", "unit_id", "unit__name", "fund_id", "fund__name", "fund__year", "fund__level", "stage",
        "investment", "allocated_amount", "paid", "planned_start", "planned_completion", "actual_start",
        "actual_completion", "progress", "reported_progress", "responsible_person", "last_report", "next_stage",
        "next_due",
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(rows, columns=columns).astype(object)
    frame = frame.where(pd.notna(frame), None)
    # Progress on `as_of` is the latest report's; a project that never reported keeps its entered progress.
    frame["progress_on"] = [
        int(rp if rp is not None else p) for rp, p in zip(frame["reported_progress"], frame["progress"], strict=True)
    ]
    frame["watched"] = [s in WATCHED_STAGES for s in frame["stage"]]
    frame["next_label"] = _next_labels(frame)
    flagged = rules.stall_flags(
        frame.rename(columns={"progress": "entered_progress", "progress_on": "progress"}),
        as_of=as_of,
        **_stall_settings(),
    ).rename(columns={"progress": "progress_on", "entered_progress": "progress"})
    flagged["rate"] = [
        rules.execution_rate(p, a) for p, a in zip(flagged["paid"], flagged["allocated_amount"], strict=True)
    ]
    labels = dict(Stage.choices)
    flagged["stage_label"] = [str(labels[s]) for s in flagged["stage"]]
    return flagged


# --- the paginated ledger (projects.tables.ProjectTable) -------------------------------------------------


def ledger_queryset(
    *,
    user,
    as_of: date,
    unit_id: int | None = None,
    fund_id: int | None = None,
    stage: str | None = None,
    stalled: bool = False,
    search: str = "",
    year: int | None = None,
) -> QuerySet[Project]:
    """The project ledger a person may see, filtered, as a queryset the ledger sorts and pages in SQL.

    `ledger_rows` annotates it for the page: each row carries `paid` (to `as_of`), `last_report`,
    `progress_on` (the latest report's progress, else the entered one) and `rate_sort` (paid ÷ allocated, for
    sorting; the shown rate is `rules.execution_rate`). The stalled filter is `stalled_projects` as a
    subquery (decided in SQL, no ids through Python).
    """
    from .permissions import projects_for_user

    projects = projects_for_user(user, "view")
    if unit_id:
        projects = projects.filter(unit_id=unit_id)
    if fund_id:
        projects = projects.filter(fund_id=fund_id)
    if stage:
        projects = projects.filter(stage=stage)
    if search:
        projects = projects.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if year:  # next year's reserve (超前谋划): planned to start that year
        projects = projects.filter(planned_start__year=year)
    if stalled:
        projects = stalled_projects(projects, as_of=as_of)
    return projects


def ledger_rows(projects: QuerySet[Project], *, as_of: date) -> QuerySet[Project]:
    """`ledger_queryset`'s projects with what each ledger row shows and sorts by (see there)."""
    paid = _paid_subquery(on_or_before=as_of)
    return _with_next_milestone(projects.select_related("unit", "fund", "responsible")).annotate(
        paid=paid,
        last_report=_latest_report("reported_on", as_of),
        progress_on=Coalesce(_latest_report("progress", as_of), "progress"),
        rate_sort=Case(
            When(allocated_amount__gt=0, then=ExpressionWrapper(paid / F("allocated_amount"), output_field=MONEY_FIELD))
        ),
    )


def _stall_frame(rows: list[dict], *, as_of: date) -> pd.DataFrame:
    columns = [
        "pk",
        "stage",
        "planned_start",
        "planned_completion",
        "last_report",
        "progress",
        "next_stage",
        "next_due",
    ]
    frame = pd.DataFrame.from_records(rows, columns=columns).astype(object)
    frame = frame.where(pd.notna(frame), None)
    frame["watched"] = [s in WATCHED_STAGES for s in frame["stage"]]
    frame["next_label"] = _next_labels(frame)
    return rules.stall_flags(frame, as_of=as_of, **_stall_settings())


def _days(later: str, earlier: str, vendor: str) -> str:
    """SQL for `later − earlier` in whole days (PostgreSQL date subtraction; julianday on SQLite)."""
    if vendor == "sqlite":
        return f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"
    return f"({later} - {earlier})"


def _stalled_sql(as_of: date) -> RawSQL:
    """The ids of every stalled project on `as_of`, one set-based statement (see `stalled_projects`)."""
    from django.db import connection

    limits = _stall_settings()
    tolerance = limits["behind_tolerance"]
    quiet_before = as_of - timedelta(days=limits["silence_days"])
    days = partial(_days, vendor=connection.vendor)
    progress = "COALESCE(last.progress, p.progress)"
    project, report = Project._meta.db_table, ProgressReport._meta.db_table
    sql = f"""
        SELECT p.id FROM {project} p
        LEFT JOIN (
            SELECT project_id, reported_on, progress FROM (
                SELECT r.project_id, r.reported_on, r.progress, ROW_NUMBER() OVER (
                    PARTITION BY r.project_id ORDER BY r.reported_on DESC, r.id DESC
                ) AS n
                FROM {report} r WHERE r.reported_on <= %s
            ) ranked WHERE n = 1
        ) last ON last.project_id = p.id
        WHERE p.stage IN ({", ".join(["%s"] * len(WATCHED_STAGES))}) AND p.planned_start <= %s AND (
            COALESCE(last.reported_on, p.planned_start) < %s
            OR (p.planned_completion IS NOT NULL AND (
                (p.planned_start = %s AND {progress} + %s < 0)
                OR (p.planned_start < %s AND (p.planned_completion <= p.planned_start OR p.planned_completion <= %s)
                    AND {progress} + %s < 100)
                OR (p.planned_start < %s AND p.planned_completion > %s AND p.planned_completion > p.planned_start
                    AND ({progress} + %s) * {days("p.planned_completion", "p.planned_start")}
                        < 100 * {days("%s", "p.planned_start")})
            ))
        )
    """  # table names from the models; every value is a parameter
    params = [as_of, *WATCHED_STAGES, as_of, quiet_before]
    params += [as_of, tolerance, as_of, as_of, tolerance, as_of, as_of, tolerance, as_of]
    return RawSQL(sql, params)


def stalled_projects(projects: QuerySet[Project], *, as_of: date) -> QuerySet[Project]:
    """The stalled projects among `projects`, decided in SQL by the same rule as `rules.stall_flags`.

    Watched, planned start on or before `as_of`, and silent (last report on or before `as_of` — or the planned
    start when none — more than `PROJECTS_STALL_DAYS` before `as_of`) or behind the straight line by more than
    the tolerance, compared in integers: (progress + tolerance) × total days < 100 × elapsed days (before
    completion), or progress + tolerance < 100 (on or after completion, or a plan with no duration).
    Set-based: the latest report per project comes from one window over the reports (no correlated
    subquery per project) and no row comes back to Python; `tests/projects/test_stall_sql.py` checks it
    against the rule on the edge cases. Whatever the stage, a project whose next milestone node (倒排工期) is
    overdue is stalled too (`_overdue_milestones`).
    """
    return projects.filter(Q(pk__in=_stalled_sql(as_of)) | Exists(_overdue_milestones(as_of)))


def _overdue_milestones(as_of: date) -> QuerySet[ProjectMilestone]:
    """A project's milestone nodes still ahead of its stage and due before `as_of` (for an `Exists`): the next node
    (`_next_milestone`, the earliest ahead) is overdue exactly when one of them is — the milestone rule of
    `rules.stall_flags`, whatever the stage."""
    return (
        ProjectMilestone.objects.filter(project=OuterRef("pk"), planned_on__lt=as_of)
        .annotate(rank=_stage_rank(F("stage")))
        .filter(rank__gt=_stage_rank(OuterRef("stage")))
    )


def stalled_ids(projects: QuerySet[Project], *, as_of: date) -> list[int]:
    """Pks of the stalled projects among `projects` (`stalled_projects`). One query."""
    return list(stalled_projects(projects, as_of=as_of).order_by().values_list("pk", flat=True))


def flag_stalls(projects: list[Any], *, as_of: date) -> list[Any]:
    """Set `stalled`, `stall_reason` and `rate` on a page of ledger rows (annotated by `ledger_queryset`)."""
    frame = _stall_frame(
        [
            {
                "pk": p.pk,
                "stage": p.stage,
                "planned_start": p.planned_start,
                "planned_completion": p.planned_completion,
                "last_report": p.last_report,
                "progress": p.progress_on,
                "next_stage": p.next_stage,
                "next_due": p.next_due,
            }
            for p in projects
        ],
        as_of=as_of,
    )
    for p, flag, reason in zip(projects, frame["stalled"], frame["stall_reason"], strict=True):
        p.stalled, p.stall_reason = bool(flag), reason
        p.rate = rules.execution_rate(p.paid, p.allocated_amount)
    return projects


def ledger_totals(projects: QuerySet[Project], *, as_of: date, stalled_only: bool = False) -> dict:
    """Count, allocated, paid (to `as_of`) and stalled over the whole filtered ledger. Three queries (two when
    `projects` is already the stalled filter's result: then every one of them is stalled)."""
    row = projects.order_by().aggregate(count=Count("pk"), allocated=Sum("allocated_amount"))
    paid = (
        Payment.objects.filter(project__in=projects.order_by().values("pk"), paid_on__lte=as_of).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    return {
        "count": row["count"],
        "allocated": row["allocated"] or ZERO,
        "paid": paid,
        "stalled": row["count"] if stalled_only else stalled_projects(projects, as_of=as_of).order_by().count(),
    }


# --- fund and payment ledgers ---------------------------------------------------------------------------


def fund_ledger(*, year: int | None = None, level: str | None = None, area: str | None = None) -> list[Fund]:
    """Funds with `assigned` (allocated to projects), `paid` and `unassigned`. Three queries: the funds, then one
    grouped sum over projects and one over payments (correlated subqueries re-joined every payment per fund).

    Funds are the city's (a few dozen a year, hundreds at most), so the ledger sorts and pages this list in
    Python. Every person who reads projects reads all funds (as on the projects overview).
    """
    funds = Fund.objects.all()
    if year:
        funds = funds.filter(year=year)
    if level:
        funds = funds.filter(level=level)
    if area:
        funds = funds.filter(area=area)
    rows: list[Any] = list(funds)  # decorated below with assigned / paid / unassigned
    ids = [f.pk for f in rows]
    assigned = dict(
        Project.objects.filter(fund_id__in=ids)
        .order_by()
        .values("fund_id")
        .annotate(s=Sum("allocated_amount"))
        .values_list("fund_id", "s")
    )
    paid = dict(
        Payment.objects.filter(project__fund_id__in=ids)
        .order_by()
        .values("project__fund_id")
        .annotate(s=Sum("amount"))
        .values_list("project__fund_id", "s")
    )
    for f in rows:
        f.assigned = assigned.get(f.pk) or ZERO
        f.paid = paid.get(f.pk) or ZERO
        f.unassigned = max(f.amount - f.assigned, ZERO)
    return rows


def payment_ledger(
    *,
    user,
    unit_id: int | None = None,
    fund_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    search: str = "",
) -> QuerySet[Payment]:
    """Payments and reversals on the projects this person may see, filtered; newest first."""
    from .permissions import projects_for_user

    payments = Payment.objects.filter(project__in=projects_for_user(user, "view"))
    if unit_id:
        payments = payments.filter(project__unit_id=unit_id)
    if fund_id:
        payments = payments.filter(project__fund_id=fund_id)
    if start:
        payments = payments.filter(paid_on__gte=start)
    if end:
        payments = payments.filter(paid_on__lte=end)
    if search:
        payments = payments.filter(
            Q(voucher_no__icontains=search) | Q(project__name__icontains=search) | Q(project__code__icontains=search)
        )
    return payments.select_related("project__unit", "project__fund", "entered_by", "reverses").order_by(
        "-paid_on", "-pk"
    )


def payment_totals(payments: QuerySet[Payment]) -> dict:
    """Count and net amount (reversals subtract) over the whole filtered ledger. One query."""
    row = payments.order_by().aggregate(count=Count("pk"), amount=Sum("amount"))
    return {"count": row["count"], "amount": row["amount"] or ZERO}


STALLED_NAMES_SHOWN = 3

# What the stall rule and the lists of stalled projects read (tracker.versions): a project's stage, plan and entered
# progress, its progress reports, the units' names — and its milestone nodes, which have no trigger of their own:
# they are written only by `services.project_milestones_set`, which updates the project row in the same transaction
# (and go with the project when it is deleted), so the project table's version moves with them.
STALLED_TABLES = ("projects_project", "projects_progressreport", "tracker_unit")


def _stalled_cached(name: str, as_of: date, build: Callable[[], T], *, projects: QuerySet[Project] | None = None) -> T:
    """`build()` cached by `name`, `as_of`, the stall settings and the versions of STALLED_TABLES — when the reader
    sees every project (`projects` unfiltered; None: the city's bulletin, the same for every reader), so one entry
    serves every city-wide reader. A unit official's view (a few units, quick to build) is built each time: the
    reach of a person is not versioned."""
    from tracker import versions

    if projects is not None and projects.query.where:
        return build()
    limits = _stall_settings()
    key = f"projects:{name}:{as_of.isoformat()}:{limits['silence_days']}:{limits['behind_tolerance']}"
    return versions.cached(key, STALLED_TABLES, build)


def stalled_counts_by_unit(*, user, as_of: date) -> list[dict]:
    """Stalled projects per unit this person may see, most first (ties in the units' order): unit_id, unit,
    count. Which projects are stalled is decided once, in SQL (`stalled_projects`, as the ledger's filter and
    totals). Two queries: the count per unit and the unit names; for a city-wide reader cached by the data's
    versions (`_stalled_cached`: one query when nothing changed)."""
    from .permissions import projects_for_user

    projects = projects_for_user(user, "view")
    return _stalled_cached("stalled-counts:v1", as_of, lambda: _stalled_counts(projects, as_of), projects=projects)


def _stalled_counts(projects: QuerySet[Project], as_of: date) -> list[dict]:
    stalled = stalled_projects(projects, as_of=as_of).order_by()
    counts = dict(stalled.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    if not counts:
        return []
    units = Unit.objects.filter(pk__in=list(counts)).order_by("sort_order", "code").values_list("pk", "name")
    rows = [{"unit_id": uid, "unit": name, "count": counts[uid]} for uid, name in units]
    return sorted(rows, key=lambda r: -r["count"])  # stable: ties keep the units' order


def stalled_names(
    *, user, as_of: date, unit_ids: list[int], names: int = STALLED_NAMES_SHOWN
) -> dict[int, list[StalledProject]]:
    """The first `names` stalled projects (pk, name, reason) of each of `unit_ids` — the units a page shows, not
    every unit: one query (a window over the stalled set of those units); the rule (`rules.stall_flags`) only
    words the reasons of the names shown. For a city-wide reader cached by the units and the data's versions
    (`_stalled_cached`: one query when nothing changed)."""
    from .permissions import projects_for_user

    if not unit_ids:
        return {}
    projects = projects_for_user(user, "view")
    units = hashlib.sha1(",".join(map(str, unit_ids)).encode()).hexdigest()[:12]
    return _stalled_cached(
        f"stalled-names:v1:{names}:{units}",
        as_of,
        lambda: _stalled_names(projects, as_of=as_of, unit_ids=unit_ids, names=names),
        projects=projects,
    )


def _stalled_names(
    projects: QuerySet[Project], *, as_of: date, unit_ids: list[int], names: int
) -> dict[int, list[StalledProject]]:
    stalled = stalled_projects(projects.filter(unit_id__in=unit_ids), as_of=as_of)
    shown = (
        _with_next_milestone(stalled.order_by())
        .annotate(
            place=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[F("code").asc(), F("pk").asc()]),
            last_report=_latest_report("reported_on", as_of),
            progress_on=Coalesce(_latest_report("progress", as_of), "progress"),
        )
        .filter(place__lte=names)
        .order_by("unit_id", "place")
    )
    rows = list(
        shown.values(
            "pk",
            "unit_id",
            "name",
            "stage",
            "planned_start",
            "planned_completion",
            "last_report",
            "progress_on",
            "next_stage",
            "next_due",
        )
    )
    for r in rows:
        r["progress"] = r.pop("progress_on")
    frame = _stall_frame(rows, as_of=as_of)
    by_unit: dict[int, list[StalledProject]] = {uid: [] for uid in unit_ids}
    for row, reason in zip(rows, frame["stall_reason"], strict=True):
        by_unit[row["unit_id"]].append(StalledProject(pk=row["pk"], name=row["name"], stall_reason=reason))
    return by_unit


def stalled_by_unit(*, user, as_of: date, names: int = STALLED_NAMES_SHOWN) -> pd.DataFrame:
    """Stalled projects grouped per unit, most first: unit, count, and the first `names` projects (pk, name,
    reason) of every unit — the overview pages the units and names only the page's (`stalled_counts_by_unit`,
    `stalled_names`)."""
    columns = ["unit_id", "unit", "count", "projects"]
    counts = stalled_counts_by_unit(user=user, as_of=as_of)
    if not counts:
        return pd.DataFrame(columns=columns)
    named = stalled_names(user=user, as_of=as_of, unit_ids=[r["unit_id"] for r in counts], names=names)
    return pd.DataFrame([{**r, "projects": named[r["unit_id"]]} for r in counts], columns=columns)


@dataclass(frozen=True)
class MilestoneRow:
    stage: str
    label: str
    planned_on: date
    reached: bool
    days_late: int | None  # overdue and not reached: days past the date


def milestone_plan(project: Project, *, as_of: date) -> list[MilestoneRow]:
    """The project's milestone plan with each node reached or not and how late (`rules.milestone_days_late`)."""
    here = STAGE_ORDER.index(project.stage)
    out = []
    for m in project.milestones.order_by("planned_on", "pk"):
        reached = STAGE_ORDER.index(m.stage) <= here
        out.append(
            MilestoneRow(
                stage=m.stage,
                label=m.get_stage_display(),
                planned_on=m.planned_on,
                reached=reached,
                days_late=None if reached else rules.milestone_days_late(m.planned_on, as_of),
            )
        )
    return out


@dataclass(frozen=True)
class StalledProject:
    pk: int
    name: str
    stall_reason: str


def project_payments(project: Project) -> QuerySet[Payment]:
    """A project's payments and reversals in date order, with who entered them and what each reverses."""
    return (
        project.payments.select_related("entered_by", "reverses")
        .annotate(reversed_count=Count("reversals"))
        .order_by("paid_on", "pk")
    )


# --- indicators for the assessment (targets reads these) ------------------------------------------------


def indicator_budget_execution_rate(*, year: int, as_of: date) -> pd.DataFrame:
    """Budget execution rate (预算执行率, %) per unit: paid up to `as_of` ÷ allocated, over the unit's open projects.

    Definition: the projects counted are those with money allocated (> 0) from a fund of `year` or earlier that
    are still open at the start of `year`, i.e. whose payments before Jan 1 of `year` had not yet reached the
    allocated amount (a project fully paid in an earlier year is settled and no longer counts). Payments are
    cumulative — everything paid on or before `as_of`, including earlier years, because the province measures
    execution of a fund over its whole life, not one year's slice. Reversals count negatively. One query.
    """
    return _execution_rate_frame(Project.objects.all(), year=year, as_of=as_of)


def indicator_rural_sewage_payment_rate(*, year: int, as_of: date) -> pd.DataFrame:
    """Payment rate of rural domestic-sewage funds (农村生活污水治理资金支付率, %) per unit.

    The speech names it (全省倒数第3): the budget execution rate above, over projects paid from funds of the area
    农村生活污水治理 only, with the same definition of which projects count and of cumulative payments.
    """
    return _execution_rate_frame(Project.objects.filter(fund__area=FundArea.RURAL_SEWAGE), year=year, as_of=as_of)


def _execution_rate_frame(projects: QuerySet[Project], *, year: int, as_of: date) -> pd.DataFrame:
    jan1 = date(year, 1, 1)
    rows = list(
        projects.filter(fund__year__lte=year, allocated_amount__gt=0)
        .annotate(paid_before=_paid_subquery(before=jan1), paid=_paid_subquery(on_or_before=as_of))
        .values("unit_id", "allocated_amount", "paid_before", "paid")
    )
    frame = pd.DataFrame.from_records(rows, columns=["unit_id", "allocated_amount", "paid_before", "paid"])
    # a boolean Series, not a list: with no project an empty list would select no columns (KeyError below)
    frame = frame[frame["paid_before"] < frame["allocated_amount"]]
    # exact money: the sums stay Decimal (object columns are summed by Python's +), one pass per column
    grouped = frame.groupby("unit_id")
    sums = pd.DataFrame(
        {
            "allocated": grouped["allocated_amount"].agg(lambda s: sum(s, ZERO)),
            "paid": grouped["paid"].agg(lambda s: sum(s, ZERO)),
            "n": grouped.size(),
        }
    )
    out = []
    for unit_id, allocated, paid, n in zip(sums.index, sums["allocated"], sums["paid"], sums["n"], strict=True):
        rate = rules.execution_rate(paid, allocated)
        out.append(
            {
                "unit_id": int(unit_id),
                "value": float(rate) if rate is not None else float("nan"),
                "detail": f"已支付 {paid / 10000:,.2f} 万元 / 下达 {allocated / 10000:,.2f} 万元（{n} 个在建资金项目）",
                # in 万元: the assessment says how much more to pay
                "num": float(paid / 10000),
                "den": float(allocated / 10000),
            }
        )
    return pd.DataFrame(out, columns=["unit_id", "value", "detail", "num", "den"])


def indicator_stalled_project_count(*, year: int, as_of: date) -> pd.DataFrame:
    """Stalled projects (count) per unit on `as_of`, by the rules in `projects.rules.stall_flags`.

    One row per unit that has at least one funded or started project (0 when none is stalled); progress and
    silence are judged from reports dated on or before `as_of`. `year` is accepted for the common contract;
    stalling is a state on a day, so only `as_of` matters. Which projects are stalled is decided in SQL
    (`stalled_projects`, as everywhere); three queries: projects per unit, stalled per unit, and the first three
    stalled names of each unit (a window), whatever the number of projects.
    """
    watched = Project.objects.filter(stage__in=WATCHED_STAGES).order_by()
    totals = dict(watched.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    stalled = stalled_projects(watched, as_of=as_of).order_by()
    counts = dict(stalled.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    names: dict[int, list[str]] = {}
    first = (
        stalled.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("unit_id")],
                order_by=[F("unit__sort_order").asc(), F("unit__code").asc(), F("code").asc()],
            )
        )
        .filter(place__lte=3)
        .order_by("unit_id", "place")
        .values_list("unit_id", "name")
    )
    for unit_id, name in first:
        names.setdefault(unit_id, []).append(name)
    out = []
    for unit_id, total in totals.items():
        n = counts.get(unit_id, 0)
        shown = "、".join(names.get(unit_id, []))
        more = "等" if n > 3 else ""
        detail = f"在建项目 {total} 个，停滞 {n} 个" + (f"：{shown}{more}" if n else "")
        out.append({"unit_id": int(unit_id), "value": float(n), "detail": detail})
    return pd.DataFrame(out, columns=["unit_id", "value", "detail"])


__all__ = [
    "city_execution",
    "execution_by_year",
    "flag_stalls",
    "fund_execution",
    "fund_ledger",
    "indicator_budget_execution_rate",
    "indicator_rural_sewage_payment_rate",
    "indicator_stalled_project_count",
    "ledger_queryset",
    "ledger_rows",
    "ledger_totals",
    "payment_ledger",
    "payment_totals",
    "reserve_by_stage",
    "stalled_by_unit",
    "stalled_counts_by_unit",
    "stalled_ids",
    "stalled_names",
    "stalled_projects",
    "unit_execution",
]


def bulletin_stalled_projects(*, start: date, end: date, limit: int = 100):
    """The bulletin's part on stalled projects (项目停滞): every project stalled on the period's end by
    `rules.stall_flags` (silence, behind the line, or a milestone node overdue), by unit, with the reason. The
    same for every reader: cached by the period's end and the data's versions (`_stalled_cached`)."""
    return _stalled_cached(
        f"bulletin-stalled:v1:{limit}", end, lambda: _bulletin_stalled_projects(end=end, limit=limit)
    )


def _bulletin_stalled_projects(*, end: date, limit: int):
    from tracker.documents import DocumentSection

    stalled = stalled_projects(Project.objects.all(), as_of=end).order_by()
    total = stalled.count()
    # only the rows the table shows are framed (the reason is worded by the rule), in the frame's own order
    shown = list(stalled.order_by("unit__sort_order", "unit__code", "code").values_list("pk", flat=True)[:limit])
    frame = project_frame(Project.objects.filter(pk__in=shown), as_of=end) if shown else None
    rows = (
        []
        if frame is None
        else [
            (r["unit__name"], r["code"], r["name"], r["stage_label"], r["responsible_person"] or "—", r["stall_reason"])
            for r in frame.head(limit).to_dict("records")
        ]
    )
    note = f"截至{end.year}年{end.month}月{end.day}日，停滞或进度滞后的项目共{total}个"
    note += f"，下表列出前{limit}个。" if total > limit else ("。" if total else "，无停滞项目。")
    return DocumentSection(
        heading="项目停滞情况",
        headers=("责任单位", "项目编号", "项目名称", "所处阶段", "责任人", "停滞原因"),
        rows=rows,
        note=note,
    )


def person_sections(*, person, user) -> list[dict[str, Any]]:
    """The person's page (tracker): the projects naming the person, for readers of projects (inspectors have
    no projects area, so they get no section)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from tracker.common.access import has_cap
    from tracker.selectors.people import SECTION_LIMIT

    if not has_cap(user, "read_projects"):
        return []
    projects = Project.objects.restrict(user, "view").filter(responsible=person).order_by("code")
    return [
        {
            "key": "projects",
            "title": _("项目"),
            "headers": [_("项目编号"), _("项目名称"), _("项目阶段"), _("形象进度（%）")],
            "rows": [
                {
                    "url": reverse("projects:project_detail", args=[p.pk]),
                    "cells": [p.code, p.name, p.get_stage_display(), p.progress],
                    "css": "",
                }
                for p in projects[:SECTION_LIMIT]
            ],
            "count": projects.count(),
            "more_url": "",
        }
    ]
