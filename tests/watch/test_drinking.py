"""Drinking-water sources: monthly readings through the API and the upload, class and compliance (Ⅲ), warnings by
rule (fires once), scoped quality page and its Excel."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import DrinkingWaterSourceFactory
from tracker.common.tabular import TableError
from tracker.models import ApiToken, DrinkingWaterReading, MonitoringWarning, WarningRule
from tracker.services.drinking import drinking_readings_upsert

TODAY = dt.date(2026, 3, 15)


@pytest.fixture
def source(unit_a):
    return DrinkingWaterSourceFactory(name="井研县城水源地", unit=unit_a)


def post_api(client, body):
    token = ApiToken.issue(name="监测平台", scopes="water.readings")[1]
    return client.post(
        reverse("tracker:api_drinking_readings"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.django_db
def test_api_writes_class_and_compliance(client, source):
    # NH3-N 0.4 mg/L is class Ⅱ (0.15 < 0.4 ≤ 0.5); 1.2 is class Ⅳ (1.0 < 1.2 ≤ 1.5) — worse than Ⅲ: not compliant
    body = {"readings": [{"source": "井研县城水源地", "month": "2025-11", "nh3n": 0.4},
                         {"source": "井研县城水源地", "month": "2025-12", "nh3n": 1.2}]}  # fmt: skip
    response = post_api(client, body)
    assert response.status_code == 200, response.content
    got = list(DrinkingWaterReading.objects.order_by("month").values_list("water_class", "compliant"))
    assert got == [(2, True), (4, False)]


@pytest.mark.django_db
def test_bad_batch_writes_nothing(source):
    rows = [{"source": "井研县城水源地", "month": "2025-11", "nh3n": "0.4"}, {"source": "不存在", "month": "2025-11"}]
    with pytest.raises(TableError) as exc:
        drinking_readings_upsert(rows, today=TODAY)
    assert {e.column for e in exc.value.errors} == {"水源地名称", "溶解氧～总磷"}
    assert not DrinkingWaterReading.objects.exists()


@pytest.mark.django_db
def test_rule_fires_once_for_the_source_unit(source):
    WarningRule.objects.create(
        name="水源地不达标", source="drinking", parameter="class_over_target", threshold=0, duration=1
    )
    rows = [{"source": source.name, "month": "2026-01", "tp": "0.35"}]  # TP 0.35 mg/L: class Ⅴ (0.3 < 0.35 ≤ 0.4)
    drinking_readings_upsert(rows, today=TODAY)
    drinking_readings_upsert(rows, today=TODAY)
    w = MonitoringWarning.objects.get()
    # class Ⅴ (5) − target Ⅲ (3) = 2 classes over the target
    assert (w.drinking_source, w.unit, w.peak_value, w.episode_start) == (source, source.unit, 2.0, dt.date(2026, 1, 1))
    assert w.subject_name == "井研县城水源地"


@pytest.mark.django_db
def test_source_scoped_rule_ignores_other_sources(source, unit_b):
    other = DrinkingWaterSourceFactory(name="沐川水源地", unit=unit_b)
    WarningRule.objects.create(
        name="井研水源地氨氮", source="drinking", parameter="nh3n", threshold=0.5, duration=1, scope="source",
        drinking_source=source,
    )  # fmt: skip
    drinking_readings_upsert(
        [{"source": s.name, "month": "2026-02", "nh3n": "0.9"} for s in (source, other)], today=TODAY
    )
    assert list(MonitoringWarning.objects.values_list("drinking_source__name", flat=True)) == ["井研县城水源地"]


@pytest.mark.django_db
def test_admin_upload_and_scoped_page(client_for, admin_user, official_b, leader, source, unit_b):
    DrinkingWaterSourceFactory(name="沐川水源地", unit=unit_b)
    csv = "水源地名称,月份,氨氮\n井研县城水源地,2025-10,0.3\n沐川水源地,2025-10,1.2\n".encode()
    client = client_for(admin_user)
    response = client.post(
        reverse("tracker:drinking_readings_upload"), {"file": SimpleUploadedFile("q.csv", csv, "text/csv")}
    )
    assert response.status_code == 302 and DrinkingWaterReading.objects.count() == 2
    page = client_for(official_b).get(reverse("tracker:drinking_quality") + "?month=2025-10").content.decode()
    assert "沐川水源地" in page and "井研县城水源地" not in page and "超标" in page
    response = client_for(leader).get(reverse("tracker:drinking_quality") + "?month=2025-10&export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted((r[0], r[4], r[5]) for r in rows[1:]) == [
        ("井研县城水源地", "Ⅱ类", "达标"),
        ("沐川水源地", "Ⅳ类", "超标"),
    ]
