"""Special inspections (专项督查) of projects and tasks: the round, its targets and what it found.

A round is an `Inspection` of kind 专项督查 with a target list (`InspectionTarget`: one project or one task each).
Each finding against a target becomes either a rectification item — through `services.rectification_item_create`,
so it follows the ordinary closing workflow — or a directive (督办事项) with a deadline that the unit reports done.
Inspectors and admins draw up rounds and record findings (`import_items`); the unit's official reports a
directive done. Projects and money are not the inspectors' part (`read_projects`): only those who read projects
put a project in a round or see a project target — an inspector's rounds are over tasks. Kept out of
`services.py` (already past the size where a module splits).
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import has_cap
from tracker.common.workflow import compare_and_set
from tracker.fields import check_plausible_date, check_text_length
from tracker.models import Measure
from tracker.permissions import can_act_for_unit, is_unit_scoped

from .choices import Area, DirectiveStatus, FindingKind, InspectionKind, Term
from .models import Directive, Inspection, InspectionTarget, RectificationItem
from .services import NotAllowed, WorkflowError, rectification_item_create


def _project_model():
    # projects.Project through the app registry: rectifications imports no other domain app's modules
    return apps.get_model("projects", "Project")


# --- writes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def special_inspection_create(
    *,
    user,
    name: str,
    date: datetime.date,
    project_ids: list[int],
    measure_ids: list[int],
    reason: str = "",
) -> Inspection:
    """Draw up a special inspection round (专项督查) over the named projects and tasks; all or nothing."""
    if not has_cap(user, "import_items"):
        raise NotAllowed(_("只有督察员或系统管理员可以组织专项督查。"))
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("请填写督查批次名称。"))
    if Inspection.objects.filter(name=name).exists():
        raise WorkflowError(_("批次名称“%(n)s”已存在。") % {"n": name})
    if not project_ids and not measure_ids:
        raise WorkflowError(_("请至少选择一个督查对象（项目或攻坚任务）。"))
    if project_ids and not has_cap(user, "read_projects"):
        raise NotAllowed(_("您无权查看项目，只能对攻坚任务组织专项督查。"))
    check_plausible_date(date)
    projects = list(_project_model().objects.filter(pk__in=project_ids).only("pk", "unit_id"))
    measures = list(Measure.objects.filter(pk__in=measure_ids).only("pk", "unit_id"))
    if len(projects) != len(set(project_ids)) or len(measures) != len(set(measure_ids)):
        raise WorkflowError(_("所选督查对象不存在，请刷新后重试。"))
    inspection = Inspection.objects.create(kind=InspectionKind.SPECIAL, name=name, date=date)
    reason = (reason or "").strip()[:200]
    InspectionTarget.objects.bulk_create(
        [InspectionTarget(inspection=inspection, project=p, unit_id=p.unit_id, reason=reason) for p in projects]
        + [InspectionTarget(inspection=inspection, measure=m, unit_id=m.unit_id, reason=reason) for m in measures]
    )
    return inspection


def _next_code(inspection: Inspection) -> str:
    """`ZX<round id>-<n>`: the n-th finding of the round filed as an item."""
    n = RectificationItem.objects.filter(inspection=inspection).count() + 1
    while RectificationItem.objects.filter(code=f"ZX{inspection.pk}-{n:03d}").exists():
        n += 1
    return f"ZX{inspection.pk}-{n:03d}"


@transaction.atomic
def special_finding_record(
    *,
    user,
    target: InspectionTarget,
    kind: str,
    description: str,
    responsible_person: str,
    deadline: datetime.date,
    area: str = Area.OTHER,
    place: str = "",
) -> RectificationItem | Directive:
    """Record what the round found at `target`: a rectification item (the usual workflow) or a directive."""
    if not has_cap(user, "import_items"):
        raise NotAllowed(_("只有督察员或系统管理员可以登记督查发现的问题。"))
    if kind not in FindingKind.values:
        raise WorkflowError(_("请选择问题的处理方式。"))
    if target.project_id is not None and not has_cap(user, "read_projects"):
        raise NotAllowed(_("您无权查看项目，只能对攻坚任务组织专项督查。"))
    check_plausible_date(deadline)
    check_text_length(description, _("问题描述"))
    inspection = target.inspection
    if kind == FindingKind.ITEM:
        item = rectification_item_create(
            user=user,
            inspection_kind=InspectionKind.SPECIAL,
            inspection_name=inspection.name,
            inspection_date=inspection.date,
            code=_next_code(inspection),
            description=description,
            area=area,
            unit=target.unit,
            responsible_person=responsible_person,
            deadline=deadline,
            term=Term.SHORT,
            place=place,
        )
        RectificationItem.objects.filter(pk=item.pk).update(special_target=target)
        item.special_target = target
        return item
    if not description.strip() or not responsible_person.strip():
        raise WorkflowError(_("问题描述和责任人不能为空。"))
    return Directive.objects.create(
        target=target,
        unit=target.unit,
        description=description.strip(),
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        created_by=user,
    )


@transaction.atomic
def directive_complete(*, user, directive: Directive, note: str, expected_version: int) -> Directive:
    """The unit's official reports a directive done (督办中 → 已办结) with what was done; once."""
    if not is_unit_scoped(user) or not can_act_for_unit(user, directive.unit_id, "report"):
        raise NotAllowed(_("只有责任单位可以报告督办事项办结。"))
    note = (note or "").strip()
    if not note:
        raise WorkflowError(_("请填写办理情况。"))
    check_text_length(note, _("办理情况"))
    compare_and_set(
        Directive.objects,
        pk=directive.pk,
        expected_version=expected_version,
        state_field="status",
        state=DirectiveStatus.OPEN,
        status=DirectiveStatus.DONE,
        done_on=timezone.localdate(),
        done_note=note,
        done_by=user,
    )
    return Directive.objects.get(pk=directive.pk)


