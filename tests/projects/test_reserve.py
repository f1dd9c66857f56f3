"""The units' own reserve: officials propose projects for their unit, departments and admins decide, the unit is
told; departments assign tasks to units."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from projects import reserve
from projects import services as project_services
from projects.choices import ProposalStatus, Stage
from projects.models import Project
from tracker.models import InboxEntry, InboxKind, Measure
from tracker.services.measures import measure_assign

pytestmark = pytest.mark.django_db


def propose(client, unit, name="乡镇污水管网延伸工程", investment="1200000"):
    data = {"unit": unit.pk, "name": name, "investment": investment, "responsible_person": "李四"}
    return client.post(reverse("projects:proposal_create"), data)


def test_official_proposes_a_reserve_project_for_their_unit(client_for, official_a, unit_a):
    response = propose(client_for(official_a), unit_a)
    assert response.status_code == 302
    p = Project.objects.get()
    assert (p.unit, p.stage, p.proposal_status, p.proposed_by) == (
        unit_a,
        Stage.RESERVE,
        ProposalStatus.PROPOSED,
        official_a,
    )
    assert p.investment == Decimal("1200000")


def test_official_cannot_propose_for_another_unit(client_for, official_a, unit_b):
    response = propose(client_for(official_a), unit_b)
    assert response.status_code == 200  # the form again: unit B is not a choice
    assert not Project.objects.exists()
    with pytest.raises(PermissionDenied):
        reserve.project_propose(user=official_a, unit_id=unit_b.pk, name="x", investment=Decimal(1))


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_read_only_and_admin_roles_do_not_propose(actors, unit_a, who):
    with pytest.raises(PermissionDenied):
        reserve.project_propose(user=actors[who], unit_id=unit_a.pk, name="x", investment=Decimal(1))


@pytest.mark.parametrize("who", ["dept_official", "admin"])
def test_department_or_admin_accepts_and_the_unit_is_told(client_for, actors, official_a, unit_a, who):
    p = reserve.project_propose(user=official_a, unit_id=unit_a.pk, name="河道清淤", investment=Decimal(5))
    client = client_for(actors[who])
    assert "河道清淤" in client.get(reverse("projects:proposal_queue")).content.decode()
    response = client.post(
        reverse("projects:proposal_decide", args=[p.pk]), {"version": p.version, "action": "accept"}, follow=True
    )
    assert "已纳入储备：河道清淤" in response.content.decode()
    p.refresh_from_db()
    assert p.proposal_status == ProposalStatus.ACCEPTED and p.decided_by == actors[who]
    assert list(InboxEntry.objects.values_list("user__username", "kind")) == [("official_a", InboxKind.PROJECT_DECIDED)]


def test_decline_needs_a_reason_and_a_stale_page_loses(actors, official_a, unit_a):
    p = reserve.project_propose(user=official_a, unit_id=unit_a.pk, name="河道清淤", investment=Decimal(5))
    with pytest.raises(ValidationError, match="须填写原因"):
        reserve.project_proposal_decide(
            user=actors["admin"], project_id=p.pk, expected_version=p.version, accept=False, note=" "
        )
    reserve.project_proposal_decide(
        user=actors["admin"], project_id=p.pk, expected_version=p.version, accept=False, note="与已有项目重复"
    )
    with pytest.raises(ValidationError, match="已被他人修改"):  # a second decider on the old page
        reserve.project_proposal_decide(
            user=actors["dept_official"], project_id=p.pk, expected_version=p.version, accept=True
        )
    p.refresh_from_db()
    assert (p.proposal_status, p.decision_note) == (ProposalStatus.DECLINED, "与已有项目重复")
    assert InboxEntry.objects.get().body == "审核意见：与已有项目重复"


@pytest.mark.parametrize("who", ["official_a", "leader"])
def test_officials_and_leaders_do_not_decide(actors, official_a, unit_a, who):
    p = reserve.project_propose(user=official_a, unit_id=unit_a.pk, name="河道清淤", investment=Decimal(5))
    with pytest.raises(PermissionDenied):
        reserve.project_proposal_decide(user=actors[who], project_id=p.pk, expected_version=p.version, accept=True)
    assert Project.objects.get().proposal_status == ProposalStatus.PROPOSED


def test_a_proposal_moves_stage_only_once_accepted(actors, official_a, unit_a):
    p = reserve.project_propose(user=official_a, unit_id=unit_a.pk, name="河道清淤", investment=Decimal(5))
    with pytest.raises(ValidationError, match="纳入储备后"):
        project_services.project_change_stage(
            project=p, to_stage=Stage.PACKAGING, reason="", user=official_a, expected_version=p.version
        )
    p = reserve.project_proposal_decide(user=actors["admin"], project_id=p.pk, expected_version=p.version, accept=True)
    moved = project_services.project_change_stage(
        project=p, to_stage=Stage.PACKAGING, reason="", user=official_a, expected_version=p.version
    )
    assert moved.stage == Stage.PACKAGING


# --- tasks assigned by departments -----------------------------------------------------------------
def test_department_assigns_a_task_and_the_units_officials_are_told(client_for, actors, unit_a):
    deadline = timezone.localdate() + dt.timedelta(days=30)
    data = {
        "unit": unit_a.pk,
        "title": "城区道路扬尘专项整治",
        "area": "air",
        "source_type": "dust",
        "deadline": deadline.isoformat(),
        "responsible_person": "王五",
    }
    response = client_for(actors["dept_official"]).post(reverse("tracker:measure_assign"), data, follow=True)
    m = Measure.objects.get()
    assert (m.unit, m.assigned_by, m.deadline) == (unit_a, actors["dept_official"], deadline)
    assert "已向" in response.content.decode()
    assert list(InboxEntry.objects.values_list("user__username", "kind")) == [
        ("official_a", InboxKind.MEASURE_ASSIGNED)
    ]


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_others_cannot_assign_tasks(client_for, actors, unit_a, who):
    deadline = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(PermissionDenied):
        measure_assign(
            user=actors[who], unit_id=unit_a.pk, title="x", area="water", deadline=deadline, responsible_person="王"
        )
    assert client_for(actors[who]).get(reverse("tracker:measure_assign")).status_code == 403
    assert not Measure.objects.exists()
