"""Reads: the ledger, counts, the inspector's queue, the bulletin and the assessment indicators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import Case, Count, Q, QuerySet, Value, When

from tracker.models import Unit
from tracker.selectors.units import work_calendar
from tracker.standards import round_rate

from .choices import Colour, Status
from .models import Notice, RectificationItem, Transition
from .permissions import items_for_user


def item_ledger(*, user, filters: dict | None = None) -> QuerySet[RectificationItem]:
    """The items this person may see, filtered; rows carry unit, lead department and inspection."""
    qs = items_for_user(user, "view").select_related("unit", "lead_department", "inspection")
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key in ("inspection", "unit"):
            qs = qs.filter(**{f"{key}_id": value})
        elif key in ("area", "status", "colour"):
            qs = qs.filter(**{key: value})
    # open items first (nearest deadline first), closed ones after them
    return qs.order_by(Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0)), "deadline", "code")


def ledger_counts(qs: QuerySet[RectificationItem]) -> dict:
    """Totals by status and colour in one query."""
    aggregates = {"total": Count("pk")}
    aggregates |= {f"status_{s}": Count("pk", filter=Q(status=s)) for s in Status.values}
    aggregates |= {f"colour_{c}": Count("pk", filter=Q(colour=c) & ~Q(status=Status.CLOSED)) for c in Colour.values}
    row = qs.order_by().aggregate(**aggregates)
    return {
        "total": row["total"],
        "status": [(s, Status(s).label, row[f"status_{s}"]) for s in Status.values],
        "colour": [(c, Colour(c).label, row[f"colour_{c}"]) for c in Colour.values],
    }


def item_detail(*, item: RectificationItem) -> dict:
    """Timeline, progress reports with their evidence, all evidence, notices — a fixed number of queries."""
    transitions = list(item.transitions.select_related("actor"))
    reports = list(item.reports.select_related("reported_by").prefetch_related("evidence"))
    evidence = list(item.evidence.select_related("uploaded_by"))
    notices = list(item.notices.all())
    calendar = work_calendar()
    effective = calendar.effective_deadline(item.deadline)
    return {
        "transitions": transitions,
        "reports": reports,
        "evidence": evidence,
        "notices": notices,
        # a deadline on a rest day or a holiday runs to the next working day (民法典 §203); the page says so
        "effective_deadline": effective if effective != item.deadline else None,
        "paused": item.status == Status.CLOSING_REQUESTED,
    }


def closing_queue(*, user) -> QuerySet[RectificationItem]:
    """Closing requests, oldest request first, for the inspector's verification."""
    return (
        items_for_user(user, "view")
        .filter(status=Status.CLOSING_REQUESTED)
        .select_related("unit", "lead_department", "inspection", "dept_verified_by")
        .order_by("status_changed_at", "pk")
    )


def notices_for_user(*, user) -> QuerySet[Notice]:
    """Officials: notices to the units they act for; city-wide readers: all."""
    return Notice.objects.select_related("item", "unit").restrict(user)


# --- bulletin (通报) -----------------------------------------------------------------------------------------


@dataclass
class BulletinUnit:
    unit: Unit
    total: int = 0
    closed: int = 0
    overdue: list = field(default_factory=list)
    rebounded: list = field(default_factory=list)
    newly_closed: list = field(default_factory=list)

    @property
    def closed_late(self) -> list:
        """Of the newly closed, those closed after their deadline (逾期销号)."""
        return [it for it in self.newly_closed if it.closed_late]

    @property
    def closure_rate(self) -> float | None:
        return round(self.closed * 100 / self.total, 1) if self.total else None


def bulletin(*, start: datetime.date, end: datetime.date) -> list[BulletinUnit]:
    """By unit, for the period [start, end]:

    - overdue: not closed now, deadline before `end` (past due as of the period's last day);
    - rebounded: found back (a 反弹 transition) during the period;
    - newly closed: closed (and still closed) with a closing date in the period;
    - closure rate: the unit's closed items / all its items from inspections dated on or before `end`.
    Only units with items appear, in the usual unit order. Four queries.
    """
    base = RectificationItem.objects.select_related("unit").filter(inspection__date__lte=end)
    overdue = list(base.filter(deadline__lt=end).exclude(status=Status.CLOSED).order_by("deadline", "code"))
    closed = list(base.filter(status=Status.CLOSED, closed_on__range=(start, end)).order_by("closed_on", "code"))
    rebound_ids = (
        Transition.objects.filter(to_status=Status.REBOUNDED, created_at__date__range=(start, end))
        .values("item_id")
        .distinct()
    )
    rebounded = list(RectificationItem.objects.select_related("unit").filter(pk__in=rebound_ids).order_by("code"))
    totals = list(
        base.order_by()
        .values("unit_id")
        .annotate(total=Count("pk"), closed=Count("pk", filter=Q(status=Status.CLOSED)))
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[t["unit_id"] for t in totals])}
    rows = {pk: BulletinUnit(unit=u) for pk, u in units.items()}
    for t in totals:
        rows[t["unit_id"]].total, rows[t["unit_id"]].closed = t["total"], t["closed"]
    for name, items in (("overdue", overdue), ("rebounded", rebounded), ("newly_closed", closed)):
        for it in items:
            if it.unit_id not in rows:
                rows[it.unit_id] = BulletinUnit(unit=it.unit)
            getattr(rows[it.unit_id], name).append(it)
    return sorted(rows.values(), key=lambda r: (r.unit.sort_order, r.unit.code))


