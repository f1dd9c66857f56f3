"""超前谋划: next year's scheme as a copy (counts and values checked by hand), first-quarter targets."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from targets import planning, selectors
from targets.models import AssessmentItem, AssessmentScheme, DataValue, QuarterTarget, Target
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(unit_a, unit_b):
    s = SchemeFactory(year=2026, name="2026年度党政同责考核方案", caps={"bonus": {"overall": 5}})
    good = IndicatorFactory(code="good_days")
    rate = IndicatorFactory(code="exec_rate")
    other = IndicatorFactory(code="not_in_scheme")
    ItemFactory(scheme=s, indicator=good, max_points=12.0, rule="linear", params={"floor": 1}, sort_order=1)
    ItemFactory(scheme=s, indicator=rate, max_points=8.0, rule="threshold", veto=True, sort_order=2)
    TargetFactory(indicator=good, unit=unit_a, year=2026, value=92.5, baseline=90.1)
    TargetFactory(indicator=good, unit=unit_b, year=2026, value=88.0)
    TargetFactory(indicator=rate, unit=unit_a, year=2026, value=85.0)
    TargetFactory(indicator=other, unit=unit_a, year=2026, value=1.0)  # not an item's indicator: not copied
    TargetFactory(indicator=rate, unit=unit_b, year=2027, value=95.0)  # already set for 2027: kept as it is
    return s


def test_copy_brings_items_and_targets_to_next_year(scheme, admin_user, unit_a, unit_b):
    done = planning.scheme_copy_to_next_year(scheme=scheme, user=admin_user)
    copy = done.scheme
    # 2 items; targets of the items' indicators in 2026: good×A, good×B, rate×A = 3 (rate×B exists for 2027)
    assert (copy.year, copy.name, copy.published, copy.caps) == (2027, "2027年度党政同责考核方案", False, scheme.caps)
    assert (done.items, done.targets, done.targets_kept) == (2, 3, 1)
    items = list(AssessmentItem.objects.filter(scheme=copy).order_by("sort_order").values_list(
        "indicator__code", "max_points", "rule", "params", "veto"))  # fmt: skip
    assert items == [("good_days", 12.0, "linear", {"floor": 1}, False), ("exec_rate", 8.0, "threshold", {}, True)]
    got = set(Target.objects.filter(year=2027).values_list("indicator__code", "unit_id", "value", "baseline"))
    assert got == {
        ("good_days", unit_a.pk, 92.5, 90.1),
        ("good_days", unit_b.pk, 88.0, None),
        ("exec_rate", unit_a.pk, 85.0, None),
        ("exec_rate", unit_b.pk, 95.0, None),  # the existing 2027 target, untouched
    }
    assert AssessmentItem.objects.filter(scheme=scheme).count() == 2  # the original is unchanged


def test_a_second_copy_is_refused_and_writes_nothing(scheme, admin_user):
    planning.scheme_copy_to_next_year(scheme=scheme, user=admin_user)
    counts = (AssessmentScheme.objects.count(), AssessmentItem.objects.count(), Target.objects.count())
    with pytest.raises(ValidationError, match="已存在"):
        planning.scheme_copy_to_next_year(scheme=scheme, user=admin_user)
    assert (AssessmentScheme.objects.count(), AssessmentItem.objects.count(), Target.objects.count()) == counts


def test_only_admins_copy(scheme, leader):
    with pytest.raises(PermissionDenied):
        planning.scheme_copy_to_next_year(scheme=scheme, user=leader)
    assert not AssessmentScheme.objects.filter(year=2027).exists()


def test_names_without_a_year_get_one():
    assert planning.next_year_name("党政同责考核", 2026) == "党政同责考核（2027年）"


def test_the_ranking_page_button_copies(scheme, client_for, admin_user):
    response = client_for(admin_user).post(reverse("targets:scheme_copy", args=[scheme.pk]))
    assert response.status_code == 302 and AssessmentScheme.objects.filter(year=2027).count() == 1


@pytest.mark.clock("2026-04-10 10:00")
def test_first_quarter_compares_the_march_value_with_the_target(unit_a, unit_b, official_a, admin_user, leader):
    ind = IndicatorFactory(code="q1_entered", source="entered", direction="higher")
    QuarterTarget.objects.create(indicator=ind, unit=unit_a, year=2026, quarter=1, value=30.0)
    QuarterTarget.objects.create(indicator=ind, unit=unit_b, year=2026, quarter=1, value=30.0)
    approved = {"status": "approved", "entered_by": official_a, "approved_at": "2026-04-01T10:00+08:00"}
    DataValue.objects.create(indicator=ind, unit=unit_a, year=2026, month=2, value=20.0, **approved)
    DataValue.objects.create(indicator=ind, unit=unit_a, year=2026, month=3, value=31.0, **approved)  # latest ≤ March
    DataValue.objects.create(indicator=ind, unit=unit_a, year=2026, month=4, value=10.0, **approved)  # after Q1
    DataValue.objects.create(indicator=ind, unit=unit_b, year=2026, month=3, value=29.5, **approved)
    rows = selectors.first_quarter(user=leader, year=2026, today=date(2026, 4, 10))
    assert [(r.unit.pk, r.actual, r.met) for r in rows] == [(unit_a.pk, 31.0, True), (unit_b.pk, 29.5, False)]
    # an official sees their own unit's only
    assert [r.unit.pk for r in selectors.first_quarter(user=official_a, year=2026, today=date(2026, 4, 10))] == [
        unit_a.pk
    ]


@pytest.mark.clock("2026-11-20 10:00")
def test_next_years_tasks_and_reserve_filter_by_year(client_for, leader, unit_a):
    from tests.factories import MeasureFactory, ProjectFactory

    MeasureFactory(unit=unit_a, title="今年的任务", deadline=date(2026, 12, 1))
    MeasureFactory(unit=unit_a, title="明年的任务", deadline=date(2027, 3, 31))
    ProjectFactory(unit=unit_a, name="今年开工项目", stage="reserve", planned_start=date(2026, 3, 1),
                   planned_completion=date(2026, 12, 1))  # fmt: skip
    ProjectFactory(unit=unit_a, name="明年储备项目", stage="reserve", planned_start=date(2027, 3, 1),
                   planned_completion=date(2027, 12, 1))  # fmt: skip
    client = client_for(leader)
    tasks = client.get(reverse("tracker:measure_list"), {"year": 2027}).content.decode()
    assert "明年的任务" in tasks and "今年的任务" not in tasks
    reserve = client.get(reverse("projects:project_list"), {"year": 2027}).content.decode()
    assert "明年储备项目" in reserve and "今年开工项目" not in reserve
