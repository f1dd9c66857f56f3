"""The pilot portfolio (试点示范): reads and the one write (a milestone done, with its evidence).

Pilots are few (a city has a handful, a province a few hundred), so the portfolio is read whole: one query for
the pilots with their milestone counts, one for the money of the projects behind them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited
from tracker.fields import check_plausible_date
from tracker.permissions import can_act_for_unit

from .models import Pilot, PilotMilestone, Project
from .selectors import _paid_subquery

ZERO = Decimal("0")


@dataclass
class PilotRow:
    pilot: Pilot
    total: int = 0
    done: int = 0
    overdue: int = 0
    next_name: str = ""
    next_on: datetime.date | None = None
    allocated: Decimal = ZERO
    paid: Decimal = ZERO
    projects: list[Project] = field(default_factory=list)

    @property
    def progress(self) -> int:
        """Milestones done, % (whole number)."""
        return round(self.done * 100 / self.total) if self.total else 0

    @property
    def execution(self) -> float | None:
        return float(self.paid * 100 / self.allocated) if self.allocated else None


def pilot_portfolio(*, today: datetime.date, pilots: QuerySet[Pilot] | None = None) -> list[PilotRow]:
    """Every pilot with milestone progress (done / total, overdue), its next milestone and its projects' money."""
    qs = (pilots if pilots is not None else Pilot.objects.all()).select_related("lead_unit")
    qs = qs.annotate(
        m_total=Count("milestones", distinct=True),
        m_done=Count("milestones", filter=Q(milestones__done_on__isnull=False), distinct=True),
        m_overdue=Count(
            "milestones", filter=Q(milestones__done_on__isnull=True, milestones__planned_on__lt=today), distinct=True
        ),
        m_next=Min("milestones__planned_on", filter=Q(milestones__done_on__isnull=True)),
    )
    rows = {
        p.pk: PilotRow(p, total=p.m_total, done=p.m_done, overdue=p.m_overdue, next_on=p.m_next)
        for p in qs.order_by("level", "name")
    }
    if not rows:
        return []
    for m in PilotMilestone.objects.filter(pilot_id__in=rows, done_on__isnull=True).order_by("planned_on", "pk"):
        row = rows[m.pilot_id]
        if not row.next_name and m.planned_on == row.next_on:
            row.next_name = m.name
    for project in (
        Project.objects.filter(pilots__in=rows)
        .annotate(paid_total=_paid_subquery(on_or_before=today))
        .prefetch_related("pilots")
        .select_related("unit")
        .order_by("unit__sort_order", "code")
    ):
        for pilot in project.pilots.all():
            if pilot.pk in rows:
                row = rows[pilot.pk]
                row.projects.append(project)
                row.allocated += project.allocated_amount
                row.paid += project.paid_total
    return list(rows.values())


def pilot_milestones(pilot: Pilot) -> QuerySet[PilotMilestone]:
    return pilot.milestones.select_related("recorded_by")


@audited
def pilot_milestone_done(*, milestone: PilotMilestone, done_on: datetime.date, evidence: str, user) -> PilotMilestone:
    """Record a milestone as done, with what was done (佐证). Only the pilot's lead unit records it, once."""
    if not can_act_for_unit(user, milestone.pilot.lead_unit_id):
        raise PermissionDenied(_("只有牵头单位可以记录试点节点完成情况。"))
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("请写明完成情况及佐证材料。")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天。")})
    check_plausible_date(done_on)
    with transaction.atomic():
        updated = PilotMilestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(
            done_on=done_on, evidence=evidence[:4000], recorded_by=user
        )
        if not updated:
            raise ValidationError(_("该节点已被他人记录完成，请刷新页面。"))
    milestone.refresh_from_db()
    return milestone
