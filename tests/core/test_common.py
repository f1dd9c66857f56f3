"""The shared rules of tracker.common: one scoping method, named capabilities, one workflow shape."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from projects.models import Project
from rectifications.models import RectificationItem
from tests.factories import ProjectFactory, RectificationItemFactory, SewageOutletFactory
from tracker.choices import Role
from tracker.common.access import CAPABILITIES, has_cap
from tracker.common.scoping import RestrictedQuerySet, get_for_user_or_404
from tracker.common.workflow import STALE_MESSAGE, Move, MoveRefused, Stale, Workflow, compare_and_set
from tracker.models import SewageOutlet, Unit

ROOT = Path(__file__).resolve().parents[2]

# Models with a `unit` foreign key that are not scoped per person, and why.
NOT_SCOPED = {
    "tracker.User": "a person's own unit, not a record they answer for",
    "targets.ScoreSnapshot": "frozen results of a run: readers see every unit's ranking",
    "targets.UnitScore": "frozen results of a run: readers see every unit's ranking",
    "tracker.AirUnitDay": "derived air means: air quality is published city-wide, every role reads all of it",
    "tracker.WarningRule": "admin-kept rules over the monitoring data; `unit` is the rule's scope, not an owner",
}


# --- scoping --------------------------------------------------------------------------------------------
def test_every_model_belonging_to_a_unit_can_restrict_itself():
    missing = []
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.get_fields()}
        unit_fk = fields.get("unit")
        if unit_fk is None or getattr(unit_fk, "related_model", None) is not Unit:
            continue
        label = model._meta.label
        if label not in NOT_SCOPED and not isinstance(model._default_manager.all(), RestrictedQuerySet):
            missing.append(label)
    assert missing == []


@pytest.mark.django_db
def test_restrict_gives_officials_their_unit_and_city_wide_readers_all(official_a, leader, inspector, unit_a, unit_b):
    own, other = SewageOutletFactory(unit=unit_a), SewageOutletFactory(unit=unit_b)
    assert list(SewageOutlet.objects.restrict(official_a)) == [own]
    assert set(SewageOutlet.objects.restrict(leader)) == {own, other}
    assert list(SewageOutlet.objects.restrict(official_a, "report")) == [own]
    assert list(SewageOutlet.objects.restrict(leader, "report")) == []  # leaders enter nothing


@pytest.mark.django_db
def test_rectification_items_reach_the_lead_department_too(dept_official, dept_unit, unit_a, unit_b):
    led = RectificationItemFactory(unit=unit_a, lead_department=dept_unit)
    RectificationItemFactory(unit=unit_b)
    assert list(RectificationItem.objects.restrict(dept_official)) == [led]


@pytest.mark.django_db
def test_get_for_user_or_404_hides_outsiders_and_refuses_readers(official_a, official_b, leader, unit_a):
    outlet = SewageOutletFactory(unit=unit_a)
    qs = SewageOutlet.objects.all()
    assert get_for_user_or_404(qs, outlet.pk, official_a, "report") == outlet
    with pytest.raises(Http404):
        get_for_user_or_404(qs, outlet.pk, official_b)
    with pytest.raises(Http404):
        get_for_user_or_404(qs, "not-a-number", official_a)
    assert get_for_user_or_404(qs, outlet.pk, leader) == outlet
    with pytest.raises(PermissionDenied):
        get_for_user_or_404(qs, outlet.pk, leader, "report")


# --- capabilities -----------------------------------------------------------------------------------------
def test_capability_table_names_only_real_roles_and_admits_someone():
    for cap in CAPABILITIES.values():
        assert cap.roles and set(cap.roles) <= set(Role), cap.key


ROLE_WORDS = "|".join(re.escape(r.value) for r in Role)


def test_no_template_or_view_asks_for_a_role_by_name():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"user_role(\.value)?\s*[!=]=", text) or re.search(rf"[\"']({ROLE_WORDS})[\"']\s*%\}}", text):
            offenders.append(str(path.relative_to(ROOT)))
    views = [*ROOT.glob("*/views.py"), *ROOT.glob("*/views/*.py"), *ROOT.glob("*/dashboards/views.py")]
    for path in views:
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bRole\.[A-Z_]+\b|_ROLES\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
def test_inspectors_see_no_project_anywhere_leaders_do(client_for, inspector, leader, unit_a):
    """/projects/* refuses inspectors; the unit dashboard must not show them project names either."""
    project = ProjectFactory(unit=unit_a, name="某停滞项目")  # started, planned to finish in 2022: stalled
    assert not has_cap(inspector, "read_projects") and has_cap(leader, "read_projects")
    assert list(Project.objects.restrict(inspector)) == []
    url = reverse("targets:dashboard_unit", args=[unit_a.pk])
    leader_page = client_for(leader).get(url).content.decode()
    inspector_page = client_for(inspector).get(url).content.decode()  # after the leader: the cache is per capability
    assert project.name in leader_page
    assert project.name not in inspector_page and "停滞项目" not in inspector_page
    assert client_for(inspector).get(reverse("projects:project_detail", args=[project.pk])).status_code == 403


# --- workflow -------------------------------------------------------------------------------------------
FLOW = Workflow(
    Role,  # any TextChoices will do for the table itself
    [
        Move(Role.COUNTY_OFFICIAL, Role.LEADER, "act_for_unit", "up"),
        Move(Role.LEADER, Role.COUNTY_OFFICIAL, "close_items", "down", needs_reason=True),
    ],
)


@pytest.mark.django_db
def test_workflow_check_refuses_moves_outside_the_table_and_actors_without_the_capability(official_a, inspector):
    assert FLOW.check(Role.COUNTY_OFFICIAL, Role.LEADER, official_a).action == "up"
    with pytest.raises(MoveRefused):
        FLOW.check(Role.COUNTY_OFFICIAL, Role.ADMIN, official_a)
    with pytest.raises(PermissionDenied):
        FLOW.check(Role.COUNTY_OFFICIAL, Role.LEADER, inspector)
    assert [m.action for m in FLOW.allowed(Role.LEADER, inspector)] == ["down"]
    assert FLOW.allowed(Role.LEADER, official_a) == []


@pytest.mark.django_db
def test_compare_and_set_bumps_the_version_once_and_then_says_stale(unit_a):
    outlet = SewageOutletFactory(unit=unit_a)
    compare_and_set(
        SewageOutlet.objects, pk=outlet.pk, expected_version=0, state_field="step", state="survey", step="monitor"
    )
    outlet.refresh_from_db()
    assert (outlet.step, outlet.version) == ("monitor", 1)
    with pytest.raises(Stale) as info:
        compare_and_set(SewageOutlet.objects, pk=outlet.pk, expected_version=0, step="trace")
    assert isinstance(info.value, ValidationError) and info.value.messages == [str(STALE_MESSAGE)]


@pytest.mark.django_db
def test_a_stale_stage_form_says_someone_else_changed_it(client_for, official_a, unit_a):
    """Two tabs on one project: the second submit is told 已被他人修改, not 选择一个有效的选项 (issue 19)."""
    project = ProjectFactory(unit=unit_a, stage="library", fund=None, allocated_amount=0)
    url = reverse("projects:stage_change", args=[project.pk])
    client = client_for(official_a)
    assert client.post(url, {"to_stage": "reserve", "reason": "调整", "version": 0}).status_code == 302
    response = client.post(url, {"to_stage": "funded", "reason": "", "version": 0}, follow=True)
    text = response.content.decode()
    assert "已被他人修改" in text and "选择一个有效的选项" not in text
    assert Project.objects.get(pk=project.pk).stage == "reserve"


# --- the demo's bulk replays obey the live rules --------------------------------------------------------
def _at(day: int):
    from django.utils import timezone

    return dt.datetime(2025, 3, day, 10, tzinfo=timezone.get_current_timezone())


@pytest.mark.django_db
def test_rectification_replay_walks_the_workflow_with_the_live_side_effects(official_a, inspector, unit_a):
    from rectifications.models import Evidence, Transition
    from rectifications.services import ReplayStep, rectification_items_replay

    item = RectificationItemFactory(unit=unit_a)
    Evidence.objects.create(item=item, original_name="x.png", mime="image/png", size=1, uploaded_by=official_a)
    steps = [
        ReplayStep("start", official_a, _at(1)),
        ReplayStep("request_close", official_a, _at(2), "自查完成"),
        ReplayStep("close", inspector, _at(3)),
        ReplayStep("rebound", inspector, _at(4), "回头看反弹"),
    ]
    rectification_items_replay(histories=[(item, steps)], today=dt.date(2025, 3, 5))
    item.refresh_from_db()
    # 4 moves → version 4; the rebound's effects: closed_on cleared, one rebound, red
    assert (item.status, item.version, item.closed_on, item.rebound_count, item.colour) == (
        "rebounded", 4, None, 1, "red"
    )  # fmt: skip
    assert list(Transition.objects.filter(item=item).order_by("created_at").values_list("action", flat=True)) == [
        "start", "request_close", "close", "rebound"
    ]  # fmt: skip


@pytest.mark.django_db
def test_rectification_replay_refuses_what_the_services_refuse(official_a, inspector, unit_a):
    from rectifications.services import NotAllowed, ReplayStep, WorkflowError, rectification_items_replay

    item = RectificationItemFactory(unit=unit_a)
    with pytest.raises(NotAllowed):  # an official cannot close, and 待整改 → 已销号 is no move at all
        rectification_items_replay(
            histories=[(item, [ReplayStep("close", official_a, _at(1))])], today=dt.date(2025, 3, 2)
        )
    item = RectificationItemFactory(unit=unit_a)
    with pytest.raises(WorkflowError, match="佐证材料"):  # a closing request needs evidence
        rectification_items_replay(
            histories=[
                (
                    item,
                    [ReplayStep("start", official_a, _at(1)), ReplayStep("request_close", official_a, _at(2), "好了")],
                )
            ],
            today=dt.date(2025, 3, 3),
        )


@pytest.mark.django_db
def test_outlet_replay_refuses_a_skipped_step_and_a_reasonless_step_back(unit_a):
    from tracker.services.water import OutletStepRecord, outlets_history_replay

    def replay(*steps):
        outlet = SewageOutletFactory(unit=unit_a)
        first = OutletStepRecord("survey", dt.date(2025, 1, 1), "登记")
        outlets_history_replay(histories=[(outlet, None, [first, *steps])], today=dt.date(2025, 6, 1))
        outlet.refresh_from_db()
        return outlet

    outlet = replay(OutletStepRecord("monitor", dt.date(2025, 2, 1), "监测", document="x.pdf"))
    assert (outlet.step, outlet.version) == ("monitor", 1)
    with pytest.raises(ValidationError, match="只能前进一个环节"):
        replay(OutletStepRecord("trace", dt.date(2025, 2, 1), "跳过监测", document="x.pdf"))
    with pytest.raises(ValidationError, match="退回原因"):
        replay(
            OutletStepRecord("monitor", dt.date(2025, 2, 1), "监测", document="x.pdf"),
            OutletStepRecord("survey", dt.date(2025, 3, 1), "退回"),
        )
