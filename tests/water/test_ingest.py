"""Monthly readings in: service, token API, admin upload page and management command — all or nothing."""

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import WaterSectionFactory
from tracker.models import ApiToken, WaterMonthlyReading
from tracker.services.water import water_readings_upsert
from tracker.tabular import TableError

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 15)


@pytest.fixture
def section(unit_a):
    return WaterSectionFactory(code="S1", unit=unit_a, target_class=3)


def test_upsert_computes_class_and_compliance(section):
    count = water_readings_upsert(
        [{"section": "S1", "month": "2025-03", "do": "8", "nh3n": "1.2", "tp": "0.1", "_row": 2}], today=TODAY
    )
    reading = WaterMonthlyReading.objects.get()
    assert count == 1
    assert reading.month == dt.date(2025, 3, 1)
    assert reading.water_class == 4  # NH3-N 1.2 > 1.0 → IV
    assert reading.compliant is False  # target III


def test_upsert_is_idempotent_and_replaces_values(section):
    rows = [{"section": "S1", "month": "2025-03", "do": "8", "_row": 2}]
    water_readings_upsert(rows, today=TODAY)
    water_readings_upsert(rows, today=TODAY)
    assert WaterMonthlyReading.objects.count() == 1
    water_readings_upsert([{"section": "S1", "month": "2025-03-01", "do": "4", "_row": 2}], today=TODAY)
    reading = WaterMonthlyReading.objects.get()
    assert reading.water_class == 4 and reading.compliant is False


def test_one_bad_row_writes_nothing_and_every_error_is_named(section):
    rows = [
        {"section": "S1", "month": "2025-01", "do": "8", "_row": 2},
        {"section": "NOPE", "month": "2025-02", "do": "8", "_row": 3},
        {"section": "S1", "month": "2025-13", "cod": "abc", "_row": 4},
        {"section": "S1", "month": "2025-01", "tp": "-1", "_row": 5},
        {"section": "S1", "month": "2025-04", "_row": 6},
        {"section": "S1", "month": "2025-09", "do": "8", "_row": 7},
    ]
    with pytest.raises(TableError) as exc:
        water_readings_upsert(rows, today=TODAY)
    assert WaterMonthlyReading.objects.count() == 0
    messages = {(e.row, e.column): e.message for e in exc.value.errors}
    assert "不存在" in messages[(3, "断面编码")]
    assert "月份格式" in messages[(4, "月份")]
    assert "不是数字" in messages[(4, "化学需氧量")]
    assert "不小于 0" in messages[(5, "总磷")]
    assert "同一断面同一月份" in messages[(5, "月份")]
    assert "至少要填写" in messages[(6, "溶解氧～总磷")]
    assert "晚于本月" in messages[(7, "月份")]


def _token(scopes="water.readings"):
    return ApiToken.issue(name="监测平台", scopes=scopes)[1]