# --- reads ----------------------------------------------------------------------------------------------------


def special_inspections(*, user) -> QuerySet[Inspection]:
    """Special rounds with their target and finding counts; officials see the rounds that reach their units."""
    targets = InspectionTarget.objects.restrict(user, "view")
    rounds = Inspection.objects.filter(kind=InspectionKind.SPECIAL)
    if not has_cap(user, "read_city_wide"):
        rounds = rounds.filter(pk__in=targets.values("inspection_id"))
    return rounds.annotate(
        target_count=Count("targets", distinct=True),
        item_count=Count("targets__items", distinct=True),
        directive_count=Count("targets__directives", distinct=True),
        open_directives=Count("targets__directives", filter=Q(targets__directives__status="open"), distinct=True),
    ).order_by("-date", "name")


def special_targets(*, inspection: Inspection, user) -> list[InspectionTarget]:
    """The round's targets this person may see, each with its project or task, its items and its directives
    (project targets only for those who read projects)."""
    targets = InspectionTarget.objects.restrict(user, "view").filter(inspection=inspection)
    if not has_cap(user, "read_projects"):
        targets = targets.filter(project__isnull=True)
    return list(
        targets.select_related("unit", "project", "measure")
        .prefetch_related(
            Prefetch("items", queryset=RectificationItem.objects.order_by("code")),
            Prefetch("directives", queryset=Directive.objects.order_by("deadline", "pk")),
        )
        .order_by("unit__sort_order", "unit__code", "pk")
    )


def target_choices(*, user, today: datetime.date) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(projects, tasks) a round may target: projects being funded or built (for those who read projects), and
    tasks not done, by unit."""
    projects = (
        _project_model()
        .objects.filter(stage__in=("library", "funded", "started"))
        .select_related("unit")
        .order_by("unit__sort_order", "code")
    )
    if not has_cap(user, "read_projects"):
        projects = projects.none()
    measures = Measure.objects.filter(progress__lt=100).select_related("unit").order_by("unit__sort_order", "deadline")
    return (
        [(p.pk, f"{p.unit.name} · {p.code} {p.name}") for p in projects],
        [(m.pk, f"{m.unit.name} · {m.code} {m.title}") for m in measures],
    )
