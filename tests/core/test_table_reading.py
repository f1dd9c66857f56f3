"""Reading uploaded tables on the fast path: encoding decided per file (mixed refused), chunked CSV parsing with the
csv module as fallback, and the .xlsx reader's bounds (hostile workbooks refused in a bounded child process)."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.common import tabular, tabular_xlsx
from tracker.common.tabular import TableError, read_table

COLUMNS = {"code": ["站点编码", "编码"], "value": ["数值"]}
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _read(name, data, **kw):
    return read_table(SimpleUploadedFile(name, data), columns=COLUMNS, **kw)


def _messages(err) -> str:
    return " ".join(str(e) for e in err.value.errors)


# --- CSV: encodings ---------------------------------------------------------------------------------


def test_gbk_lines_after_a_utf8_header_are_refused_naming_both_lines():
    data = "站点编码,数值\n".encode() + "井研县站,1\n".encode("gbk") + "沐川县站,2\n".encode("gbk")
    with pytest.raises(TableError) as err:
        _read("x.csv", data)
    text = _messages(err)
    assert "混用了两种编码" in text
    assert "第 1 行是 UTF-8" in text and "第 2 行是 GBK" in text  # the header is UTF-8, line 2 the first GBK one


def test_a_utf8_line_pasted_into_a_gbk_file_is_refused():
    data = "站点编码,数值\n井研县站,1\n".encode("gbk") + "沐川县站,2\n".encode()
    with pytest.raises(TableError) as err:
        _read("x.csv", data)
    assert "第 3 行是 UTF-8" in _messages(err) and "第 1 行是 GBK" in _messages(err)


def test_a_bom_file_with_a_gbk_line_is_refused():
    data = "\ufeff站点编码,数值\n".encode() + "井研县站,1\n".encode("gbk")
    with pytest.raises(TableError) as err:
        _read("x.csv", data)
    assert "混用了两种编码" in _messages(err)


def test_a_gbk_file_with_short_chinese_cells_is_not_mistaken_for_mixed():
    # "全" is C8AB in GBK, which is also a valid 2-byte UTF-8 sequence (U+022B): one such cell is not evidence.
    data = "站点编码,数值\n全,1\n井研县站,2\n".encode("gbk")
    frame = _read("x.csv", data)
    assert frame["code"].tolist() == ["全", "井研县站"]


# --- CSV: parsing --------------------------------------------------------------------------------------


def test_chunked_parsing_keeps_spreadsheet_row_numbers_across_chunks(monkeypatch):
    monkeypatch.setattr(tabular, "CSV_CHUNK_ROWS", 3)
    lines = ["", "", "", "站点编码,数值"] + [f"S{i},{i}" for i in range(7)]
    lines[8] = ""  # a blank row inside the data (row 9)
    data = ("\n".join(lines) + "\n").encode()
    frame = _read("x.csv", data)
    # header on row 4 (in the second chunk); data rows 5..11 minus the blank row 9
    assert frame["_row"].tolist() == [5, 6, 7, 8, 10, 11]
    assert frame["code"].tolist() == ["S0", "S1", "S2", "S3", "S5", "S6"]


def test_rows_longer_than_the_header_and_quoted_newlines_are_read():
    data = '站点编码,数值\nA,1,extra,more\n"B\n2",2\n'.encode()
    frame = _read("x.csv", data)
    assert frame[["code", "value"]].values.tolist() == [["A", "1"], ["B\n2", "2"]]
    assert frame["_row"].tolist() == [2, 3]


def test_a_row_empty_in_the_wanted_columns_but_with_a_note_is_kept():
    data = "站点编码,数值,备注\nA,1,\n,,补报\n".encode()
    frame = _read("x.csv", data)
    assert frame["_row"].tolist() == [2, 3] and frame["code"].tolist() == ["A", ""]


def test_semicolon_separated_csv_is_sniffed():
    frame = _read("x.csv", "站点编码;数值\nA;1,5\n".encode())
    assert frame[["code", "value"]].values.tolist() == [["A", "1,5"]]


def test_too_many_rows_is_refused():
    data = ("站点编码,数值\n" + "A,1\n" * 6).encode()
    with pytest.raises(TableError) as err:
        _read("x.csv", data, max_rows=5)
    assert "超过 5 行" in _messages(err)


# --- XLSX ------------------------------------------------------------------------------------------------


def _xlsx(cells: dict[str, object]) -> bytes:
    wb = openpyxl.Workbook()
    for coord, value in cells.items():
        wb.active[coord] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _with_sheet(sheet_xml: str, extra: dict[str, str] | None = None) -> bytes:
    base = io.BytesIO(_xlsx({"A1": "站点编码", "B1": "数值"}))
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(info, data)
        for name, text in (extra or {}).items():
            dst.writestr(name, text)
    return out.getvalue()


def test_xlsx_table_not_at_a1_keeps_spreadsheet_rows_and_cell_text():
    excel_cell = dt.datetime(2025, 3, 2)  # noqa: DTZ001 (an Excel cell is naive)
    data = _xlsx({"B3": "站点编码", "C3": "数值", "B4": "A", "C4": 3.0, "B5": excel_cell, "C5": 0.1, "D6": "备注"})
    frame = _read("x.xlsx", data)
    assert frame[["code", "value"]].values.tolist() == [["A", "3"], ["2025-03-02", "0.1"], ["", ""]]
    assert frame["_row"].tolist() == [4, 5, 6]  # row 6 holds only a note: read, so the import can report it


def test_a_cell_at_the_far_corner_is_refused_and_the_worker_survives():
    """A1 plus XFD1048576: calamine would ask for a 16,384 × 1,048,576 grid and abort the process."""
    sheet = (
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>站点编码</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    with pytest.raises(TableError) as err:
        _read("far.xlsx", _with_sheet(sheet))
    assert "内存过大" in _messages(err)
    assert _read("ok.xlsx", _xlsx({"A1": "站点编码", "B1": "数值", "A2": "S", "B2": 1}))["code"].tolist() == ["S"]


def test_rows_times_columns_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tabular_xlsx, "XLSX_MAX_CELLS", 2 * 50)
    data = _xlsx({"A1": "站点编码", "B1": "数值", "B51": 1})  # 51 rows × 2 columns = 102 cells
    with pytest.raises(TableError) as err:
        _read("x.xlsx", data)
    assert "51 行 × 2 列" in _messages(err)


def test_a_shared_string_repeated_into_gigabytes_is_refused(monkeypatch):
    """One 100 KB shared string referenced by 20,000 cells would become 2 GB of Python strings."""
    monkeypatch.setattr(tabular_xlsx, "XLSX_MAX_PARSE_BYTES", 256 * 1024 * 1024)
    cells = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(2, 20_002))
    sheet = (
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>站点编码</t></is></c>'
        f'<c r="B1" t="inlineStr"><is><t>数值</t></is></c></row>{cells}</sheetData></worksheet>'
    )
    sst = f'<sst {NS} count="1" uniqueCount="1"><si><t>{"x" * 100_000}</t></si></sst>'
    data = _with_sheet(sheet, {"xl/sharedStrings.xml": sst})
    assert len(data) < 1 << 20
    with pytest.raises(TableError) as err:
        _read("amp.xlsx", data)
    assert "内存过大" in _messages(err)


def test_an_oversized_shared_strings_part_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(tabular_xlsx, "XLSX_MAX_SHARED_STRINGS_BYTES", 1000)
    sst = f'<sst {NS} count="1" uniqueCount="1"><si><t>{"x" * 2000}</t></si></sst>'
    data = _with_sheet(f"<worksheet {NS}><sheetData/></worksheet>", {"xl/sharedStrings.xml": sst})
    with pytest.raises(TableError) as err:
        _read("x.xlsx", data)
    assert "共享字符串表过大" in _messages(err)


def test_parsing_past_the_deadline_is_refused(monkeypatch):
    monkeypatch.setattr(tabular_xlsx, "XLSX_MAX_WALL_SECONDS", 0.000001)
    with pytest.raises(TableError) as err:
        _read("x.xlsx", _xlsx({"A1": "站点编码", "B1": "数值", "A2": "S"}))
    assert "处理超时" in _messages(err)


def test_header_errors_found_in_the_child_come_back_as_row_errors():
    with pytest.raises(TableError) as err:
        _read("x.xlsx", _xlsx({"A2": "编码", "B2": "站点编码"}))
    assert {(e.row, e.column) for e in err.value.errors} == {(2, "站点编码"), (2, "数值")}
