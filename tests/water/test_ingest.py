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
from tracker.common.tabular import TableError
from tracker.models import ApiToken, WaterMonthlyReading
from tracker.services.water import water_readings_upsert

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 15)


@pytest.fixture
def section(unit_a):
    return WaterSectionFactory(code="S1", unit=unit_a, target_class=3)


def test_upsert_computes_class_and_compliance(section):
    count = water_readings_upsert(
        [{"section": "S1", "month": "2025-03", "do": "8", "codmn": "3", "nh3n": "1.2", "tp": "0.1", "_row": 2}],
        today=TODAY,
    )
    reading = WaterMonthlyReading.objects.get()
    assert count == 1
    assert reading.month == dt.date(2025, 3, 1)
    assert reading.water_class == 4  # NH3-N 1.2 > 1.0 → IV
    assert reading.compliant is False  # target III
    assert reading.data_complete and reading.limiting_factors == "nh3n"


def test_a_reading_without_the_minimum_set_is_incomplete_and_not_compliant(section):
    # Only DO 8 (class I by itself): CODMn, NH₃-N and TP missing → 数据不全, no class, counted as not compliant.
    water_readings_upsert([{"section": "S1", "month": "2025-03", "do": "8", "_row": 2}], today=TODAY)
    reading = WaterMonthlyReading.objects.get()
    assert reading.water_class is None and reading.data_complete is False and reading.compliant is False


def test_reservoir_section_uses_lake_tp_limits_gb3838_table1(section):
    # TP 0.08 on a reservoir: 湖、库 limits 0.01/0.025/0.05/0.1 → IV (a river would be II, ≤ 0.1).
    section.water_body = "reservoir"
    section.save()
    row = {"section": "S1", "month": "2025-03", "do": "8", "codmn": "3", "nh3n": "0.3", "tp": "0.08", "_row": 2}
    water_readings_upsert([row], today=TODAY)
    reading = WaterMonthlyReading.objects.get()
    assert reading.water_class == 4 and reading.limiting_factors == "tp" and reading.compliant is False


def test_upsert_is_idempotent_and_replaces_values(section):
    full = {"codmn": "2", "nh3n": "0.1", "tp": "0.01"}
    rows = [{"section": "S1", "month": "2025-03", "do": "8", **full, "_row": 2}]
    water_readings_upsert(rows, today=TODAY)
    water_readings_upsert(rows, today=TODAY)
    assert WaterMonthlyReading.objects.count() == 1
    water_readings_upsert([{"section": "S1", "month": "2025-03-01", "do": "4", **full, "_row": 2}], today=TODAY)
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
    body = {"readings": [{"section": "S1", "month": "2024-12", "do": 7.8, "codmn": 2.5, "nh3n": 0.2, "tp": 0.05}]}
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


def test_a_file_with_many_errors_counts_every_one_and_lists_the_first_200(client_for, admin_user, section):
    # 250 rows with a bad DO value (columns: 溶解氧) and 30 rows with an unknown section (断面编码): 280 errors.
    lines = ["断面编码,月份,溶解氧"]
    lines += [f"S1,{2000 + i // 12}-{1 + i % 12:02d},abc" for i in range(250)]  # 250 different months
    lines += [f"NOPE{i},2024-01,6" for i in range(30)]
    response = client_for(admin_user).post(
        reverse("tracker:water_readings_upload"), {"file": SimpleUploadedFile("r.csv", "\n".join(lines).encode())}
    )
    body = response.content.decode()
    assert "文件有 280 处错误" in body
    assert "溶解氧 250 处" in body and "断面编码 30 处" in body  # every error counted per column
    assert body.count("<li>第 ") == 200 and "另有 80 处" in body  # 280 − 200 listed
    assert WaterMonthlyReading.objects.count() == 0


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_upload_page_is_admin_only(client_for, actors, who):
    assert client_for(actors[who]).get(reverse("tracker:water_readings_upload")).status_code == 403


def test_management_command_loads_and_rejects(tmp_path, section):
    good = tmp_path / "good.csv"
    good.write_text("断面编码,月份,溶解氧,高锰酸盐指数,氨氮,总磷\nS1,2024-05,8,2,0.4,0.02\n", encoding="utf-8")
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


_STORED = ("section__code", "month", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn", "chla", "sd", *(
    "water_class", "compliant", "data_complete", "limiting_factors"))  # fmt: skip


