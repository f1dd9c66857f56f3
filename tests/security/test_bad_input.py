"""Bad input: generated junk against every JSON endpoint and every table upload, then curated real-world files.

What must hold everywhere: never a 500; never a partial write (a refused request leaves every data table
exactly as it was — see conftest.table_fingerprint); every row-level error names its row and its column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.factories import AirStationFactory, DrinkingWaterSourceFactory, WaterSectionFactory
from tracker.common.tabular import RowError
from tracker.models import ApiToken

from .conftest import PNG, fingerprint_diff, table_fingerprint

HYPO = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def targets(unit_a):
    """A water section and an air station with known codes: the ids junk rows may (or may not) hit."""
    return {
        "section": WaterSectionFactory(unit=unit_a, code="WS-BAD"),
        "station": AirStationFactory(unit=unit_a, code="ST-BAD"),
        "source": DrinkingWaterSourceFactory(unit=unit_a, name="水源地-BAD"),
    }


def _token(scope: str) -> str:
    return ApiToken.issue(name=f"测试-{scope}", scopes=scope)[1]


# Each table upload: URL, who may use it, extra form fields, header row, and a valid data row.
def _uploads(unit_a):
    return {
        "water": (
            "tracker:water_readings_upload",
            {},
            ["断面编码", "月份", "溶解氧", "高锰酸盐指数", "氨氮", "总磷"],
            ["WS-BAD", "2025-03", "7.1", "3.2", "0.4", "0.08"],
        ),
        "air": (
            "tracker:air_upload",
            {},
            ["站点编码", "日期", "SO2", "NO2", "PM10", "CO", "O3_8h", "PM2.5"],
            ["ST-BAD", "2025-03-01", "8", "20", "60", "0.8", "90", "35"],
        ),
        "rectifications": (
            "rectifications:import",
            {"kind": "central", "name": "测试批次", "date": "2026-01-10"},
            ["问题编号", "问题描述", "责任单位", "责任人", "整改时限"],
            ["ZG-001", "河道垃圾堆放", unit_a.name, "张三", "2026-12-31"],
        ),
    }


def _csv(rows, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx(rows, *, merge=None, formulas=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for rng in merge or ():
        ws.merge_cells(rng)
    for coord, formula in (formulas or {}).items():
        ws[coord] = formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _post_upload(client, kind, uploads, filename, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    name, extra, _, _ = uploads[kind]
    return client.post(reverse(name), {**extra, "file": SimpleUploadedFile(filename, content)})


def _errors(response) -> list[RowError]:
    ctx = response.context
    return list(ctx["errors"]) if ctx is not None and "errors" in ctx else []


def _check_upload(client, kind, uploads, filename, content, *, expect_ok: bool | None = None):
    """Post a file; never 500; if refused, nothing written and every row error names row and column."""
    client.raise_request_exception = False
    before = table_fingerprint()
    response = _post_upload(client, kind, uploads, filename, content)
    assert response.status_code in (200, 302), f"{kind} {filename}: {response.status_code}"
    ok = response.status_code == 302
    if not ok:
        assert fingerprint_diff(before, table_fingerprint()) == [], f"{kind}: a refused file wrote something"
        for e in _errors(response):
            assert e.row == 0 or (e.row >= 1 and e.column), f"{kind}: error without row/column: {e}"
    if expect_ok is not None:
        assert ok is expect_ok, f"{kind} {filename}: {[str(e) for e in _errors(response)][:5]}"
    return response


@pytest.fixture
def uploaders(actors, unit_a, targets, client):
    """`uploaders(kind)` → a client logged in as someone who may use that upload."""
    who = {"water": actors["admin"], "air": actors["admin"], "rectifications": actors["inspector"]}

    def _for(kind):
        client.force_login(who[kind])
        return client

    return _for


# --- generated junk: JSON endpoints ----------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip
junk_numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from(["", "NaN", "inf", "-1", "1e400", "７.５", "0x10", "1,5", " 3 ", "<0.01", "ND", "—"])
    | st.text(max_size=6)
    | st.none()
    | st.booleans()
)
junk_dates = st.sampled_from(
    ["2025-03", "2025-03-01", "2025-02-30", "2025/3/1", "2025年3月", "45000", "", "9999-12-31", "1900-01-01"]
) | st.text(max_size=12) | st.integers() | st.none()  # fmt: skip
water_row = st.fixed_dictionaries(
    {"section": st.sampled_from(["WS-BAD", "NOPE", "", "WS-BAD\x00"]) | st.text(max_size=8), "month": junk_dates},
    optional={"do": junk_numbers, "codmn": junk_numbers, "nh3n": junk_numbers, "tp": junk_numbers,
              "extra": json_scalars},
)  # fmt: skip
air_row = st.fixed_dictionaries(
    {"station": st.sampled_from(["ST-BAD", "NOPE", ""]) | st.text(max_size=8), "date": junk_dates},
    optional={c: junk_numbers for c in ("so2", "no2", "pm10", "co", "o3_8h", "pm25")},
)

drinking_row = st.fixed_dictionaries(
    {"source": st.sampled_from(["水源地-BAD", "NOPE", ""]) | st.text(max_size=8), "month": junk_dates},
    optional={"do": junk_numbers, "nh3n": junk_numbers, "tp": junk_numbers, "extra": json_scalars},
)

API = {
    "water": ("tracker:api_water_readings", "water.readings", water_row, "tracker_watermonthlyreading"),
    "drinking": ("tracker:api_drinking_readings", "water.readings", drinking_row, "tracker_drinkingwaterreading"),
    "air": ("tracker:api_air_readings", "air.readings", air_row, "tracker_airdailyreading"),
}


def _post_json(client, name, token, body: bytes):
    return client.post(reverse(name), body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _check_api(client, kind, token, body: bytes, n_rows: int | None):
    name, _, _, table = API[kind]
    client.raise_request_exception = False
    before = table_fingerprint()
    response = _post_json(client, name, token, body)
    assert response.status_code in (200, 400, 413, 415), response.status_code
    payload = json.loads(response.content)
    if response.status_code != 200:
        assert payload["ok"] is False
        assert fingerprint_diff(before, table_fingerprint()) == [], f"{kind}: refused request wrote something"
        for e in payload.get("errors", []):
            assert ("row" in e and "column" in e) or ("index" in e and "field" in e), e
    else:
        assert payload["ok"] is True
        changed = set(fingerprint_diff(before, table_fingerprint()))
        # an accepted air batch also marks its unit-days stale (a trigger, tracker.air_days) for the refresh task
        derived = {"tracker_airunitdaystale"} if kind == "air" else set()
        assert changed <= {table, "audit_log", *derived}, changed
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(API))
def test_api_survives_any_json(client, targets, kind):
    token = _token(API[kind][1])

    @HYPO
    @given(body=json_values | st.binary(max_size=64).map(lambda b: b))
    def run(body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        _check_api(client, kind, token, raw, None)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(API))
def test_api_batches_are_all_or_nothing(client, targets, kind):
    token = _token(API[kind][1])
    key = "readings"

    @HYPO
    @given(rows=st.lists(API[kind][2], min_size=1, max_size=8))
    def run(rows):
        body = json.dumps({key: rows}, default=str).encode()
        response = _check_api(client, kind, token, body, len(rows))
        if response.status_code == 200:
            payload = json.loads(response.content)
            written = payload.get("written", payload.get("rows"))
            assert written is not None and 0 < written <= len(rows)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(API))
def test_nul_characters_in_json_are_refused_not_a_500(client, targets, kind):
    """Found by the battery: a NUL in a code reached PostgreSQL ("cannot contain NUL") → 500."""
    token = _token(API[kind][1])
    key = "section" if kind == "water" else "station"
    body = json.dumps({"readings": [{key: "WS\x00BAD", "month": "2025-03", "date": "2025-03-01", "so2": 3}]})
    response = _check_api(client, kind, token, body.encode(), 1)
    assert response.status_code == 400 and "空字符" in json.loads(response.content)["error"]


@pytest.mark.django_db
def test_nul_characters_in_a_csv_are_a_row_error(uploaders, unit_a):
    uploads = _uploads(unit_a)
    client = uploaders("water")
    row = ["WS\x00BAD", *uploads["water"][3][1:]]
    response = _check_upload(client, "water", uploads, "nul.csv", _csv([uploads["water"][2], row]), expect_ok=False)
    assert [(e.row, e.column) for e in _errors(response)] == [(2, "断面编码")]


# --- generated junk: table uploads -----------------------------------------------------------------

cell = st.text(max_size=12) | junk_numbers.map(lambda v: "" if v is None else str(v)) | junk_dates.map(str)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["water", "air", "rectifications"])
def test_uploads_survive_junk_rows(uploaders, unit_a, kind):
    uploads = _uploads(unit_a)
    client = uploaders(kind)
    header, valid = uploads[kind][2], uploads[kind][3]
    counter = iter(range(10**6))

    @HYPO
    @given(rows=st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), min_size=1, max_size=6),
           valid_first=st.booleans(), as_xlsx=st.booleans())  # fmt: skip
    def run(rows, valid_first, as_xlsx):
        if kind == "rectifications":  # fresh codes so a valid row does not collide with an earlier import
            rows = [[f"J{next(counter)}", *r[1:]] for r in rows]
        table = [header, *([valid] if valid_first else []), *rows]
        if as_xlsx:  # characters a worksheet cannot hold at all (Excel could not have produced them)
            table = [[ILLEGAL_CHARACTERS_RE.sub("", c) for c in r] for r in table]
        content = _xlsx(table) if as_xlsx else _csv(table)
        try:
            _check_upload(client, kind, uploads, "junk.xlsx" if as_xlsx else "junk.csv", content)
        except UnicodeEncodeError:
            pass  # a lone surrogate cannot be written to a file in the first place

    run()


# --- curated real-world files ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_chinese_csv_encodings_import(uploaders, unit_a, encoding):
    uploads = _uploads(unit_a)
    client = uploaders("rectifications")
    header, valid = uploads["rectifications"][2], uploads["rectifications"][3]
    row = [f"ZG-{encoding}", "河道两岸生活垃圾堆放" + ("𠀀" if encoding == "gb18030" else ""), *valid[2:]]
    _check_upload(client, "rectifications", uploads, "清单.csv", _csv([header, row], encoding), expect_ok=True)
    from rectifications.models import RectificationItem

    assert RectificationItem.objects.get(code=f"ZG-{encoding}").description.startswith("河道两岸")


@pytest.mark.django_db
def test_water_csv_in_gbk_imports(uploaders, unit_a):
    uploads = _uploads(unit_a)
    client = uploaders("water")
    content = _csv([uploads["water"][2], uploads["water"][3]], "gbk")
    _check_upload(client, "water", uploads, "水质.csv", content, expect_ok=True)


@pytest.mark.django_db
def test_excel_with_merged_unit_cells_is_refused_row_by_row(uploaders, unit_a):
    """Real lists merge 责任单位 down several rows: only the top cell holds the value. Refused, naming the rows."""
    uploads = _uploads(unit_a)
    client = uploaders("rectifications")
    header = uploads["rectifications"][2]
    rows = [header] + [[f"ZG-M{i}", "问题", unit_a.name if i == 0 else None, "张三", "2026-12-31"] for i in range(3)]
    response = _check_upload(
        client, "rectifications", uploads, "合并.xlsx", _xlsx(rows, merge=["C2:C4"]), expect_ok=False
    )
    # the merged cells below the top one read as empty: rows 3 and 4 (sheet rows) are refused by name
    assert {(e.row, e.column) for e in _errors(response)} >= {(3, "责任单位"), (4, "责任单位")}


@pytest.mark.django_db
def test_formula_cells_never_land_as_formula_text(uploaders, unit_a):
    from rectifications.models import RectificationItem

    uploads = _uploads(unit_a)
    client = uploaders("rectifications")
    header, valid = uploads["rectifications"][2], uploads["rectifications"][3]
    rows = [header, ["ZG-F1", "x", *valid[2:]], ["ZG-F2", "y", *valid[2:]]]
    _check_upload(
        client, "rectifications", uploads, "公式.xlsx", _xlsx(rows, formulas={"B2": "=1+1", "E3": "=TODAY()"})
    )
    assert not RectificationItem.objects.filter(description__startswith="=").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["2025年3月", "2025/3", "2025.03", "2025-03-01"])
def test_text_dates_are_read_or_refused_with_row_and_column(uploaders, unit_a, month):
    uploads = _uploads(unit_a)
    client = uploaders("water")
    row = [uploads["water"][3][0], month, *uploads["water"][3][2:]]
    _check_upload(client, "water", uploads, "月份.csv", _csv([uploads["water"][2], row]))


@pytest.mark.django_db
def test_excel_real_dates_and_serial_numbers(uploaders, unit_a):
    uploads = _uploads(unit_a)
    client = uploaders("air")
    header, valid = uploads["air"][2], uploads["air"][3]
    excel_cell = dt.datetime(2025, 3, 2)  # noqa: DTZ001 (an Excel cell is naive)
    rows = [header, ["ST-BAD", excel_cell, *valid[2:]], ["ST-BAD", 45720, *valid[2:]]]
    _check_upload(client, "air", uploads, "日期.xlsx", _xlsx(rows))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["water", "air", "rectifications"])
def test_duplicate_headers_are_refused_naming_the_column(uploaders, unit_a, kind):
    uploads = _uploads(unit_a)
    client = uploaders(kind)
    header, valid = uploads[kind][2], uploads[kind][3]
    response = _check_upload(
        client, kind, uploads, "重复.csv", _csv([[*header, header[0]], [*valid, valid[0]]]), expect_ok=False
    )
    assert any(e.row == 1 and e.column == header[0] for e in _errors(response))


def _zip_bomb(inflated: int) -> bytes:
    """An .xlsx-shaped zip whose one member inflates to `inflated` bytes (written in chunks: low memory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(inflated >> 20):
                member.write(chunk)
    return buf.getvalue()


@pytest.mark.django_db
def test_zip_bomb_is_refused_unread(uploaders, unit_a):
    uploads = _uploads(unit_a)
    client = uploaders("air")
    bomb = _zip_bomb(256 << 20)
    assert len(bomb) < 2 << 20  # ~250 KB on the wire
    tracemalloc.start()
    response = _check_upload(client, "air", uploads, "bomb.xlsx", bomb, expect_ok=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "解压后过大" in " ".join(str(e) for e in _errors(response))
    assert peak < 64 << 20  # the bomb was never inflated


def _xlsx_with_xml(sheet_xml: str) -> bytes:
    """A minimal workbook whose sheet XML is replaced by `sheet_xml`."""
    base = io.BytesIO(_xlsx([["站点编码", "日期"], ["ST-BAD", "2025-03-01"]]))
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(info, data)
    return out.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.django_db
@pytest.mark.parametrize("xml", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_xml_entity_tricks_are_refused(uploaders, unit_a, xml):
    uploads = _uploads(unit_a)
    client = uploaders("air")
    response = _check_upload(client, "air", uploads, "entity.xlsx", _xlsx_with_xml(xml), expect_ok=False)
    body = response.content.decode()
    assert "root:" not in body and "lollol" not in body


# --- files: renamed executables and ../ names -------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500 + b"This program cannot be run in DOS mode"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 500


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [EXE, ELF], ids=["windows-exe", "linux-elf"])
def test_renamed_executables_are_refused_as_evidence_and_photos(client, official_a, world, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(official_a)
    a = world["A"]
    posts = [
        (reverse("rectifications:report", args=[a["item"].pk]),
         {"text": "进展", "progress": "50", "files": SimpleUploadedFile("现场.jpg", payload, "image/jpeg")}),
        (reverse("projects:progress_create", args=[a["project"].pk]),
         {"reported_on": timezone.localdate().isoformat(), "progress": "20", "note": "x",
          "photo": SimpleUploadedFile("现场.png", payload, "image/png")}),
        (reverse("tracker:outlet_detail", args=[a["outlet"].pk]),
         {"to_step": "monitor", "work_date": "2025-03-01", "note": "x", "version": 0,
          "document": SimpleUploadedFile("方案.pdf", payload, "application/pdf")}),
    ]  # fmt: skip
    for url, data in posts:
        before = table_fingerprint()
        response = client.post(url, data)
        assert response.status_code in (200, 302), url
        assert fingerprint_diff(before, table_fingerprint()) == [], f"{url} accepted an executable"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../../../etc/passwd.png", "..\\..\\boot.png", "/etc/cron.d/x.png", "a/../../b.png"])
def test_dot_dot_file_names_stay_inside_media_root(client, official_a, world, settings, name):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectifications.models import Evidence

    client.force_login(official_a)
    item = world["A"]["item"]
    response = client.post(
        reverse("rectifications:report", args=[item.pk]),
        {"text": "进展", "progress": "50", "files": SimpleUploadedFile(name, PNG, "image/png")},
    )
    assert response.status_code == 302
    ev = Evidence.objects.filter(item=item).order_by("-pk").first()
    root = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(ev.file.path).resolve()
    assert root in stored.parents and ".." not in ev.file.name
    assert "/" not in ev.original_name and "\\" not in ev.original_name and ".." not in ev.original_name
    download = client.get(reverse("rectifications:evidence", args=[ev.pk]))
    assert ".." not in download["Content-Disposition"] and "/" not in download["Content-Disposition"].split("=")[-1]


# --- size: 100k rows --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_100k_row_air_upload_imports_with_bounded_memory(uploaders, unit_a):
    """274 stations × 365 days ≈ 100k rows (a province's year of daily data) in one CSV.

    Bound: < 500 MB of Python allocations at peak. The file is ~5 MB; pandas holds it a few times over as
    strings (≈ 100–200 MB); 500 MB leaves room for that and still catches row-by-row object explosions
    (a model instance per row would be several GB).
    """
    from tracker.models import AirDailyReading

    uploads = _uploads(unit_a)
    client = uploaders("air")
    stations = [AirStationFactory(unit=unit_a, code=f"BIG{i:03d}") for i in range(274)]
    start = dt.date(2024, 1, 1)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(uploads["air"][2])
    n = 0
    for s in stations:
        for d in range(365):
            w.writerow([s.code, (start + dt.timedelta(days=d)).isoformat(), 8, 20, 60, 0.8, 90, 35])
            n += 1
    content = buf.getvalue().encode()
    del buf
    tracemalloc.start()
    _check_upload(client, "air", uploads, "全年.csv", content, expect_ok=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert AirDailyReading.objects.filter(station__code__startswith="BIG").count() == n == 100_010
    assert peak < 500 << 20, f"peak {peak / 2**20:.0f} MB"
