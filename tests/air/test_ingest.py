"""Readings in: the service, the JSON endpoint, the admin upload page and the management command."""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import AirStationFactory
from tracker.common.tabular import TableError
from tracker.models import AirDailyReading, ApiToken
from tracker.services.air import air_readings_import_records, air_readings_import_table

pytestmark = pytest.mark.django_db
DAY = "2026-01-15"


@pytest.fixture
def station(unit_a):
    return AirStationFactory(code="JY01", unit=unit_a)


def _row(**kw):
    base = {"station": "JY01", "date": DAY, "so2": 10, "no2": 30, "pm10": 120, "co": 0.8, "o3_8h": 90, "pm25": 80}
    return {**base, **kw}


def test_ingest_computes_and_stores_aqi(station):
    result = air_readings_import_records(records=[_row()])
    reading = AirDailyReading.objects.get()
    assert result.rows == 1
    # PM2.5 80 → IAQI 107 (see test_standards)
    assert (reading.aqi, reading.category, reading.primary_pollutants) == (107, "轻度污染", "PM2.5")


def test_posting_the_same_day_twice_updates_not_duplicates(station):
    air_readings_import_records(records=[_row()])
    air_readings_import_records(records=[_row(pm25=30, pm10=40)])
    reading = AirDailyReading.objects.get()
    # O3 90 → 45 is now the max (PM2.5 30 → 43, PM10 40 → 40)
    assert reading.pm25 == 30 and reading.aqi == 45 and reading.category == "优"


