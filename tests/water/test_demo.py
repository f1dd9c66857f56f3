import datetime as dt
import random

import pytest

from tests.factories import UnitFactory
from tracker.demo import UNITS, DemoContext
from tracker.demo_water import seed_water
from tracker.models import OutletStepChange, SewageOutlet, WaterMonthlyReading, WaterSection

pytestmark = pytest.mark.django_db


def test_seed_water_is_complete_idempotent_and_has_non_compliant_months(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    for code, name, kind in UNITS:
        UnitFactory(code=code, name=name, kind=kind)
    ctx = DemoContext(password="x", today=dt.date(2025, 6, 15), rng=random.Random(1))
    seed_water(ctx)
    counts = (
        WaterSection.objects.count(),
        WaterMonthlyReading.objects.count(),
        SewageOutlet.objects.count(),
        OutletStepChange.objects.count(),
    )
    assert counts[0] == 31 and counts[1] == 31 * 24 and counts[2] == 60
    assert WaterMonthlyReading.objects.filter(compliant=False).exists()
    # the reservoir section (issue 16) is assessed with the 湖库 TP limits and carries TN
    reservoir = WaterSection.objects.select_related("river").get(code="LS-C15")
    assert reservoir.assessed_as == "reservoir" and reservoir.river.name == "黄鹤水库"
    assert not reservoir.readings.filter(tn__isnull=True).exists()
    assert all(r.data_complete for r in WaterMonthlyReading.objects.all()[:50])
    assert set(SewageOutlet.objects.values_list("step", flat=True)) == {
        "survey",
        "monitor",
        "trace",
        "remediate",
        "done",
    }
    # every outlet's history ends at its current step
    for outlet in SewageOutlet.objects.all():
        assert outlet.changes.order_by("work_date", "created_at", "pk").last().to_step == outlet.step
    seed_water(ctx)
    assert counts == (
        WaterSection.objects.count(),
        WaterMonthlyReading.objects.count(),
        SewageOutlet.objects.count(),
        OutletStepChange.objects.count(),
    )