def _post(client, body, token):
    return client.post(
        reverse("tracker:api_water_readings"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_api_upserts_with_token(client, section):
    body = {"readings": [{"section": "S1", "month": "2024-12", "do": 7.8, "codmn": 2.5, "tp": 0.05}]}
    response = _post(client, body, _token())
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "written": 1}
    assert WaterMonthlyReading.objects.get().water_class == 2


def test_api_rejects_whole_batch_with_row_errors(client, section):
    body = {"readings": [{"section": "S1", "month": "2024-12", "do": 7.8}, {"section": "S1", "month": "x"}]}
    response = _post(client, body, _token())
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False
    assert {"row": 2, "column": "月份", "message": "月份格式应为 2025-03（或 2025-03-01）。"} in data["errors"]
    assert WaterMonthlyReading.objects.count() == 0


def test_api_requires_the_water_scope(client, section):
    response = _post(client, {"readings": [{"section": "S1", "month": "2024-12", "do": 7}]}, _token("air.readings"))
    assert response.status_code == 403
    assert client.post(reverse("tracker:api_water_readings")).status_code == 401


def test_api_rejects_a_body_that_is_not_a_list(client, section):
    assert _post(client, {"readings": {}}, _token()).status_code == 400
    assert _post(client, {"readings": [1]}, _token()).status_code == 400


def _xlsx(rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_admin_uploads_excel(client_for, admin_user, section):
    content = _xlsx([["断面编码", "月份", "溶解氧", "总磷"], ["S1", "2024-11", 6.5, 0.15], ["S1", "2024-10", 8, 0.01]])
    response = client_for(admin_user).post(
        reverse("tracker:water_readings_upload"), {"file": SimpleUploadedFile("readings.xlsx", content)}
    )
    assert response.status_code == 302
    assert WaterMonthlyReading.objects.count() == 2


def test_upload_with_bad_row_shows_reason_and_writes_nothing(client_for, admin_user, section):
    csv = "断面编码,月份,溶解氧\nS1,2024-11,6.5\nS1,2024-10,abc\n".encode("gbk")
    response = client_for(admin_user).post(
        reverse("tracker:water_readings_upload"), {"file": SimpleUploadedFile("r.csv", csv)}
    )
    assert response.status_code == 200
    assert "第 3 行「溶解氧」列" in response.content.decode()
    assert WaterMonthlyReading.objects.count() == 0


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_upload_page_is_admin_only(client_for, actors, who):
    assert client_for(actors[who]).get(reverse("tracker:water_readings_upload")).status_code == 403


def test_management_command_loads_and_rejects(tmp_path, section):
    good = tmp_path / "good.csv"
    good.write_text("断面编码,月份,氨氮\nS1,2024-05,0.4\n", encoding="utf-8")
    call_command("load_water_readings", str(good), stdout=io.StringIO())
    assert WaterMonthlyReading.objects.get().water_class == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("断面编码,月份,氨氮\nS1,2024-06,0.4\nS9,2024-06,0.4\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_water_readings", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert WaterMonthlyReading.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03", dt.date(2025, 3, 1)),
        ("2025-3", dt.date(2025, 3, 1)),
        ("2025/03/01", dt.date(2025, 3, 1)),
        ("2025年3月", dt.date(2025, 3, 1)),
        ("2025.12", dt.date(2025, 12, 1)),
        ("2025-13", None),
        ("03/2025", None),
        ("", None),
    ],
)
def test_month_formats(text, expected):
    from tracker.services.water import _parse_month

    assert _parse_month(text) == expected


@pytest.mark.parametrize("method", ["orm", "postgres"])
def test_both_write_paths_store_the_same_rows(section, method):
    from django.db import connection

    if method == "postgres" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL path")
    rows = [
        {"section": "S1", "month": "2025-01", "do": "8", "tp": "0.2004", "_row": 2},  # TP 0.2004 → 0.200 → III
        {"section": "S1", "month": "2025-02", "nh3n": "1.2", "cod": "-", "_row": 3},  # NH3-N 1.2 > 1.0 → IV
    ]
    assert water_readings_upsert(rows, today=TODAY, method=method) == 2
    rows[1]["nh3n"] = "0.4"  # 0.15 < 0.4 ≤ 0.5 → II; the same key again takes the update branch
    water_readings_upsert(rows, today=TODAY, method=method)
    stored = list(
        WaterMonthlyReading.objects.order_by("month").values(
            "month", "do", "tp", "nh3n", "cod", "water_class", "compliant"
        )
    )
    assert stored == [
        {"month": dt.date(2025, 1, 1), "do": Decimal("8.000"), "tp": Decimal("0.200"), "nh3n": None, "cod": None,
         "water_class": 3, "compliant": True},
        {"month": dt.date(2025, 2, 1), "do": None, "tp": None, "nh3n": Decimal("0.400"), "cod": None,
         "water_class": 2, "compliant": True},
    ]  # fmt: skip


def test_upload_frame_goes_through_without_row_dicts(section):
    import pandas as pd

    frame = pd.DataFrame({"section": ["S1", "S1"], "month": ["2025-03", "2025-03"], "do": ["8", "7"], "_row": [2, 3]})
    with pytest.raises(TableError) as exc:
        water_readings_upsert(frame, today=TODAY)
    assert [(e.row, e.column, e.message) for e in exc.value.errors] == [(3, "月份", "与第 2 行是同一断面同一月份。")]
