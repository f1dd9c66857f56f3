"""Computed indicators for the assessment: values, detail text and the as-of date."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import SewageOutletFactory, WaterMonthlyReadingFactory, WaterSectionFactory
from tracker.choices import OutletStep
from tracker.models import OutletStepChange
from tracker.selectors.water import indicator_outlet_completion_rate, indicator_water_section_compliance_rate

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_section_compliance_rate_counts_section_months_ytd(unit_a, unit_b):
    s1 = WaterSectionFactory(unit=unit_a)
    s2 = WaterSectionFactory(unit=unit_a)
    s3 = WaterSectionFactory(unit=unit_b)
    WaterMonthlyReadingFactory(section=s1, month=dt.date(2024, 12, 1), compliant=False)  # last year: out
    WaterMonthlyReadingFactory(section=s1, month=dt.date(2025, 1, 1), compliant=True)
    WaterMonthlyReadingFactory(section=s1, month=dt.date(2025, 2, 1), compliant=False)
    WaterMonthlyReadingFactory(section=s2, month=dt.date(2025, 1, 1), compliant=True)
    WaterMonthlyReadingFactory(section=s2, month=dt.date(2025, 3, 1), compliant=False)  # after as_of: out
    WaterMonthlyReadingFactory(section=s3, month=dt.date(2025, 2, 1), compliant=True)
    frame = indicator_water_section_compliance_rate(year=2025, as_of=dt.date(2025, 2, 28))
    assert list(frame.columns) == ["unit_id", "value", "detail"]
    rows = frame.set_index("unit_id")
    assert rows.loc[unit_a.pk, "value"] == 66.7  # 2/3 = 66.666… published at 0.1 (GB/T 8170)
    assert rows.loc[unit_a.pk, "detail"] == "达标断面月次 2 / 监测断面月次 3"
    assert rows.loc[unit_b.pk, "value"] == 100.0


def test_section_compliance_rate_empty_without_data(db):
    assert indicator_water_section_compliance_rate(year=2025, as_of=dt.date(2025, 6, 1)).empty


def _change(outlet, to_step, day, from_step=""):
    OutletStepChange.objects.create(
        outlet=outlet, from_step=from_step, to_step=to_step, created_at=timezone.now(), work_date=day, note="x"
    )


def test_outlet_completion_rate_follows_history_as_of_date(unit_a, unit_b):
    done = SewageOutletFactory(unit=unit_a, step=OutletStep.DONE, registered=dt.date(2025, 1, 1))
    _change(done, OutletStep.MONITOR, dt.date(2025, 2, 1))
    _change(done, OutletStep.TRACE, dt.date(2025, 3, 1))
    _change(done, OutletStep.REMEDIATE, dt.date(2025, 4, 1))
    _change(done, OutletStep.DONE, dt.date(2025, 5, 1))
    SewageOutletFactory(unit=unit_a, registered=dt.date(2025, 1, 1))
    SewageOutletFactory(unit=unit_a, registered=dt.date(2025, 9, 1))  # registered after the first as_of
    SewageOutletFactory(unit=unit_b, registered=dt.date(2025, 1, 1))

    before = indicator_outlet_completion_rate(year=2025, as_of=dt.date(2025, 4, 30)).set_index("unit_id")
    assert before.loc[unit_a.pk, "value"] == 0.0
    assert before.loc[unit_a.pk, "detail"] == "已完成整治排口 0 / 已登记排口 2"

    after = indicator_outlet_completion_rate(year=2025, as_of=dt.date(2025, 5, 1)).set_index("unit_id")
    assert after.loc[unit_a.pk, "value"] == 50.0

    later = indicator_outlet_completion_rate(year=2025, as_of=dt.date(2025, 12, 31)).set_index("unit_id")
    assert later.loc[unit_a.pk, "detail"] == "已完成整治排口 1 / 已登记排口 3"
    assert later.loc[unit_b.pk, "value"] == 0.0


def test_outlet_sent_back_from_done_is_not_complete(unit_a):
    outlet = SewageOutletFactory(unit=unit_a, registered=dt.date(2025, 1, 1))
    _change(outlet, OutletStep.DONE, dt.date(2025, 3, 1))
    _change(outlet, OutletStep.REMEDIATE, dt.date(2025, 4, 1), from_step=OutletStep.DONE)
    frame = indicator_outlet_completion_rate(year=2025, as_of=dt.date(2025, 6, 1))
    assert frame.loc[0, "value"] == 0.0


def test_indicators_use_a_fixed_number_of_queries(unit_a, django_assert_num_queries):
    for _ in range(5):
        SewageOutletFactory(unit=unit_a)
        WaterMonthlyReadingFactory(section=WaterSectionFactory(unit=unit_a), month=dt.date(2025, 1, 1))
    with django_assert_num_queries(1):
        indicator_water_section_compliance_rate(year=2025, as_of=dt.date(2025, 6, 1))
    with django_assert_num_queries(2):
        indicator_outlet_completion_rate(year=2025, as_of=dt.date(2025, 6, 1))
