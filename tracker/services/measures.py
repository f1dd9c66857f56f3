"""Writes for measures (攻坚任务): dated progress reports by the owner unit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audited
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
