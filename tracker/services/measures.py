"""Writes for measures (攻坚任务): dated progress reports by the owner unit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited

from ..common.access import has_cap
from ..models import Measure, MeasureProgressReport
from ..permissions import can_act_for_unit


@audited
def measure_report_progress(
    *, user, measure: Measure, date: datetime.date, progress: int, note: str
) -> MeasureProgressReport:
    """Record a progress report and move the measure's visible progress to it.

    Only an official of the measure's own unit may report. The report date cannot be in the future; a
    report dated before the latest one is kept in the history but does not move the progress back.
    """
    if not can_act_for_unit(user, measure.unit_id, "report"):
        raise PermissionDenied(_("只能为本单位的任务填报进展。"))
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("形象进度应在 0 到 100 之间。")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("报告日期不能晚于今天。")})
    if not note.strip():
        raise ValidationError({"note": _("请填写进展情况。")})
    report = MeasureProgressReport.objects.create(
        measure=measure, date=date, progress=progress, note=note.strip(), reported_by=user
    )
    latest = measure.reports.order_by("-date", "-created_at").values("date", "progress").first()
    assert latest is not None  # the report just created
    Measure.objects.filter(pk=measure.pk).update(progress=latest["progress"], last_report_date=latest["date"])
    measure.refresh_from_db(fields=["progress", "last_report_date"])
    return report


# --- tasks assigned by the city's departments (交办) -------------------------------------------------
def can_assign_measures(user) -> bool:
    """City departments and admins assign tasks (攻坚任务) to units."""
    return has_cap(user, "assign_tasks")


@audited
def measure_assign(
    *,
    user,
    unit_id: int,
    title: str,
    area: str,
    deadline: datetime.date,
    responsible_person: str,
    description: str = "",
    source_type: str = "",
    war_zone_id: int | None = None,
) -> Measure:
    """A department (or an admin) assigns a task to a unit; the unit's officials find it in their inbox."""
    import uuid

    from django.urls import reverse

    from ..models import InboxKind
    from .inbox import inbox_notify_units

    if not can_assign_measures(user):
        raise PermissionDenied("只有市级部门和系统管理员可以交办任务")
    if area != "air" and source_type:
        raise ValidationError("只有大气任务有污染源类型")
    measure = Measure.objects.create(
        code=f"JB{timezone.localdate():%Y}-{uuid.uuid4().hex[:6].upper()}",
        title=title.strip(),
        description=description.strip(),
        area=area,
        source_type=source_type,
        war_zone_id=war_zone_id,
        unit_id=unit_id,
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        assigned_by=user,
    )
    inbox_notify_units(
        unit_ids=[unit_id],
        kind=InboxKind.MEASURE_ASSIGNED,
        title=f"新交办任务：{measure.title}",
        body=f"完成时限 {deadline:%Y-%m-%d}；交办：{getattr(user, 'display_name', user)}。",
        url=reverse("tracker:measure_detail", args=[measure.pk]),
    )
    return measure
