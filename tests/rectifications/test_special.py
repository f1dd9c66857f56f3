"""Special inspections (专项督查): a round over projects and tasks, findings as items or directives, scoping."""

from __future__ import annotations

from datetime import date

import pytest

from rectifications import special
from rectifications.choices import DirectiveStatus, FindingKind, InspectionKind, Status
from rectifications.models import InspectionTarget, RectificationItem
from rectifications.services import NotAllowed, WorkflowError
from tests.factories import MeasureFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(admin_user, unit_a, unit_b):
    project = ProjectFactory(unit=unit_a, name="沙湾区污水管网项目")
    task = MeasureFactory(unit=unit_b)
    return special.special_inspection_create(
        user=admin_user, name="停滞项目专项督查", date=date(2026, 5, 1), project_ids=[project.pk],
        measure_ids=[task.pk], reason="停滞",
    )  # fmt: skip


def test_a_round_targets_projects_and_tasks_in_their_units(round_, unit_a, unit_b):
    assert round_.kind == InspectionKind.SPECIAL
    targets = list(round_.targets.order_by("pk").values_list("project__name", "measure_id", "unit_id"))
    assert targets[0][0] == "沙湾区污水管网项目" and targets[0][2] == unit_a.pk
    assert targets[1][0] is None and targets[1][1] is not None and targets[1][2] == unit_b.pk


def test_only_inspectors_and_admins_draw_up_a_round(leader, official_a, unit_a):
    project = ProjectFactory(unit=unit_a)
    for user in (leader, official_a):
        with pytest.raises(NotAllowed):
            special.special_inspection_create(user=user, name="x", date=date(2026, 5, 1), project_ids=[project.pk],
                                              measure_ids=[])  # fmt: skip


def test_a_round_without_targets_is_refused(inspector):
    with pytest.raises(WorkflowError):
        special.special_inspection_create(user=inspector, name="空", date=date(2026, 5, 1), project_ids=[],
                                          measure_ids=[])  # fmt: skip


def test_a_finding_becomes_an_item_in_the_round_with_its_place(round_, admin_user, unit_a):
    target = round_.targets.get(project__isnull=False)
    item = special.special_finding_record(
        user=admin_user, target=target, kind=FindingKind.ITEM, description="征地未完成，管网未开工",
        responsible_person="王五", deadline=date(2026, 6, 30), place="沙湾区嘉农镇",
    )  # fmt: skip
    item = RectificationItem.objects.get(pk=item.pk)
    assert (item.inspection_id, item.unit_id, item.status, item.place) == (
        round_.pk,
        unit_a.pk,
        Status.OPEN,
        "沙湾区嘉农镇",
    )
    assert item.special_target_id == target.pk and item.code == f"ZX{round_.pk}-001"


def test_a_directive_is_reported_done_once_by_the_unit(round_, admin_user, official_a, official_b):
    target = round_.targets.get(project__isnull=False)
    directive = special.special_finding_record(
        user=admin_user, target=target, kind=FindingKind.DIRECTIVE, description="5月底前开工",
        responsible_person="王五", deadline=date(2026, 5, 31),
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        special.directive_complete(user=official_b, directive=directive, note="已开工", expected_version=0)
    done = special.directive_complete(user=official_a, directive=directive, note="已开工", expected_version=0)
    assert (done.status, done.done_note, done.done_by_id) == (DirectiveStatus.DONE, "已开工", official_a.pk)
    with pytest.raises(Exception, match="已被他人修改"):
        special.directive_complete(user=official_a, directive=directive, note="again", expected_version=0)


def test_an_official_sees_only_the_targets_in_their_unit(round_, official_a, leader, client_for):
    assert [t.unit_id for t in special.special_targets(inspection=round_, user=official_a)] == [official_a.unit_id]
    assert len(special.special_targets(inspection=round_, user=leader)) == 2
    page = client_for(official_a).get(f"/rectifications/special/{round_.pk}/").content.decode()
    assert "沙湾区污水管网项目" in page


def test_projects_are_not_the_inspectors_part(round_, inspector, unit_a):
    project = ProjectFactory(unit=unit_a)
    with pytest.raises(NotAllowed):
        special.special_inspection_create(user=inspector, name="x", date=date(2026, 5, 1), project_ids=[project.pk],
                                          measure_ids=[])  # fmt: skip
    with pytest.raises(NotAllowed):
        special.special_finding_record(
            user=inspector, target=round_.targets.get(project__isnull=False), kind=FindingKind.ITEM,
            description="x", responsible_person="x", deadline=date(2026, 6, 1),
        )  # fmt: skip
    # the inspector sees the round's task, not its project
    assert [t.measure_id is not None for t in special.special_targets(inspection=round_, user=inspector)] == [True]


def test_the_inspector_records_a_finding_on_a_task_on_the_page(round_, inspector, client_for):
    page = client_for(inspector).get(f"/rectifications/special/{round_.pk}/").content.decode()
    assert "沙湾区污水管网项目" not in page
    target = InspectionTarget.objects.get(inspection=round_, measure__isnull=False)
    response = client_for(inspector).post(
        f"/rectifications/special/{round_.pk}/",
        {"target": target.pk, "kind": "directive", "description": "倒排工期", "responsible_person": "李四",
         "deadline": "2026-06-01", "area": "water", "place": ""},
    )  # fmt: skip
    assert response.status_code == 302 and target.directives.count() == 1