@pytest.mark.parametrize(
    ("bad", "column", "words"),
    [
        ({"station": "NOPE"}, "站点编码", "不存在"),
        ({"date": "2026-13-01"}, "日期", "日期无效"),
        ({"date": "2999-01-01"}, "日期", "晚于今天"),
        ({"pm25": "abc"}, "PM2.5", "不是数字"),
        ({"so2": -3}, "SO2", "负数"),
        ({"co": 800}, "CO", "合理范围"),
        ({"so2": None, "no2": None, "pm10": None, "co": None, "o3_8h": None, "pm25": None}, "SO2～PM2.5", "至少"),
        ({"pm25": True}, "PM2.5", "不是数字"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(station, bad, column, words):
    with pytest.raises(TableError) as exc:
        air_readings_import_records(records=[_row(date="2026-01-14"), _row(**bad)])
    assert AirDailyReading.objects.count() == 0
    errors = exc.value.errors
    assert [(e.row, e.column) for e in errors] == [(2, column)]
    assert words in errors[0].message


def test_duplicate_station_day_in_one_batch_is_refused(station):
    with pytest.raises(TableError) as exc:
        air_readings_import_records(records=[_row(), _row(pm25=20)])
    assert "与第 1 行" in exc.value.errors[0].message and exc.value.errors[0].row == 2
    assert not AirDailyReading.objects.exists()


@pytest.fixture
def token(db):
    _token_row, plain = ApiToken.issue(name="监测平台", scopes="air.readings")
    return plain


def _post(client, token, payload):
    return client.post(
        reverse("tracker:api_air_readings"),
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_endpoint_upserts_with_a_scoped_token(client, station, token):
    response = _post(client, token, {"readings": [_row(), _row(date="2026-01-16")]})
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == 2
    response = _post(client, token, {"readings": [_row(pm25=20)]})
    assert response.status_code == 200
    assert AirDailyReading.objects.count() == 2
    assert AirDailyReading.objects.get(date=DAY).pm25 == 20


def test_endpoint_reports_row_index_and_reason_and_writes_nothing(client, station, token):
    response = _post(client, token, {"readings": [_row(), _row(date="2026-01-16", pm25="x")]})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [{"index": 1, "field": "PM2.5", "reason": "不是数字。"}]
    assert not AirDailyReading.objects.exists()


def test_endpoint_refuses_missing_or_wrongly_scoped_token(client, station):
    assert _post(client, "nope", {"readings": [_row()]}).status_code == 401
    _r, other = ApiToken.issue(name="水", scopes="water.readings")
    assert _post(client, other, {"readings": [_row()]}).status_code == 403
    assert not AirDailyReading.objects.exists()


def test_endpoint_refuses_a_body_that_is_not_a_list(client, station, token):
    response = _post(client, token, {"readings": "oops"})
    assert response.status_code == 400 and not AirDailyReading.objects.exists()


def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["站点编码", "日期", "SO2", "NO2", "PM10", "CO", "O3_8h", "PM2.5"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_upload_by_admin_imports(client_for, admin_user, station):
    data = _xlsx([["JY01", datetime.date(2026, 1, 15), 10, 30, 120, 0.8, 90, 80]])
    client = client_for(admin_user)
    response = client.post(reverse("tracker:air_upload"), {"file": SimpleUploadedFile("d.xlsx", data)})
    assert response.status_code == 302
    assert AirDailyReading.objects.get().aqi == 107


def test_csv_upload_with_a_bad_row_shows_the_row_and_writes_nothing(client_for, admin_user, station):
    csv = (
        "站点编码,日期,SO2,NO2,PM10,CO,O3_8h,PM2.5\n"
        "JY01,2026-01-15,10,30,120,0.8,90,80\n"
        "JY01,2026-01-16,10,30,120,0.8,90,-1\n"
    )
    client = client_for(admin_user)
    response = client.post(reverse("tracker:air_upload"), {"file": SimpleUploadedFile("d.csv", csv.encode("gbk"))})
    assert response.status_code == 200
    assert "第 3 行「PM2.5」列：浓度不能为负数。" in response.content.decode()
    assert not AirDailyReading.objects.exists()


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_upload_page_is_for_admins_only(client_for, actors, who):
    assert client_for(actors[who]).get(reverse("tracker:air_upload")).status_code == 403


def test_service_refuses_a_non_admin_uploader(official_a, station):
    from django.core.exceptions import PermissionDenied

    upload = SimpleUploadedFile("d.csv", b"station,date,pm25\nJY01,2026-01-15,30\n")
    with pytest.raises(PermissionDenied):
        air_readings_import_table(upload=upload, user=official_a)


def test_management_command_loads_a_file_and_fails_loudly_on_errors(tmp_path, station):
    good = tmp_path / "good.csv"
    good.write_text("站点编码,日期,PM2.5\nJY01,2026/01/15,30\n", encoding="utf-8")
    out = io.StringIO()
    call_command("load_air_readings", str(good), stdout=out)
    assert "已导入 1 条" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("站点编码,日期,PM2.5\nXX,2026-01-15,30\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_air_readings", str(bad), stderr=io.StringIO())
    assert AirDailyReading.objects.count() == 1


@pytest.mark.parametrize("method", ["orm", "postgres"])
def test_both_write_paths_upsert_the_same_rows(station, method):
    import pandas as pd
    from django.db import connection

    from tracker.services.air import _upsert

    if method == "postgres" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL path")
    frame = pd.DataFrame(
        [
            {
                "station_id": station.pk,
                "date": datetime.date(2026, 1, 1),
                "so2": 10.0,
                "no2": None,
                "pm10": 120.0,
                "co": 0.8,
                "o3_8h": None,
                "pm25": 80.0,
            },
            {
                "station_id": station.pk,
                "date": datetime.date(2026, 1, 2),
                "so2": None,
                "no2": None,
                "pm10": None,
                "co": None,
                "o3_8h": None,
                "pm25": 20.0,
            },
        ]
    )
    _upsert(frame, method=method)
    frame.loc[1, "pm25"] = 40.0
    _upsert(frame, method=method)
    rows = list(AirDailyReading.objects.order_by("date").values("no2", "pm25", "aqi", "category", "primary_pollutants"))
    assert rows == [
        {"no2": None, "pm25": 80.0, "aqi": 107, "category": "轻度污染", "primary_pollutants": "PM2.5"},
        {"no2": None, "pm25": 40.0, "aqi": 57, "category": "良", "primary_pollutants": "PM2.5"},  # 50 + 50/40·5 = 56.25
    ]
