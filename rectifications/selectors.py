"""Reads: the ledger, counts, the inspector's queue, the bulletin and the assessment indicators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
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

from tracker.common.frames import query_frame
from tracker.common.memo import shared
from tracker.models import Unit
from tracker.selectors.units import work_calendar
from tracker.standards import round_rate

from .choices import Colour, Status
from .models import OPEN_FIRST, Notice, RectificationItem, Transition
from .permissions import items_for_user


def item_ledger(*, user, filters: dict | None = None) -> QuerySet[RectificationItem]:
    """The items this person may see, filtered; rows carry unit, lead department and inspection."""
    qs = items_for_user(user, "view").select_related("unit", "lead_department", "inspection", "responsible")
    for key, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if key in ("inspection", "unit"):
            qs = qs.filter(**{f"{key}_id": value})
        elif key in ("area", "status", "colour"):
            qs = qs.filter(**{key: value})
    # open items first (nearest deadline first), closed ones after them
    return qs.order_by(OPEN_FIRST, "deadline", "code", "id")


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


def open_items(*, unit_ids: list[int] | None = None) -> QuerySet[RectificationItem]:
    """Items not closed yet, of `unit_ids` (as responsible unit or lead department) or of every unit."""
    items = RectificationItem.objects.exclude(status=Status.CLOSED)
    if unit_ids is not None:
        items = items.filter(Q(unit_id__in=unit_ids) | Q(lead_department_id__in=unit_ids))
    return items


def closing_queue(*, user) -> QuerySet[RectificationItem]:
    """Closing requests, oldest request first, for the inspector's verification."""
    return (
        items_for_user(user, "view")
        .filter(status=Status.CLOSING_REQUESTED)
        .select_related("unit", "lead_department", "inspection", "dept_verified_by", "responsible")
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
    base = RectificationItem.objects.select_related("unit", "enterprise", "responsible").filter(
        inspection__date__lte=end
    )
    overdue = list(base.filter(deadline__lt=end).exclude(status=Status.CLOSED).order_by("deadline", "code"))
    closed = list(base.filter(status=Status.CLOSED, closed_on__range=(start, end)).order_by("closed_on", "code"))
    rebound_ids = (
        Transition.objects.filter(to_status=Status.REBOUNDED, created_at__date__range=(start, end))
        .values("item_id")
        .distinct()
    )
    rebounded = list(
        RectificationItem.objects.select_related("unit", "enterprise", "responsible")
        .filter(pk__in=rebound_ids)
        .order_by("code")
    )
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


NUMERALS = "三四五六七八九十"


def bulletin_sections(*, start: datetime.date, end: datetime.date, user=None) -> list:
    """The bulletin's further parts (tasks behind schedule, stalled projects, ranking movement …): each from the
    selector `settings.BULLETIN_SECTIONS` names, headed 三、四、… after the items' 一、二、.

    With `user`, the parts this person may read (the page). Without, every part: the numbered Word document is
    the city's document of record — one 文号, one text, whoever of the issuing offices downloads it."""
    from dataclasses import replace

    from django.conf import settings
    from django.utils.module_loading import import_string

    from tracker.common.access import has_cap

    parts = [
        import_string(path)(start=start, end=end)
        for path, cap in settings.BULLETIN_SECTIONS
        if user is None or has_cap(user, cap)
    ]
    return [replace(p, heading=f"{NUMERALS[i]}、{p.heading}") for i, p in enumerate(parts)]


def _bulletin_conditions(*, start: datetime.date, end: datetime.date) -> dict[str, Q]:
    """The bulletin's three lists as conditions on items (the same definitions as `bulletin`)."""
    rebound_ids = (
        Transition.objects.filter(to_status=Status.REBOUNDED, created_at__date__range=(start, end))
        .values("item_id")
        .distinct()
    )
    in_scope = Q(inspection__date__lte=end)
    return {
        "overdue": in_scope & Q(deadline__lt=end) & ~Q(status=Status.CLOSED),
        "rebounded": Q(pk__in=rebound_ids),
        "newly_closed": in_scope & Q(status=Status.CLOSED, closed_on__range=(start, end)),
    }


def bulletin_items(
    *, start: datetime.date, end: datetime.date, unit_id: int | None = None, category: str | None = None
) -> QuerySet[RectificationItem]:
    """见人见事: the items that are overdue, rebounded or newly closed in the period, each flagged
    (`in_overdue`, `in_rebounded`, `in_newly_closed`; an item may be in two lists), for a paged ledger."""
    conditions = _bulletin_conditions(start=start, end=end)
    wanted = conditions[category] if category in conditions else Q()
    if not wanted:
        for q in conditions.values():
            wanted |= q
    qs = RectificationItem.objects.filter(wanted).select_related("unit", "inspection", "enterprise", "responsible")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    flags = {
        f"in_{name}": Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
        for name, q in conditions.items()
    }
    return qs.annotate(**flags).order_by("unit__sort_order", "unit__code", "deadline", "code")


def bulletin_units(*, start: datetime.date, end: datetime.date) -> QuerySet[Unit]:
    """各单位销号情况, aggregated in SQL: per unit with items, total and closed (items inspected by `end`),
    the three list counts and `rate_sort` (closed ÷ total).

    The units are picked with two semi-joins (so the pager's count reads no item twice) and each count is a
    correlated subquery on the item table's unit index: in the default order only the page's units are
    counted; sorting by a count computes it for every unit (a few thousand index probes)."""
    conditions = _bulletin_conditions(start=start, end=end)
    in_scope = Q(inspection__date__lte=end)

    def count(q: Q) -> Coalesce:
        per_unit = (
            RectificationItem.objects.filter(q, unit=OuterRef("pk"))
            .order_by()
            .values("unit")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(per_unit, output_field=IntegerField()), 0)

    def has(q: Q) -> Exists:
        return Exists(RectificationItem.objects.filter(q, unit=OuterRef("pk")))

    units = Unit.objects.filter(has(in_scope) | has(conditions["rebounded"])).annotate(
        total=count(in_scope),
        closed=count(in_scope & Q(status=Status.CLOSED)),
        overdue=count(conditions["overdue"]),
        rebounded=count(conditions["rebounded"]),
        newly_closed=count(conditions["newly_closed"]),
    )
    return units.annotate(
        rate_sort=Case(
            When(total__gt=0, then=ExpressionWrapper(F("closed") * 100.0 / F("total"), output_field=FloatField()))
        )
    ).order_by("sort_order", "code")


# --- assessment indicators ----------------------------------------------------------------------------------

COLUMNS = ["unit_id", "value", "detail"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    extra = [c for c in ("num", "den") if rows and c in rows[0]]
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS + extra)
    frame["unit_id"] = frame["unit_id"].astype(int)
    frame["value"] = frame["value"].astype(float)
    frame["detail"] = frame["detail"].astype(str)
    return frame


def items_as_of(as_of: datetime.date) -> pd.DataFrame:
    """Every item known on `as_of` with its state *on that day*, rebuilt from the transition history.

    Columns: item_id, unit_id, deadline, status (the last transition's `to_status` dated on or before `as_of`,
    else open), rebounds (transitions to 反弹 on or before `as_of`). Today's stored status, `closed_on` and the
    colour the daily job wrote are not read, so a past date scores the same whatever happened since. Two queries.
    """
    from django.conf import settings
    from django.utils import timezone

    end = timezone.make_aware(
        datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min),
        timezone.get_default_timezone(),
    )
    # a country's 50k items and their transitions: read by COPY into pandas (query_frame), not as model dicts
    item_columns = ["pk", "unit_id", "deadline", "status", "closed_on", "closed_late"]
    items = query_frame(
        RectificationItem.objects.filter(inspection__date__lte=as_of).order_by().values_list(*item_columns),
        item_columns,
        booleans=["closed_late"],
        text=["deadline", "status", "closed_on"],
    ).rename(columns={"pk": "item_id", "status": "stored"})
    items["unit_id"] = items["unit_id"].astype(int)
    items["deadline"] = _dates(items["deadline"])
    items["closed_on"] = _dates(items["closed_on"])
    move_columns = ["item_id", "to_status", "created_at"]
    moves = query_frame(
        Transition.objects.filter(created_at__lt=end, item__inspection__date__lte=as_of)
        .order_by("item_id", "created_at", "pk")
        .values_list(*move_columns),
        move_columns,
        text=["to_status", "created_at"],
    )
    # the day (Beijing) of each transition, as timezone.localdate gives it
    moves["created_at"] = pd.to_datetime(moves["created_at"], utc=True, format="ISO8601").dt.tz_convert(
        timezone.get_default_timezone_name()
    )
    last = moves.groupby("item_id")["to_status"].last() if not moves.empty else pd.Series(dtype=object)
    moved_at = moves.groupby("item_id")["created_at"].last() if not moves.empty else pd.Series(dtype=object)
    rebounds = (
        moves[moves["to_status"] == Status.REBOUNDED].groupby("item_id").size()
        if not moves.empty
        else pd.Series(dtype=int)
    )
    # an item without any transition (imported or created in its state) keeps its stored state, closed only from
    # its `closed_on`
    closed_then = (items["stored"] == Status.CLOSED) & items["closed_on"].notna() & (items["closed_on"] <= as_of)
    legacy = (
        items["stored"].where(items["stored"] != Status.CLOSED, Status.IN_PROGRESS).where(~closed_then, Status.CLOSED)
    )
    mapped = items["item_id"].map(last).astype(object)
    items["status"] = mapped.where(mapped.notna(), legacy)
    items["rebounds"] = items["item_id"].map(rebounds).fillna(0).astype(int)
    moved = items["item_id"].map(moved_at) if not moves.empty else pd.Series(pd.NaT, index=items.index)
    items["moved_on"] = [None if pd.isna(day) else day for day in pd.to_datetime(moved).dt.date]
    # closed late only counts once the item is closed on `as_of` (closed_late is stored at closing)
    items["closed_late"] = items["closed_late"].astype(bool) & (items["status"] == Status.CLOSED)
    items = items.drop(columns=["stored", "closed_on"])
    items.attrs["thresholds"] = {"yellow_days": settings.DUE_SOON_DAYS, "red_days": settings.RECT_RED_DAYS}
    return items


