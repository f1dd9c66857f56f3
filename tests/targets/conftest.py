from datetime import date

import pytest

from targets import registry
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory

AS_OF = date(2026, 10, 31)


@pytest.fixture
def fake_sources(monkeypatch):
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "air_good_day_rate", "tests.targets.fakes.good_day_rate")
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "rectification_overdue_count", "tests.targets.fakes.overdue_count")


@pytest.fixture
def scheme(unit_a, unit_b):
    """Three items: good-day rate (computed, proportional 10), overdue (computed, −0.5/item ≤ 5), waste (entered)."""
    s = SchemeFactory(year=2026, name="2026年度党政同责考核")
    good = IndicatorFactory(code="air_good_day_rate", name="优良天数率", area="air", source="computed")
    overdue = IndicatorFactory(
        code="rectification_overdue_count",
        name="逾期整改问题",
        unit_of_measure="项",
        direction="lower",
        area="rectification",
        source="computed",
        aggregate="sum",
    )
    waste = IndicatorFactory(code="industrial_solid_waste_use", name="工业固体废物综合利用率", area="wastefree")
    ItemFactory(scheme=s, indicator=good, max_points=10, rule="proportional", sort_order=1)
    ItemFactory(
        scheme=s, indicator=overdue, max_points=0, rule="deduction", params={"per": 0.5, "cap": 5}, sort_order=2
    )
    ItemFactory(scheme=s, indicator=waste, max_points=5, rule="threshold", sort_order=3)
    for unit in (unit_a, unit_b):
        TargetFactory(indicator=good, unit=unit, value=88.0)
        TargetFactory(indicator=waste, unit=unit, value=80.0)
    return s
