"""Reads for measures (攻坚任务): the scoped, filtered list with the derived status, and one measure's reports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, CharField, Q, QuerySet, Value, When

from ..choices import MeasureStatus
from ..models import Measure
from ..permissions import measures_for_user


def with_status(qs: QuerySet[Measure], today: datetime.date) -> QuerySet[Measure]:
    """Annotate `status` (MeasureStatus value) from progress and deadline, in SQL so it can be filtered."""
    soon = today + datetime.timedelta(days=settings.DUE_SOON_DAYS)
    return qs.annotate(
        status=Case(
            When(progress__gte=100, then=Value(MeasureStatus.DONE.value)),
            When(deadline__lt=today, then=Value(MeasureStatus.OVERDUE.value)),
            When(deadline__lte=soon, then=Value(MeasureStatus.DUE_SOON.value)),
            When(progress=0, then=Value(MeasureStatus.NOT_STARTED.value)),
            default=Value(MeasureStatus.IN_PROGRESS.value),
            output_field=CharField(),
        )
    )


def open_measures(*, today: datetime.date, unit_ids: list[int] | None = None) -> QuerySet[Measure]:
    """Tasks not finished yet (progress below 100 %), with their status as of `today`, of `unit_ids` or all."""
    measures = with_status(Measure.objects.all(), today).filter(progress__lt=100)
    if unit_ids is not None:
        measures = measures.filter(unit_id__in=unit_ids)
    return measures


def measure_list(
    *,
    user,
    today: datetime.date,
    area: str | None = None,
    zone_id: int | None = None,
    unit_id: int | None = None,
    source_type: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    year: int | None = None,
) -> QuerySet[Measure]:
    """The measures this person may see, filtered, overdue first then by deadline (one query). `year`: due that
    year (next year's list, 超前谋划)."""
    qs = with_status(measures_for_user(user, "view").select_related("unit", "war_zone", "responsible"), today)
    if area:
        qs = qs.filter(area=area)
    if zone_id:
        qs = qs.filter(war_zone_id=zone_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if source_type:
        qs = qs.filter(source_type=source_type)
    if year:
        qs = qs.filter(deadline__year=year)
    # `status` is annotated by with_status, which the type checker cannot see through
    if status:
        qs = qs.filter(status=status)  # type: ignore[misc]
    if overdue:
        qs = qs.filter(status=MeasureStatus.OVERDUE.value)  # type: ignore[misc]
    overdue_first = Case(When(Q(status=MeasureStatus.OVERDUE.value), then=Value(0)), default=Value(1))
    return qs.order_by(overdue_first, "deadline", "code")


def status_counts(qs: QuerySet[Measure]) -> dict[str, int]:
    """How many of `qs` (already annotated with status) are in each state, in one query."""
    from django.db.models import Count

    rows = qs.order_by().values("status").annotate(n=Count("pk"))  # type: ignore[misc]  # annotated `status`
    counts = {row["status"]: row["n"] for row in rows}
    return {s.value: counts.get(s.value, 0) for s in MeasureStatus}


def bulletin_tasks_behind(*, start: datetime.date, end: datetime.date, limit: int = 100):
    """The bulletin's part on tasks behind schedule (攻坚任务滞后): tasks not done whose deadline passed by the
    period's end, by unit, with person, deadline, progress and days overdue. Two queries (count, first `limit`)."""
    from tracker.documents import DocumentSection

    qs = Measure.objects.filter(progress__lt=100, deadline__lt=end).select_related("unit")
    total = qs.count()
    rows = [
        (m.unit.name, m.code, m.title, m.responsible_person, f"{m.deadline:%Y-%m-%d}", f"{m.progress}%",
         (end - m.deadline).days)
        for m in qs.order_by("unit__sort_order", "unit__code", "deadline", "code")[:limit]
    ]  # fmt: skip
    note = f"截至{end.year}年{end.month}月{end.day}日，逾期未完成的攻坚任务共{total}项"
    note += f"，下表列出前{limit}项。" if total > limit else ("。" if total else "，无滞后任务。")
    return DocumentSection(
        heading="攻坚任务滞后情况",
        headers=("责任单位", "任务编号", "任务名称", "责任人", "完成时限", "形象进度", "逾期天数"),
        rows=rows,
        note=note,
    )
