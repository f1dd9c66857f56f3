"""The workflow matrix: every role × every from-status × every to-status.

Expected outcomes come from DESIGN.md (rectifications): only the pairs in `choices.TRANSITIONS`, only by their
actor — officials of the responsible unit start/request/restart; only an inspector closes, rejects, rebounds.
"""

import threading

import pytest
from django.db import connection

from rectifications import services
from rectifications.choices import Status
from rectifications.models import RectificationItem, Transition
from tests.factories import RectificationItemFactory, UnitFactory, UserFactory
from tracker.choices import Role, UnitKind

ALLOWED = {
    ("official_a", Status.OPEN, Status.IN_PROGRESS),
    ("official_a", Status.IN_PROGRESS, Status.CLOSING_REQUESTED),
    ("official_a", Status.REBOUNDED, Status.IN_PROGRESS),
    ("inspector", Status.CLOSING_REQUESTED, Status.CLOSED),
    ("inspector", Status.CLOSING_REQUESTED, Status.IN_PROGRESS),
    ("inspector", Status.CLOSED, Status.REBOUNDED),
}
ROLES = ["official_a", "official_b", "dept_official", "leader", "inspector", "admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("src", "dst"), [(a, b) for a in Status.values for b in Status.values if a != b])
def test_transition_matrix(role, src, dst, actors, unit_a, add_evidence):
    item = RectificationItemFactory(unit=unit_a, status=src)
    add_evidence(item, actors["official_a"])
    user = actors[role]
    allowed = (role, src, dst) in ALLOWED
    if allowed:
        services.rectification_item_move(item=item, user=user, to_status=dst, comment="说明")
        item.refresh_from_db()
        assert item.status == dst
        assert item.version == 1
        assert list(Transition.objects.filter(item=item).values_list("from_status", "to_status", "actor")) == [
            (src, dst, user.pk)
        ]
    else:
        with pytest.raises(services.WorkflowError):
            services.rectification_item_move(item=item, user=user, to_status=dst, comment="说明")
        item.refresh_from_db()
        assert item.status == src
        assert item.version == 0
        assert not Transition.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_close_waits_for_lead_department_verification(actors, unit_a, dept_unit, add_evidence):
    item = RectificationItemFactory(unit=unit_a, lead_department=dept_unit, status=Status.CLOSING_REQUESTED)
    with pytest.raises(services.WorkflowError, match="牵头部门核验"):
        services.rectification_item_close(item=item, user=actors["inspector"])
    # the county official, the leader and the inspector cannot verify in the department's place
    for role in ("official_a", "official_b", "leader", "inspector", "admin"):
        with pytest.raises(services.NotAllowed):
            services.rectification_item_verify(item=item, user=actors[role])
    services.rectification_item_verify(item=item, user=actors["dept_official"], comment="已现场核查")
    assert [a for a, _ in services.allowed_actions(actors["dept_official"], item)] == []
    services.rectification_item_close(item=item, user=actors["inspector"])
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.closed_on is not None
    assert list(item.transitions.values_list("action", flat=True)) == ["verify", "close"]


@pytest.mark.django_db
def test_reject_needs_a_reason_and_clears_verification(actors, unit_a, dept_unit):
    item = RectificationItemFactory(unit=unit_a, lead_department=dept_unit, status=Status.CLOSING_REQUESTED)
    services.rectification_item_verify(item=item, user=actors["dept_official"])
    with pytest.raises(services.WorkflowError, match="须填写说明"):
        services.rectification_item_reject(item=item, user=actors["inspector"], comment="  ")
    services.rectification_item_reject(item=item, user=actors["inspector"], comment="照片不能证明已完成")
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS and item.dept_verified_at is None


@pytest.mark.django_db
def test_request_close_without_any_evidence_is_refused(actors, unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    with pytest.raises(services.WorkflowError, match="佐证材料"):
        services.rectification_item_request_close(item=item, user=actors["official_a"], comment="已自查")
    assert item.transitions.count() == 0


@pytest.mark.django_db
def test_stale_version_gets_changed_by_someone_else(actors, unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.OPEN)
    stale = RectificationItem.objects.get(pk=item.pk)
    services.rectification_item_start(item=item, user=actors["official_a"])
    stale.status = Status.OPEN  # what the second person's page still shows
    with pytest.raises(services.StaleItem, match="已被他人修改"):
        services.rectification_item_start(item=stale, user=actors["official_a"])
    assert item.transitions.count() == 1


@pytest.mark.django_db
@pytest.mark.clock
def test_rebound_makes_item_red_and_counts(actors, unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.CLOSED)
    services.rectification_item_rebound(item=item, user=actors["inspector"], comment="回头看发现垃圾复堆")
    item.refresh_from_db()
    assert (item.status, item.colour, item.rebound_count, item.closed_on) == ("rebounded", "red", 1, None)


@pytest.mark.django_db(transaction=True)
def test_two_people_acting_at_once_exactly_one_wins():
    """Real PostgreSQL, two threads, two connections: one close and one reject race on one item."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    unit = UnitFactory(code="511124", name="井研县", kind=UnitKind.COUNTY)
    insp1 = UserFactory(username="insp1", role=Role.INSPECTOR)
    insp2 = UserFactory(username="insp2", role=Role.INSPECTOR)
    item = RectificationItemFactory(unit=unit, status=Status.CLOSING_REQUESTED)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def act(user, action):
        from django.db import connections

        mine = RectificationItem.objects.get(pk=item.pk)
        barrier.wait()
        try:
            services.rectification_item_act(item=mine, user=user, action=action, comment="理由")
            results.append("won")
        except services.StaleItem:
            results.append("stale")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(insp1, "close")),
        threading.Thread(target=act, args=(insp2, "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["stale", "won"]
    assert Transition.objects.filter(item=item).count() == 1
    item.refresh_from_db()
    assert item.version == 1
