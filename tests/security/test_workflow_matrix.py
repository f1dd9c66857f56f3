"""Workflow matrices: every (role, from, to) → only the allowed moves pass, each writing exactly one history row.

- Rectification items: the full matrix lives in tests/rectifications/test_workflow.py (6 roles × 30 pairs);
  here we only check that its ALLOWED table is exactly what `rectifications.choices.TRANSITIONS` declares.
- Outlets (一口一策) and project stages: the matrices are here. Expected values come from DESIGN.md:
  only an official of the record's own unit moves it; one step forward (with a file for outlets) or back to
  any earlier step with a reason; leaders, inspectors, admins and other units' officials move nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from projects.choices import STAGE_ORDER, allowed_transitions
from projects.models import Project, StageChange
from projects.services import project_change_stage
from tests.factories import ProjectFactory, SewageOutletFactory
from tracker.choices import OUTLET_STEP_ORDER, OUTLET_TRANSITIONS
from tracker.models import OutletStepChange, SewageOutlet
from tracker.services.water import outlet_move

from .conftest import PDF

ROLES = ["official_a", "official_b", "dept_official", "leader", "inspector", "admin"]
REFUSED = (PermissionDenied, ValidationError, Http404)


def test_rectification_matrix_is_the_declared_transition_table():
    from rectifications.choices import TRANSITIONS, Actor
    from tests.rectifications.test_workflow import ALLOWED

    declared = {
        ("official_a" if rule.actor == Actor.UNIT else "inspector", src, dst)
        for (src, dst), rule in TRANSITIONS.items()
    }
    assert ALLOWED == declared


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_outlet_step_matrix(role, actors, unit_a):
    user = actors[role]
    passed = 0
    for src in OUTLET_STEP_ORDER:
        for dst in OUTLET_STEP_ORDER:
            if src == dst:
                continue
            outlet = SewageOutletFactory(unit=unit_a, step=src)
            allowed = role == "official_a" and dst in OUTLET_TRANSITIONS[src]
            backward = OUTLET_STEP_ORDER.index(dst) < OUTLET_STEP_ORDER.index(src)
            kwargs = dict(
                user=user,
                outlet_id=outlet.pk,
                to_step=dst,
                expected_version=0,
                work_date=dt.date(2025, 3, 1),
                note="现场核查",
                reason="复核发现问题" if backward else "",
                document=None if backward else SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"),
            )
            before = OutletStepChange.objects.filter(outlet=outlet).count()
            if allowed:
                outlet_move(**kwargs)
                passed += 1
                fresh = SewageOutlet.objects.get(pk=outlet.pk)
                assert (fresh.step, fresh.version) == (dst, 1), (src, dst)
                new = OutletStepChange.objects.filter(outlet=outlet).exclude(pk__in=[]).order_by("-pk")
                assert new.count() == before + 1, (src, dst)
                assert (new[0].from_step, new[0].to_step, new[0].actor_id) == (src, dst, user.pk)
            else:
                with pytest.raises(REFUSED):
                    outlet_move(**kwargs)
                fresh = SewageOutlet.objects.get(pk=outlet.pk)
                assert (fresh.step, fresh.version) == (src, 0), (role, src, dst)
                assert OutletStepChange.objects.filter(outlet=outlet).count() == before
    # forward 4 + backward 1+2+3+4 = 14 moves for the unit's own official, none for anyone else
    assert passed == (14 if role == "official_a" else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_project_stage_matrix(role, actors, unit_a):
    user = actors[role]
    passed = 0
    for src in STAGE_ORDER:
        for dst in STAGE_ORDER:
            if src == dst:
                continue
            project = ProjectFactory(unit=unit_a, stage=src)
            moves = allowed_transitions(src)
            allowed = role == "official_a" and dst in moves
            kwargs = dict(project=project, to_stage=dst, reason="批复调整" if moves.get(dst) else "", user=user)
            if allowed:
                project_change_stage(**kwargs, expected_version=0)
                passed += 1
                fresh = Project.objects.get(pk=project.pk)
                assert (fresh.stage, fresh.version) == (dst, 1), (src, dst)
                rows = list(
                    StageChange.objects.filter(project=project).values_list("from_stage", "to_stage", "changed_by")
                )
                assert rows == [(src, dst, user.pk)]
            else:
                with pytest.raises(REFUSED):
                    project_change_stage(**kwargs, expected_version=0)
                fresh = Project.objects.get(pk=project.pk)
                assert (fresh.stage, fresh.version) == (src, 0), (role, src, dst)
                assert not StageChange.objects.filter(project=project).exists()
    n = len(STAGE_ORDER)
    assert passed == ((n - 1) + n * (n - 1) // 2 if role == "official_a" else 0)


@pytest.mark.django_db
def test_backward_moves_without_a_reason_are_refused(official_a, unit_a):
    outlet = SewageOutletFactory(unit=unit_a, step="trace")
    with pytest.raises(ValidationError):
        outlet_move(
            user=official_a, outlet_id=outlet.pk, to_step="survey", expected_version=0,
            work_date=dt.date(2025, 3, 1), note="说明", reason="",
        )  # fmt: skip
    project = ProjectFactory(unit=unit_a, stage="started")
    with pytest.raises(ValidationError):
        project_change_stage(project=project, to_stage="reserve", reason=" ", user=official_a, expected_version=0)
    assert not StageChange.objects.exists()
    assert OutletStepChange.objects.filter(outlet=outlet).count() == 1  # the registration row only


# --- data-value approval (targets) -----------------------------------------------------------------

VALUE_SERVICES = {
    "submitted": lambda user, row: _targets_services().data_value_submit(
        user=user, value_id=row.pk, version=row.version
    ),
    "approved": lambda user, row: _targets_services().data_value_approve(
        user=user, value_id=row.pk, version=row.version
    ),
    "returned": lambda user, row: _targets_services().data_value_return(
        user=user, value_id=row.pk, version=row.version, note="数据口径有误"
    ),
}


def _targets_services():
    from targets import services

    return services


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_data_value_approval_matrix(role, actors, unit_a):
    """Officials of the unit submit (from draft or returned); only admins approve or return a submitted value.

    There is no service that moves a value back to draft (edits keep it a draft), so `to` ranges over the
    three statuses a service can produce.
    """
    from targets.choices import VALUE_TRANSITIONS, ValueStatus
    from targets.models import DataValue, DataValueEvent
    from tests.factories import IndicatorFactory

    user = actors[role]
    indicator = IndicatorFactory(code="wf_entered", source="entered")
    allowed_by = {"official": "official_a", "admin": "admin"}
    passed = 0
    for month, (src, dst) in enumerate(((s, d) for s in ValueStatus.values for d in VALUE_SERVICES if s != d), start=1):
        row = DataValue.objects.create(
            indicator=indicator, unit=unit_a, year=2026, month=month, value=1.0, status=src,
            entered_by=actors["official_a"],
        )  # fmt: skip
        who = VALUE_TRANSITIONS.get((src, dst))
        if who is not None and allowed_by[who] == role:
            VALUE_SERVICES[dst](user, row)
            passed += 1
            fresh = DataValue.objects.get(pk=row.pk)
            assert (fresh.status, fresh.version) == (dst, 2), (src, dst)
            events = list(DataValueEvent.objects.filter(value=row).values_list("from_status", "to_status", "actor"))
            assert events == [(src, dst, user.pk)]
        else:
            with pytest.raises(REFUSED):
                VALUE_SERVICES[dst](user, row)
            fresh = DataValue.objects.get(pk=row.pk)
            assert (fresh.status, fresh.version) == (src, 1), (role, src, dst)
            assert not DataValueEvent.objects.filter(value=row).exists()
    assert passed == {"official_a": 2, "admin": 2}.get(role, 0)
