"""Services of the units' own project reserve (项目储备): an official proposes a project for their unit, a city
department or an admin accepts it into the reserve or declines it with a reason; the unit is told in its inbox.

A module of its own so that the proposal workflow stays readable next to the stage workflow in `services.py`.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from tracker.common.access import has_cap
from tracker.common.audit import audited
from tracker.models import InboxKind, Unit
from tracker.permissions import can_act_for_unit, is_unit_scoped
from tracker.services.inbox import inbox_notify_units

from .choices import ProposalStatus, Stage
from .models import Project

STALE = "已被他人修改，请刷新后重试。"
# Who decides proposals: the city's departments (发改、财政、生态环境…) and the admin.


def can_decide_proposals(user) -> bool:
    return has_cap(user, "decide_proposals")


def proposals_pending() -> QuerySet[Project]:
    """The queue of proposals waiting for a decision, oldest first."""
    return (
        Project.objects.filter(proposal_status=ProposalStatus.PROPOSED)
        .select_related("unit", "proposed_by")
        .order_by("created_at", "pk")
    )


@audited
def project_propose(
    *,
    user,
    unit_id: int,
    name: str,
    investment: Decimal,
    responsible_person: str = "",
    planned_start: date | None = None,
    planned_completion: date | None = None,
) -> Project:
    """An official proposes a project for their own unit: stage 储备, waiting for a department or an admin."""
    if not is_unit_scoped(user) or not can_act_for_unit(user, unit_id, "report"):
        raise PermissionDenied("只能为本单位申报储备项目")
    if not name.strip():
        raise ValidationError("请填写项目名称")
    if investment < 0:
        raise ValidationError("估算总投资不能为负数")
    if planned_start and planned_completion and planned_completion < planned_start:
        raise ValidationError("计划竣工日期不能早于计划开工日期")
    unit = Unit.objects.get(pk=unit_id)
    code = f"CB{timezone.localdate():%Y}-{unit.code}-{uuid.uuid4().hex[:6].upper()}"[:40]
    return Project.objects.create(
        code=code,
        name=name.strip(),
        unit=unit,
        stage=Stage.RESERVE,
        investment=investment,
        responsible_person=responsible_person.strip(),
        planned_start=planned_start,
        planned_completion=planned_completion,
        proposal_status=ProposalStatus.PROPOSED,
        proposed_by=user,
    )


@audited
def project_proposal_decide(*, user, project_id: int, expected_version: int, accept: bool, note: str = "") -> Project:
    """Accept a proposal into the reserve or decline it with a reason (compare-and-set on the version)."""
    if not can_decide_proposals(user):
        raise PermissionDenied("只有市级部门和系统管理员可以审核储备申报")
    note = note.strip()
    if not accept and not note:
        raise ValidationError("不予纳入须填写原因")
    to = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    updated = Project.objects.filter(
        pk=project_id, proposal_status=ProposalStatus.PROPOSED, version=expected_version
    ).update(
        proposal_status=to,
        decided_by=user,
        decided_at=timezone.now(),
        decision_note=note,
        version=F("version") + 1,
    )
    if not updated:
        raise ValidationError(STALE)
    project = Project.objects.select_related("unit").get(pk=project_id)
    inbox_notify_units(
        unit_ids=[project.unit_id],
        kind=InboxKind.PROJECT_DECIDED,
        title=f"{'储备申报已纳入储备' if accept else '储备申报未纳入'}：{project.name}",
        body=f"审核意见：{note}" if note else "",
        url=reverse("projects:project_detail", args=[project.pk]),
    )
    return project
