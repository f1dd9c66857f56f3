"""Shared input/output pieces: table reading, safe Excel export, upload checks, API tokens."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import JsonResponse
from django.test import RequestFactory

from tracker.common.api import parse_json_body, token_required
from tracker.common.tabular import TableError, build_workbook, read_table
from tracker.common.uploads import safe_filename, validate_upload
from tracker.models import ApiToken

COLUMNS = {"code": ["站点编码", "编码"], "value": ["数值"]}


def _upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_chinese_encodings_is_read(encoding):
    text = "站点编码,数值\nA001,12.5\n\nA002,7\n"
    frame = read_table(_upload("x.csv", text.encode(encoding)), columns=COLUMNS)
    assert frame[["code", "value"]].values.tolist() == [["A001", "12.5"], ["A002", "7"]]
    assert frame["_row"].tolist() == [2, 4]  # spreadsheet rows; the blank row 3 is skipped


def test_duplicate_and_missing_headers_are_named():
    with pytest.raises(TableError) as err:
        read_table(_upload("x.csv", "编码,站点编码\nA,B\n".encode()), columns=COLUMNS)
    messages = [str(e) for e in err.value.errors]
    assert any("表头重复" in m for m in messages)
    assert any("数值" in m and "缺少必需的列" in m for m in messages)


def test_xlsx_with_formula_takes_cached_value_and_text_dates():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["站点编码", "数值"])
    ws.append(["A001", 3])
    buf = io.BytesIO()
    wb.save(buf)
    frame = read_table(_upload("x.xlsx", buf.getvalue()), columns=COLUMNS)
    assert frame[["code", "value"]].values.tolist() == [["A001", "3"]]


def test_zip_bomb_is_refused_before_parsing():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (250 * 1024 * 1024))
    with pytest.raises(TableError) as err:
        read_table(_upload("bomb.xlsx", buf.getvalue()), columns=COLUMNS)
    assert "解压后过大" in str(err.value)


def test_not_a_workbook_is_refused_clearly():
    with pytest.raises(TableError) as err:
        read_table(_upload("x.xlsx", b"PK\x03\x04garbage"), columns=COLUMNS)
    assert "Excel" in str(err.value)


def test_export_never_writes_formula_cells():
    data = build_workbook([("表", ["名称", "数值"], [['=HYPERLINK("http://x")', 1], ["+1+1", 2], ["@SUM(A1)", 3]])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for row in wb.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert wb.active["A2"].value == '=HYPERLINK("http://x")'


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def test_upload_checks_content_not_name():
    assert validate_upload(_upload("photo.png", PNG)) == "image/png"
    assert validate_upload(_upload("report.pdf", PDF)) == "application/pdf"
    with pytest.raises(ValidationError) as err:
        validate_upload(_upload("photo.jpg", EXE))  # a renamed executable
    assert "不是允许的类型" in str(err.value)


def test_upload_size_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as err:
        validate_upload(_upload("big.pdf", PDF + b"x" * 2048))
    assert "上限" in str(err.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("整改照片 1.jpg", "整改照片 1.jpg"),
        ("..", "file"),
    ],
)
def test_safe_filename_strips_paths(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.django_db
def test_token_required_checks_token_and_scope():
    _, token = ApiToken.issue(name="监测平台", scopes="air.readings")
    view = token_required("air.readings")(lambda request: JsonResponse({"ok": True}))
    other = token_required("water.readings")(lambda request: JsonResponse({"ok": True}))
    rf = RequestFactory()
    assert view(rf.post("/x", HTTP_AUTHORIZATION=f"Bearer {token}")).status_code == 200
    assert view(rf.post("/x", HTTP_AUTHORIZATION="Bearer nope")).status_code == 401
    assert view(rf.post("/x")).status_code == 401
    assert other(rf.post("/x", HTTP_AUTHORIZATION=f"Bearer {token}")).status_code == 403
    assert ApiToken.objects.get().token_hash != token  # only the hash is stored


def test_parse_json_body_errors_are_clear():
    rf = RequestFactory()
    _, error = parse_json_body(rf.post("/x", data="{bad", content_type="application/json"))
    assert error.status_code == 400 and "JSON" in json.loads(error.content)["error"]
    _, error = parse_json_body(rf.post("/x", data="a=1", content_type="application/x-www-form-urlencoded"))
    assert error.status_code == 415


def test_sheet_titles_with_forbidden_characters_or_duplicates_are_made_safe():
    data = build_workbook([("井研县: 2026/11 [汇总]", ["a"], [[1]]), ("井研县: 2026/11 [汇总]", ["a"], [[2]])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["井研县_ 2026_11 _汇总_", "井研县_ 2026_11 _汇总_(2)"]
