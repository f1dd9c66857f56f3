import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from targets import registry, services
from tests.dashboards import fakes
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory, UnitFactory
from tracker.choices import UnitKind


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    fakes.OVERRIDE.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_air(monkeypatch):
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "air_good_day_rate", "tests.dashboards.fakes.good_day_rate")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def city(db, fake_air, unit_a, unit_b, today):
    """`city(n)`: n territorial units (井研县 and 沐川县 among them), this year's scheme with three items
    (good-day rate from the fake, overdue rectification items from the real selector, PM2.5 with no data),
    targets for every unit, and a scoring run a week ago and one today. Returns (scheme, run)."""

    def build(n: int = 3):
        units = [unit_a, unit_b] + [
            UnitFactory(code=f"5198{i:02d}", name=f"测试区{i}", kind=UnitKind.DISTRICT) for i in range(n - 2)
        ]
        scheme = SchemeFactory(year=today.year, name=f"{today.year}年度党政同责考核")
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
        pm = IndicatorFactory(
            code="air_pm25_mean",
            name="PM2.5平均浓度",
            unit_of_measure="µg/m³",
            direction="lower",
            area="air",
            source="computed",
        )
        ItemFactory(scheme=scheme, indicator=good, max_points=10, rule="proportional", sort_order=1)
        ItemFactory(
            scheme=scheme,
            indicator=overdue,
            max_points=0,
            rule="deduction",
            params={"per": 0.5, "cap": 5},
            sort_order=2,
        )
        ItemFactory(scheme=scheme, indicator=pm, max_points=10, rule="proportional", sort_order=3)
        for unit in units:
            TargetFactory(indicator=good, unit=unit, value=88.0, year=today.year)
            TargetFactory(indicator=pm, unit=unit, value=35.0, year=today.year)
        week_ago = max(today - datetime.timedelta(days=7), datetime.date(today.year, 1, 1))
        services.scores_compute(scheme_id=scheme.pk, as_of=week_ago)
        fakes.OVERRIDE["511124"] = 99.0  # 井研县 improves during the week
        run = services.scores_compute(scheme_id=scheme.pk, as_of=today)
        return scheme, run

    return build