# --- assessment indicators ----------------------------------------------------------------------------------

COLUMNS = ["unit_id", "value", "detail"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    frame["unit_id"] = frame["unit_id"].astype(int)
    frame["value"] = frame["value"].astype(float)
    frame["detail"] = frame["detail"].astype(str)
    return frame


def indicator_rectification_closure_rate(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """% of the unit's items due from Jan 1 of `year` to `as_of` that were closed by `as_of` (higher better)."""
    start = datetime.date(year, 1, 1)
    values = (
        RectificationItem.objects.filter(deadline__range=(start, as_of))
        .order_by()
        .values("unit_id")
        .annotate(
            due=Count("pk"),
            closed=Count("pk", filter=Q(status=Status.CLOSED, closed_on__lte=as_of)),
        )
    )
    rows = [
        {
            "unit_id": v["unit_id"],
            "value": round_rate(v["closed"] * 100.0 / v["due"]) if v["due"] else np.nan,
            "detail": f"到期应销号 {v['due']} 项，已销号 {v['closed']} 项（截至 {as_of:%Y-%m-%d}）",
        }
        for v in values
    ]
    return _frame(rows)


def indicator_rectification_overdue_count(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """Items due from Jan 1 of `year` to before `as_of` that missed their deadline: still not closed by `as_of`
    (逾期未销号), or closed after it (逾期销号, `closed_late`, judged on the working-day calendar at closing).

    A late closure is a missed deadline too: before issue 16 it vanished from the count once closed."""
    start = datetime.date(year, 1, 1)
    due = Q(deadline__gte=start, deadline__lt=as_of)
    values = (
        RectificationItem.objects.filter(deadline__lte=as_of)
        .order_by()
        .values("unit_id")
        .annotate(
            open_overdue=Count("pk", filter=due & ~Q(status=Status.CLOSED, closed_on__lte=as_of)),
            closed_late=Count("pk", filter=due & Q(status=Status.CLOSED, closed_on__lte=as_of, closed_late=True)),
        )
    )
    rows = [
        {
            "unit_id": v["unit_id"],
            "value": float(v["open_overdue"] + v["closed_late"]),
            "detail": (
                f"{year} 年到期逾期未销号 {v['open_overdue']} 项、逾期销号 {v['closed_late']} 项"
                f"（截至 {as_of:%Y-%m-%d}）"
            ),
        }
        for v in values
    ]
    return _frame(rows)


def indicator_rectification_red_orange_count(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """Open items now at red or orange warning (the colour the daily job computed), per unit."""
    values = (
        RectificationItem.objects.filter(inspection__date__lte=as_of)
        .order_by()
        .values("unit_id")
        .annotate(
            red=Count("pk", filter=Q(colour=Colour.RED) & ~Q(status=Status.CLOSED)),
            orange=Count("pk", filter=Q(colour=Colour.ORANGE) & ~Q(status=Status.CLOSED)),
        )
    )
    rows = [
        {
            "unit_id": v["unit_id"],
            "value": float(v["red"] + v["orange"]),
            "detail": f"红色预警 {v['red']} 项、橙色预警 {v['orange']} 项",
        }
        for v in values
    ]
    return _frame(rows)


def indicator_rectification_rebound_count(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """Rebounds (回头看 found a closed item back) from Jan 1 of `year` to `as_of`, per unit; units with items."""
    start = datetime.date(year, 1, 1)
    values = (
        RectificationItem.objects.filter(inspection__date__lte=as_of)
        .order_by()
        .values("unit_id")
        .annotate(
            rebounds=Count(
                "transitions",
                filter=Q(
                    transitions__to_status=Status.REBOUNDED,
                    transitions__created_at__date__range=(start, as_of),
                ),
            )
        )
    )
    rows = [
        {
            "unit_id": v["unit_id"],
            "value": float(v["rebounds"]),
            "detail": f"{year} 年回头看发现反弹 {v['rebounds']} 项次（截至 {as_of:%Y-%m-%d}）",
        }
        for v in values
    ]
    return _frame(rows)


# --- 回头看 plans ---------------------------------------------------------------------------------------------


def review_plan_list() -> QuerySet:
    """Plans, newest first, each with its counts of checks by result (one query). City-wide: read by city roles."""
    from .models import ReviewCheck, ReviewPlan

    return ReviewPlan.objects.select_related("inspection", "created_by").annotate(
        total=Count("checks"),
        passed=Count("checks", filter=Q(checks__result=ReviewCheck.Result.PASSED)),
        rebound=Count("checks", filter=Q(checks__result=ReviewCheck.Result.REBOUND)),
        pending=Count("checks", filter=Q(checks__result=ReviewCheck.Result.PENDING)),
    )


def review_plan_checks(plan) -> QuerySet:
    """A plan's checks with their items and units, pending first then by code."""
    return plan.checks.select_related("item", "item__unit", "checked_by").order_by(
        Case(When(result="pending", then=Value(0)), default=Value(1)), "item__code"
    )
