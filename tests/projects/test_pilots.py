"""The pilot portfolio (试点示范): milestone progress, money behind each pilot, who records a milestone done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from projects import pilots
from projects.models import Pilot, PilotMilestone
from tests.clocks import BEIJING
from tests.factories import FundFactory, PaymentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 6, 16)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=BEIJING), tick=False):
        yield


@pytest.fixture
def eod(unit_a, unit_b):
    """An EOD pilot led by unit A: four milestones, two projects behind it.

    milestones: M1 2026-02-01 done; M2 2026-05-01 open (overdue on 06-16); M3 2026-08-01 open; M4 2026-12-01 open
    projects:   P1 (A) allocated 300,000, paid 120,000 + 30,000; P2 (B) allocated 100,000, paid 0;
                P3 (A) allocated 500,000, paid 500,000 — not linked, must not count
    """
    payer = UserFactory(username="payer")
    fund = FundFactory(name="2026EOD", year=2026, amount=D("1000000"))
    p1 = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=D("300000"))
    p2 = ProjectFactory(unit=unit_b, fund=fund, allocated_amount=D("100000"))
    p3 = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=D("500000"))
    PaymentFactory(project=p1, amount=D("120000"), paid_on=dt.date(2026, 3, 1), entered_by=payer)
    PaymentFactory(project=p1, amount=D("30000"), paid_on=dt.date(2026, 5, 1), entered_by=payer)
    PaymentFactory(project=p3, amount=D("500000"), paid_on=dt.date(2026, 5, 1), entered_by=payer)
    pilot = Pilot.objects.create(name="第二批EOD模式试点项目", level="national", kind="eod", lead_unit=unit_a)
    pilot.projects.set([p1, p2])
    for name, planned, done in (
        ("实施方案获批", dt.date(2026, 2, 1), dt.date(2026, 2, 10)),
        ("项目入库并落实融资", dt.date(2026, 5, 1), None),
        ("主体工程开工", dt.date(2026, 8, 1), None),
        ("生态治理工程完工", dt.date(2026, 12, 1), None),
    ):
        PilotMilestone.objects.create(
            pilot=pilot, name=name, planned_on=planned, done_on=done, evidence="批复" * bool(done)
        )
    return pilot


def test_portfolio_counts_milestones_and_the_money_of_linked_projects_only(eod):
    [row] = pilots.pilot_portfolio(today=TODAY)
    # 1 of 4 milestones done → 25 %; M2 (05-01) is past and open → 1 overdue; the next open one is M2
    assert (row.done, row.total, row.progress, row.overdue) == (1, 4, 25, 1)
    assert (row.next_name, row.next_on) == ("项目入库并落实融资", dt.date(2026, 5, 1))
    # allocated 300,000 + 100,000 = 400,000; paid 150,000 → 37.5 %; P3 is not linked to the pilot
    assert row.allocated == D("400000") and row.paid == D("150000") and row.execution == pytest.approx(37.5)


def test_portfolio_is_a_fixed_number_of_queries(eod, django_assert_num_queries):
    with django_assert_num_queries(4):  # pilots + counts, next milestones, linked projects + payments, their pilots
        pilots.pilot_portfolio(today=TODAY)


def test_lead_units_official_records_a_milestone_done_with_evidence(client_for, official_a, eod, frozen):
    m2 = eod.milestones.get(name="项目入库并落实融资")
    url = reverse("projects:pilot_milestone_done", args=[eod.pk, m2.pk])
    response = client_for(official_a).post(url, {"done_on": "2026-06-12", "evidence": "已入库，融资协议签订"})
    assert response.status_code == 302
    m2.refresh_from_db()
    assert (m2.done_on, m2.evidence, m2.recorded_by) == (dt.date(2026, 6, 12), "已入库，融资协议签订", official_a)
    [row] = pilots.pilot_portfolio(today=TODAY)
    assert (row.done, row.overdue) == (2, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"done_on": "2026-06-12", "evidence": "  "}, "请写明完成情况及佐证材料"),
        ({"done_on": "2026-06-17", "evidence": "x"}, "完成日期不能晚于今天"),
        ({"done_on": "1900-01-01", "evidence": "x"}, "超出允许范围"),
    ],
)
def test_bad_records_are_refused_with_a_reason_and_change_nothing(client_for, official_a, eod, frozen, data, message):
    m2 = eod.milestones.get(name="项目入库并落实融资")
    response = client_for(official_a).post(
        reverse("projects:pilot_milestone_done", args=[eod.pk, m2.pk]), data, follow=True
    )
    assert message in response.content.decode()
    m2.refresh_from_db()
    assert m2.done_on is None


def test_a_milestone_done_twice_says_someone_else_recorded_it(official_a, eod, frozen):
    from django.core.exceptions import ValidationError

    m1 = eod.milestones.get(name="实施方案获批")
    with pytest.raises(ValidationError, match="已被他人记录完成"):
        pilots.pilot_milestone_done(milestone=m1, done_on=dt.date(2026, 6, 1), evidence="x", user=official_a)


@pytest.mark.parametrize("who", ["official_b", "dept_official", "leader", "admin"])
def test_only_the_lead_unit_records(client_for, actors, eod, frozen, who):
    m2 = eod.milestones.get(name="项目入库并落实融资")
    url = reverse("projects:pilot_milestone_done", args=[eod.pk, m2.pk])
    assert client_for(actors[who]).post(url, {"done_on": "2026-06-12", "evidence": "x"}).status_code == 403
    m2.refresh_from_db()
    assert m2.done_on is None


def test_pages_show_the_portfolio_and_the_plan(client_for, leader, official_a, eod, frozen):
    listing = client_for(leader).get(reverse("projects:pilot_list")).content.decode()
    assert "第二批EOD模式试点项目" in listing and "1 / 4" in listing and "逾期 1 个" in listing
    detail = client_for(leader).get(reverse("projects:pilot_detail", args=[eod.pk])).content.decode()
    assert "项目入库并落实融资" in detail and "记录完成" not in detail  # leaders read, they do not record
    own = client_for(official_a).get(reverse("projects:pilot_detail", args=[eod.pk])).content.decode()
    assert "记录完成" in own


def test_demo_has_the_speechs_pilots(db):
    from projects.demo import PILOTS, seed_pilots
    from tracker.demo import DemoContext, seed_units_and_people

    ctx = DemoContext(password="x", today=TODAY)
    seed_units_and_people(ctx)
    seed_pilots(ctx)
    seed_pilots(ctx)  # idempotent
    names = set(Pilot.objects.values_list("name", flat=True))
    assert names == {p[0] for p in PILOTS} and "第二批EOD模式试点项目" in names
    soil = pilots.pilot_portfolio(today=TODAY, pilots=Pilot.objects.filter(kind="soil_risk"))[0]
    assert soil.overdue == 1  # the late milestone the demo leaves open
