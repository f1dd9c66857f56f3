"""The overview's and the bulletin's cached parts (stalled lists, unit ranking) show new data on the next view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.choices import Stage
from projects.models import Fund, ProgressReport
from rectifications.selectors import bulletin_sections
from tests.factories import FundFactory, PaymentFactory, ProjectFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _stalled(client, **params) -> dict:
    page = client.get(reverse("projects:index"), params).context["stalled_paged"]["page"]
    return {r["unit"]: (r["count"], [p.name for p in r["projects"]]) for r in page.object_list}


def _ranking(client, **params) -> list[tuple]:
    page = client.get(reverse("projects:index"), params).context["ranking_paged"]["page"]
    return [(r["unit"], r["allocated"], r["paid"]) for r in page.object_list]


def test_a_new_stalled_project_and_a_report_show_on_the_next_view(client_for, leader, official_a, unit_a, unit_b):
    # planned 2022, never reported: silent for years, so stalled
    quiet = ProjectFactory(unit=unit_a, name="甲")
    client = client_for(leader)
    assert _stalled(client) == {"井研县": (1, ["甲"])}
    ProjectFactory(unit=unit_b, name="乙")
    assert _stalled(client) == {"井研县": (1, ["甲"]), unit_b.name: (1, ["乙"])}
    # a report today, at 100 %: no longer silent nor behind
    ProgressReport.objects.create(project=quiet, reported_on=timezone.localdate(), progress=100, reported_by=official_a)
    assert _stalled(client) == {unit_b.name: (1, ["乙"])}


@pytest.mark.clock("2026-05-01 10:00")
def test_a_milestone_plan_shows_on_the_next_view(client_for, leader, official_a, unit_a):
    # 入库 (not watched by the silence rule) and due in the future: not stalled, until a node is overdue
    project = ProjectFactory(
        unit=unit_a, name="丙", stage=Stage.LIBRARY, planned_start=dt.date(2026, 9, 1), planned_completion=None
    )
    client = client_for(leader)
    assert _stalled(client) == {}
    # the milestones have no version trigger: the service writes the project row with them
    services.project_milestones_set(project=project, plan={Stage.FUNDED: dt.date(2026, 2, 28)}, user=official_a)
    assert _stalled(client) == {"井研县": (1, ["丙"])}


def test_an_officials_overview_lists_only_their_units_after_a_leaders_view(
    client_for, leader, official_a, unit_a, unit_b
):
    ProjectFactory(unit=unit_a, name="甲")
    ProjectFactory(unit=unit_b, name="乙")
    assert set(_stalled(client_for(leader))) == {"井研县", unit_b.name}
    assert _stalled(client_for(official_a)) == {"井研县": (1, ["甲"])}
    assert set(_stalled(client_for(leader))) == {"井研县", unit_b.name}


def test_the_ranking_shows_a_new_payment_and_a_fund_moved_to_another_year(client_for, leader, official_a, unit_a):
    fund = FundFactory(year=2021)
    FundFactory(year=2021)  # keeps 2021 a year the filter offers after the first fund moves
    project = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=D("100000"))
    client = client_for(leader)
    assert _ranking(client) == [("井研县", D("100000"), D("0"))]
    PaymentFactory(project=project, amount=D("25000"), entered_by=official_a)
    assert _ranking(client) == [("井研县", D("100000"), D("25000"))]
    assert _ranking(client, year=2021) == [("井研县", D("100000"), D("25000"))]
    # the fund table has no version trigger: an update behind the services' back still changes the ranking
    Fund.objects.filter(pk=fund.pk).update(year=2020)
    assert _ranking(client, year=2021) == []


def test_the_bulletins_stalled_part_shows_a_new_stalled_project(leader, unit_a, unit_b):
    ProjectFactory(unit=unit_a, code="XM-1")
    end = timezone.localdate()

    def shown() -> list[str]:
        part = next(p for p in bulletin_sections(start=end, end=end, user=leader) if "项目停滞" in p.heading)
        return [row[1] for row in part.rows]

    assert shown() == ["XM-1"]
    ProjectFactory(unit=unit_b, code="XM-2")
    assert sorted(shown()) == ["XM-1", "XM-2"]
