"""Rural sewage plants: 运行率 on hand-computed cases through the assessment registry, the monthly report service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from targets.registry import computed_frame
from tests.factories import UnitFactory
from tracker.models import MonitoringWarning, RuralPlantMonth, RuralSewagePlant
from tracker.selectors.rural import complete_months
from tracker.services.rural import rural_plant_month_report


def plant(unit, name, **kw) -> RuralSewagePlant:
    return RuralSewagePlant.objects.create(
        name=name, village=name, unit=unit, capacity=Decimal("50"), process="ao", **kw
    )


def months(p, states: dict[int, str]) -> None:
    for m, state in states.items():
        RuralPlantMonth.objects.create(plant=p, month=dt.date(2026, m, 1), state=state, flow=Decimal("30"))


def test_complete_months():
    # 15 April: Jan–Mar are complete (31 March ≤ 15 April), April is not; on 30 April it is
    assert complete_months(2026, dt.date(2026, 4, 15)) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    assert len(complete_months(2026, dt.date(2026, 4, 30))) == 4
    assert complete_months(2026, dt.date(2026, 1, 30)) == []


@pytest.mark.django_db
def test_operation_rate_by_hand(unit_a, unit_b):
    p1 = plant(unit_a, "一村")
    months(p1, {1: "running", 2: "stopped", 3: "running"})  # 2 of 3
    p2 = plant(unit_a, "二村", commissioned_on=dt.date(2026, 2, 10))
    months(p2, {2: "running", 3: "running"})  # due from March only: 1 of 1 (February not due)
    plant(unit_a, "三村")  # never reported: 0 of 3
    p4 = plant(unit_a, "四村", is_active=False)
    months(p4, {1: "running", 2: "running", 3: "running"})  # out of the assessment: not counted
    q1 = plant(unit_b, "沐川一村")
    months(q1, {1: "repair", 2: "running", 3: "running", 4: "running"})  # April incomplete: 2 of 3
    UnitFactory(code="511133", name="马边彝族自治县")  # no plants: no row (不涉及)

    frame = computed_frame("rural_sewage_operation_rate", year=2026, as_of=dt.date(2026, 4, 15))
    got = {r.unit_id: (round(r.value, 3), r.detail) for r in frame.itertuples()}
    # 井研县: running 2 + 1 + 0 = 3, due 3 + 1 + 3 = 7 → 3/7 = 42.857 %; 沐川县: 2/3 = 66.667 %
    assert got == {
        unit_a.pk: (42.857, "正常运行 3 / 应运行 7 个设施·月"),
        unit_b.pk: (66.667, "正常运行 2 / 应运行 3 个设施·月"),
    }


@pytest.mark.django_db
def test_no_complete_month_gives_no_rows(unit_a):
    months(plant(unit_a, "一村"), {1: "running"})
    assert computed_frame("rural_sewage_operation_rate", year=2026, as_of=dt.date(2026, 1, 30)).empty


@pytest.mark.django_db
def test_official_reports_and_corrects_a_month(official_a, unit_a):
    p = plant(unit_a, "一村")
    rural_plant_month_report(
        user=official_a, plant_id=p.pk, month=dt.date(2025, 3, 17), state="stopped", flow=None, funds=Decimal("0")
    )
    rural_plant_month_report(
        user=official_a, plant_id=p.pk, month=dt.date(2025, 3, 1), state="running", flow=Decimal("35"),
        funds=Decimal("1200.50"),
    )  # fmt: skip
    row = RuralPlantMonth.objects.get()
    assert (row.month, row.state, row.flow, row.funds, row.reported_by) == (
        dt.date(2025, 3, 1), "running", Decimal("35.0"), Decimal("1200.50"), official_a
    )  # fmt: skip


@pytest.mark.django_db
def test_report_refusals(official_a, official_b, leader, unit_a):
    from django.http import Http404

    p = plant(unit_a, "一村")
    args = dict(plant_id=p.pk, month=dt.date(2025, 3, 1), state="running", flow=Decimal("30"), funds=Decimal("0"))
    with pytest.raises(Http404):
        rural_plant_month_report(user=official_b, **args)
    with pytest.raises(PermissionDenied):
        rural_plant_month_report(user=leader, **args)
    with pytest.raises(ValidationError):  # running without a flow
        rural_plant_month_report(user=official_a, **{**args, "flow": None})
    with pytest.raises(ValidationError):  # 120 t/d on a 50 t/d plant: more than twice the capacity
        rural_plant_month_report(user=official_a, **{**args, "flow": Decimal("120")})
    assert not RuralPlantMonth.objects.exists()


@pytest.mark.clock
@pytest.mark.django_db
def test_current_month_is_the_beijing_month(official_a, unit_a):
    """At 00:30 on the 1st in Beijing the UTC date is still last month: this month may be reported, next may not."""
    from django.utils import timezone

    p = plant(unit_a, "一村")
    this_month = timezone.localdate().replace(day=1)
    next_month = (this_month + dt.timedelta(days=32)).replace(day=1)
    args = dict(plant_id=p.pk, state="running", flow=Decimal("30"), funds=Decimal("0"))
    rural_plant_month_report(user=official_a, month=this_month, **args)
    with pytest.raises(ValidationError):
        rural_plant_month_report(user=official_a, month=next_month, **args)
    assert list(RuralPlantMonth.objects.values_list("month", flat=True)) == [this_month]


@pytest.mark.django_db
def test_a_stopped_month_fires_one_warning_for_the_plants_unit(official_a, unit_a):
    """The migration's rule (not_running > 0 for 1 month) warns a stopped plant once per episode; running again and
    stopping later is a new episode."""
    plant = RuralSewagePlant.objects.create(
        name="研城镇污水站", village="研城村", unit=unit_a, capacity=50, process="ao"
    )
    report = dict(user=official_a, plant_id=plant.pk, funds=0)
    rural_plant_month_report(**report, month=dt.date(2025, 3, 1), state="stopped", flow=None)
    rural_plant_month_report(**report, month=dt.date(2025, 4, 1), state="repair", flow=None)  # same episode
    rural_plant_month_report(**report, month=dt.date(2025, 4, 1), state="repair", flow=None)  # re-sent: nothing new
    warning = MonitoringWarning.objects.get()
    assert (warning.unit_id, warning.rural_plant_id, warning.periods, warning.subject_name) == (
        unit_a.pk, plant.pk, 2, "研城镇污水站",
    )  # fmt: skip
    rural_plant_month_report(**report, month=dt.date(2025, 5, 1), state="running", flow=30)
    rural_plant_month_report(**report, month=dt.date(2025, 6, 1), state="stopped", flow=None)
    assert MonitoringWarning.objects.filter(rural_plant=plant).count() == 2