def _dates(column: pd.Series) -> pd.Series:
    """ISO date strings (NULL → missing) as `datetime.date` objects, missing as None."""
    days = pd.to_datetime(column, format="%Y-%m-%d").dt.date
    return days.astype(object).where(column.notna(), None)


def _items_then(as_of: datetime.date) -> pd.DataFrame:
    """`items_as_of`, read once per scoring pass: three indicators of one run ask for it (tracker.common.memo).
    Callers do not modify it."""
    return shared(("rectification_items_as_of", as_of), lambda: items_as_of(as_of))


def indicator_rectification_closure_rate(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """% of the unit's items due from Jan 1 of `year` to `as_of` that were closed on `as_of` (higher better),
    from the transition history (an item closed then and rebounded since still counts as closed then)."""
    start = datetime.date(year, 1, 1)
    items = _items_then(as_of)
    due = items[(items["deadline"] >= start) & (items["deadline"] <= as_of)]
    if due.empty:
        return pd.DataFrame(columns=[*COLUMNS, "num", "den"])
    n_due = due.groupby("unit_id").size()
    closed = (due["status"] == Status.CLOSED).groupby(due["unit_id"]).sum().reindex(n_due.index).astype(int)
    frame = pd.DataFrame(
        {
            "unit_id": n_due.index.astype(int),
            "value": round_rate(closed * 100.0 / n_due).astype(float).to_numpy(),
            "detail": [
                f"到期应销号 {n} 项，已销号 {c} 项（截至 {as_of:%Y-%m-%d}）" for n, c in zip(n_due, closed, strict=True)
            ],
            "num": closed.astype(float).to_numpy(),
            "den": n_due.astype(float).to_numpy(),
        }
    )
    return frame


def indicator_rectification_overdue_count(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """Items whose deadline fell from Jan 1 of `year` to before `as_of` and that missed it: not closed on `as_of`
    (逾期未销号, their state that day from the transition history), or closed by then but after the deadline
    (逾期销号, `closed_late`, judged on the working-day calendar at closing). One row per unit with items."""
    start = datetime.date(year, 1, 1)
    items = _items_then(as_of)
    due = (items["deadline"] >= start) & (items["deadline"] < as_of)
    open_late = (due & (items["status"] != Status.CLOSED)).groupby(items["unit_id"]).sum()
    closed_late = (due & items["closed_late"]).groupby(items["unit_id"]).sum()
    rows = [
        {
            "unit_id": unit_id,
            "value": float(n + closed_late.get(unit_id, 0)),
            "detail": f"{year} 年到期逾期未销号 {int(n)} 项、逾期销号 {int(closed_late.get(unit_id, 0))} 项"
            f"（截至 {as_of:%Y-%m-%d}）",
        }
        for unit_id, n in open_late.items()
    ]
    return _frame(rows)


def indicator_rectification_red_orange_count(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """Open items at red or orange warning on `as_of`, per unit: the colour rule (`warning.warning_colour`)
    applied to each item's state that day — not the colour the daily job last stored, so a past date counts
    what was red then, and a same-day run does not depend on whether the job has run yet."""
    from .warning import warning_colour

    items = _items_then(as_of)
    th = items.attrs.get("thresholds", {})
    from tracker.selectors.units import work_calendar

    calendar = work_calendar()
    open_items = items[items["status"] != Status.CLOSED]  # a closed item has no warning colour to count
    # the colour rule on each distinct input, not on each of the country's 41k open items: the rule reads the
    # status, deadline, whether it rebounded and (only while 申请销号) the day it asked
    keys = [
        (status, deadline, rebounds > 0, moved if status == Status.CLOSING_REQUESTED else None)
        for status, deadline, rebounds, moved in zip(
            open_items["status"], open_items["deadline"], open_items["rebounds"], open_items["moved_on"], strict=True
        )
    ]
    colour_of = {
        key: warning_colour(
            status=key[0], deadline=key[1], today=as_of, rebounded=key[2], calendar=calendar, paused_on=key[3], **th
        )
        for key in set(keys)
    }
    colours = [colour_of[key] for key in keys]
    open_items = open_items.assign(colour=colours)
    red = (open_items["colour"] == Colour.RED).groupby(open_items["unit_id"]).sum()
    orange = (open_items["colour"] == Colour.ORANGE).groupby(open_items["unit_id"]).sum()
    rows = []
    for unit_id in items["unit_id"].unique():
        r, o = int(red.get(unit_id, 0)), int(orange.get(unit_id, 0))
        rows.append({"unit_id": unit_id, "value": float(r + o), "detail": f"红色预警 {r} 项、橙色预警 {o} 项"})
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


# --- 奖惩到人 -------------------------------------------------------------------------------------------
def accountability_list(
    *,
    user,
    unit_id: int | None = None,
    kind: str | None = None,
    year: int | None = None,
    person_id: int | None = None,
) -> QuerySet:
    """Accountability records this person may see: a county its own people's, city-wide roles every one."""
    from .models import AccountabilityRecord

    qs = AccountabilityRecord.objects.restrict(user, "view").select_related(
        "person", "unit", "document_number", "item", "notice__item", "recorded_by"
    )
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.order_by("-date", "-pk")


def accountability_years() -> list[int]:
    from .models import AccountabilityRecord

    return sorted({d.year for d in AccountabilityRecord.objects.dates("date", "year")}, reverse=True)


def person_sections(*, person, user) -> list[dict[str, Any]]:
    """The person's page (tracker): rectification items naming the person, and their accountability records,
    each scoped to the reader (settings.PERSON_DOSSIER_SECTIONS)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from tracker.selectors.people import SECTION_LIMIT

    from .models import AccountabilityRecord

    items = items_for_user(user, "view").filter(responsible=person).order_by(OPEN_FIRST, "deadline", "code")
    records = (
        AccountabilityRecord.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("document_number", "item", "notice__item", "recorded_by")
        .order_by("-date", "-pk")
    )
    return [
        {
            "key": "items",
            "title": _("整改问题"),
            "headers": [_("问题编号"), _("问题描述"), _("整改时限"), _("状态")],
            "rows": [
                {
                    "url": reverse("rectifications:detail", args=[i.pk]),
                    "cells": [i.code, i.description[:60], i.deadline.isoformat(), i.get_status_display()],
                    "css": "row-overdue"
                    if i.colour in (Colour.ORANGE, Colour.RED) and i.status != Status.CLOSED
                    else "",
                }
                for i in items[:SECTION_LIMIT]
            ],
            "count": items.count(),
            "more_url": "",
        },
        {
            "key": "accountability",
            "title": _("奖惩问责记录"),
            "headers": [_("日期"), _("类别"), _("依据"), _("事由"), _("记录人")],
            "rows": [
                {
                    "url": "",
                    "cells": [
                        r.date.isoformat(),
                        r.get_kind_display(),
                        r.basis_label,
                        r.description,
                        r.recorded_by.display_name,
                    ],
                    "css": "",
                }
                for r in records[:SECTION_LIMIT]
            ],
            "count": records.count(),
            "more_url": reverse("rectifications:accountability_list") + f"?person={person.pk}",
        },
    ]
