"""The province's view of the city: the pure gap rules (hand-computed), the target proposal, the dashboard panel."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from targets import planning, selectors
from targets.models import ProvincialRanking, Target
from targets.province import from_bottom, gap_to_next, proposed_target, stricter
from tests.factories import IndicatorFactory, TargetFactory


@pytest.mark.parametrize(
    ("rank", "total", "expected"),
    [(21, 21, 1), (19, 21, 3), (1, 21, 21)],  # 21 − 19 + 1 = 3: "全省倒数第3"
)
def test_from_bottom(rank, total, expected):
    assert from_bottom(rank, total) == expected


@pytest.mark.parametrize(
    ("value", "next_value", "higher", "expected"),
    [
        (61.2, 66.0, True, pytest.approx(4.8)),  # execution rate: 66.0 − 61.2 = 4.8 points to climb one place
        (38.0, 35.0, False, pytest.approx(3.0)),  # PM2.5: 38 − 35 = 3 µg/m³ lower needed
        (70.0, 66.0, True, 0.0),  # already better (the ranking is stale): no gap, never negative
        (None, 66.0, True, None),
        (61.2, None, True, None),
    ],
)
def test_gap_to_next(value, next_value, higher, expected):
    assert gap_to_next(value, next_value, higher_better=higher) == expected


@pytest.mark.parametrize(
    ("next_value", "higher", "precision", "expected"),
    [
        (83.4, True, 1, 83.5),  # 83.4 + 0.1 — passes, does not tie
        (35.0, False, 0, 34.0),  # 35 − 1
        (0.95, True, 2, 0.96),
    ],
)
def test_proposed_target_passes_the_next_place(next_value, higher, precision, expected):
    assert proposed_target(next_value, higher_better=higher, precision=precision) == expected


def test_stricter():
    assert stricter(80.0, 83.5, higher_better=True) and not stricter(90.0, 83.5, higher_better=True)
    assert stricter(38.0, 34.0, higher_better=False)


@pytest.fixture
def execution(db, unit_a, unit_b):
    indicator = IndicatorFactory(code="budget_execution_rate", name="预算执行率", unit_of_measure="%", precision=1)
    TargetFactory(indicator=indicator, unit=unit_a, year=2026, value=80.0)  # weaker than the proposal: raised
    TargetFactory(indicator=indicator, unit=unit_b, year=2026, value=90.0)  # stricter already: kept
    return ProvincialRanking.objects.create(
        indicator=indicator, year=2026, month=10, rank=19, total=21, score=72.5, value=61.2, next_value=66.0
    )


@pytest.mark.django_db
def test_targets_are_raised_to_pass_the_next_place(execution, admin_user, unit_a, unit_b):
    p = planning.targets_propose_from_ranking(ranking=execution, user=admin_user)
    # 66.0 + one step of precision 1 = 66.1; unit A's 80.0 is already stricter than 66.1 → kept too
    assert (p.value, p.raised, p.kept) == (66.1, 0, 2)
    execution.next_value = 85.0  # now 85.1: unit A (80.0) raised, unit B (90.0) kept
    execution.save()
    p = planning.targets_propose_from_ranking(ranking=execution, user=admin_user)
    assert (p.value, p.raised, p.kept) == (85.1, 1, 1)
    assert dict(Target.objects.values_list("unit_id", "value")) == {unit_a.pk: 85.1, unit_b.pk: 90.0}


@pytest.mark.django_db
def test_only_admins_propose_targets(execution, leader):
    with pytest.raises(PermissionDenied):
        planning.targets_propose_from_ranking(ranking=execution, user=leader)


@pytest.mark.django_db
def test_the_panel_shows_the_latest_period_and_the_gap(execution):
    ProvincialRanking.objects.create(indicator=execution.indicator, year=2026, month=6, rank=21, total=21)
    rows = selectors.province_panel(year=2026)
    assert len(rows) == 1  # one row per indicator: the October ranking, not June's
    row = rows[0]
    assert (row.ranking.month, row.from_bottom, row.bottom_third) == (10, 3, True)  # 19 > 21 × 2/3 = 14
    assert row.gap == pytest.approx(4.8)  # 66.0 − 61.2


@pytest.mark.django_db
@pytest.mark.clock("2026-11-20 10:00")
def test_the_leaders_dashboard_shows_the_place(execution, client_for, leader):
    page = client_for(leader).get(reverse("targets:dashboard_city")).content.decode()
    assert "我市在全省的位次" in page and "第19名/21" in page and "倒数第3" in page and "4.80" in page


@pytest.mark.django_db
def test_the_pilots_panel_is_for_project_readers_only(client_for, leader, inspector, unit_a):
    from projects.models import Pilot

    Pilot.objects.create(name="全国无废城市建设试点", level="national", kind="waste_free", lead_unit=unit_a)
    url = reverse("targets:dashboard_city")
    assert "全国无废城市建设试点" in client_for(leader).get(url).content.decode()
    assert "全国无废城市建设试点" not in client_for(inspector).get(url).content.decode()  # no projects for inspectors