def _write_paths_batch(unit):
    """A river section (target III) and a reservoir section whose type comes from its river (target II)."""
    from tests.factories import RiverFactory

    reservoir = RiverFactory(name="测试水库", water_body="reservoir")
    WaterSectionFactory(code="R1", unit=unit, target_class=2, river=reservoir, water_body="")
    return [
        # river: DO 8 → I, CODMn 3 → II, NH₃-N 0.4 → II, TP 0.2004 → 0.200 → III (0.1 < 0.2 ≤ 0.2): III by TP,
        # target III → compliant; TN 1.5 stored, not classing
        {"section": "S1", "month": "2025-01", "do": "8", "codmn": "3", "nh3n": "0.4", "tp": "0.2004", "tn": "1.5",
         "_row": 2},
        # NH₃-N alone (COD "-" is blank): short of DO, CODMn, TP → 数据不全: no class, not compliant
        {"section": "S1", "month": "2025-02", "nh3n": "1.2", "cod": "-", "_row": 3},
        # reservoir (湖、库 TP column): DO 6, CODMn 4, NH₃-N 0.5 → II; TP 0.05 → III (0.025 < 0.05 ≤ 0.05) → III by
        # TP; target II → not compliant
        {"section": "R1", "month": "2025-01", "do": "6", "codmn": "4", "nh3n": "0.5", "tp": "0.05", "tn": "0.8",
         "chla": "12.5", "sd": "1.2", "_row": 4},
        # reservoir, every value on its I limit (DO ≥ 7.5, CODMn ≤ 2, NH₃-N ≤ 0.15, TP ≤ 0.01) → I, no 定类因子
        {"section": "R1", "month": "2025-03", "do": "7.5", "codmn": "2", "nh3n": "0.15", "tp": "0.01", "_row": 5},
    ]  # fmt: skip


def _stored():
    return list(WaterMonthlyReading.objects.order_by("section__code", "month").values_list(*_STORED))


@pytest.mark.parametrize("method", ["orm", "postgres"])
def test_both_write_paths_store_the_same_rows(section, method):
    from django.db import connection

    if method == "postgres" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL path")
    rows = _write_paths_batch(section.unit)
    assert water_readings_upsert(rows, today=TODAY, method=method) == 4
    # the same key again takes the update branch: now complete, NH₃-N 0.4 → II, DO 8 → I, CODMn 2 → I, TP 0.02 → I
    rows[1].update(nh3n="0.4", do="8", codmn="2", tp="0.02")
    water_readings_upsert(rows, today=TODAY, method=method)
    d = Decimal
    assert _stored() == [
        ("R1", dt.date(2025, 1, 1), d("6.000"), d("4.000"), None, None, d("0.500"), d("0.050"), d("0.800"),
         d("12.500"), d("1.200"), 3, False, True, "tp"),
        ("R1", dt.date(2025, 3, 1), d("7.500"), d("2.000"), None, None, d("0.150"), d("0.010"), None, None, None,
         1, True, True, ""),
        ("S1", dt.date(2025, 1, 1), d("8.000"), d("3.000"), None, None, d("0.400"), d("0.200"), d("1.500"), None,
         None, 3, True, True, "tp"),
        ("S1", dt.date(2025, 2, 1), d("8.000"), d("2.000"), None, None, d("0.400"), d("0.020"), None, None, None,
         2, True, True, "nh3n"),
    ]  # fmt: skip


def test_an_incomplete_reading_is_stored_without_class_by_both_paths(section):
    from django.db import connection

    row = {"section": "S1", "month": "2025-02", "nh3n": "1.2", "tn": "2", "_row": 2}
    # 数据不全 (only NH₃-N among the six): class NULL, compliant false, data_complete false, no 定类因子; TN kept
    expected = [("S1", dt.date(2025, 2, 1), None, None, None, None, Decimal("1.200"), None, Decimal("2.000"),
                 None, None, None, False, False, "")]  # fmt: skip
    for method in ["orm", "postgres"] if connection.vendor == "postgresql" else ["orm"]:
        WaterMonthlyReading.objects.all().delete()
        water_readings_upsert([row], today=TODAY, method=method)
        assert _stored() == expected, method


def test_copy_and_orm_paths_write_identical_rows(section):
    """On PostgreSQL both paths run on the same batch and must leave exactly the same rows (new columns too)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the COPY path needs PostgreSQL")
    rows = _write_paths_batch(section.unit)
    stored = {}
    for method in ("orm", "postgres"):
        WaterMonthlyReading.objects.all().delete()
        water_readings_upsert(rows, today=TODAY, method=method)
        stored[method] = _stored()
    assert stored["orm"] == stored["postgres"] and len(stored["orm"]) == 4


def test_tn_is_checked_like_the_others_but_does_not_count_as_an_indicator(section):
    rows = [
        # TN not a number, nothing else: the TN error, then "at least one indicator" (TN is not one of them)
        {"section": "S1", "month": "2025-01", "tn": "abc", "_row": 2},
        # a DO error and a TN error: both, in column order; no "at least one" (the DO column was filled)
        {"section": "S1", "month": "2025-02", "do": "-3", "tn": "99999", "_row": 3},
    ]
    with pytest.raises(TableError) as exc:
        water_readings_upsert(rows, today=TODAY)
    assert [(e.row, e.column, e.message) for e in exc.value.errors] == [
        (2, "总氮", "“abc”不是数字。"),
        (2, "溶解氧～总磷", "至少要填写一项监测指标。"),
        (3, "溶解氧", "必须是不小于 0 的数字。"),
        (3, "总氮", "数值过大（超过 9999 mg/L），请检查单位。"),
    ]


def test_upload_frame_goes_through_without_row_dicts(section):
    import pandas as pd

    frame = pd.DataFrame({"section": ["S1", "S1"], "month": ["2025-03", "2025-03"], "do": ["8", "7"], "_row": [2, 3]})
    with pytest.raises(TableError) as exc:
        water_readings_upsert(frame, today=TODAY)
    assert [(e.row, e.column, e.message) for e in exc.value.errors] == [(3, "月份", "与第 2 行是同一断面同一月份。")]
