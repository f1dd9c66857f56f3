"""Excel and CSV in and out, shared by every app that imports or exports a table.

Reading: `read_table` turns an uploaded .csv or .xlsx into a DataFrame of strings with canonical column
names, or raises `TableError` listing what is wrong (row and column, in Chinese). It guards against what real
files and hostile files bring: GBK/GB18030 or UTF-8-with-BOM CSV, duplicate or missing headers, zip bombs
(uncompressed size checked before parsing), XML entity tricks (openpyxl parses through defusedxml when it is
installed, which it is), and oversized files. Row numbers are the spreadsheet's: the header is row 1.

Writing: `xlsx_response` builds a workbook in which no cell can run as a formula (strings are written as
text, including those starting with = + - @).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import pandas as pd
from django.http import HttpResponse
from django.utils.translation import gettext as _

from tracker.dates import local_date

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an .xlsx whose members inflate past this is refused unread
MAX_ROWS = 200_000
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK and GB2312


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded table. `row` is the spreadsheet row (header = 1); 0 means the whole file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        where = _("第 %(row)d 行") % {"row": self.row}
        if self.column:
            where += _("「%(col)s」列") % {"col": self.column}
        return f"{where}：{self.message}"


class TableError(Exception):
    """The table cannot be imported; `errors` says where and why. Nothing has been written."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


def _normalise_header(value: object) -> str:
    text = "" if value is None else str(value)
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


def _decode_csv(raw: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(
        [RowError(0, "", _("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 Excel (.xlsx) 文件。"))]
    )


def _rows_from_csv(raw: bytes) -> list[list[str]]:
    text = _decode_csv(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_date(value).isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_xlsx(raw: bytes) -> list[list[str]]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError([RowError(0, "", _("文件不是有效的 Excel (.xlsx) 文件。"))]) from exc
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise TableError([RowError(0, "", _("Excel 文件解压后过大，疑似异常文件，已拒绝。"))])
    try:
        # read_only streams rows; data_only takes a formula's cached value rather than the formula text
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a malformed or hostile workbook
        raise TableError([RowError(0, "", _("无法读取 Excel 文件：文件已损坏或格式不受支持。"))]) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in row])
        if len(rows) > MAX_ROWS + 1:
            break
    workbook.close()
    return rows


def read_table(
    upload,
    *,
    columns: Mapping[str, Sequence[str]],
    required: Iterable[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> pd.DataFrame:
    """Read an uploaded table into a DataFrame of stripped strings with canonical column names.

    `columns` maps each canonical name to the header texts accepted for it (e.g. `{"date": ["日期", "监测日期"]}`).
    The frame has a `_row` column with the spreadsheet row number. Fully empty rows are dropped. Raises
    `TableError` for an unreadable file, missing or duplicate headers, or too many rows.
    """
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise TableError([RowError(0, "", _("文件超过 %(mb)d MB，请分批导入。") % {"mb": MAX_UPLOAD_BYTES // 2**20})])
    raw = upload.read() if hasattr(upload, "read") else bytes(upload)
    if raw[:2] == b"PK" or name.endswith(".xlsx"):
        rows = _rows_from_xlsx(raw)
    elif name.endswith((".csv", ".txt")) or not name:
        rows = _rows_from_csv(raw)
    else:
        raise TableError([RowError(0, "", _("只支持 .xlsx 和 .csv 文件。"))])

    # Skip leading blank rows to find the header.
    start = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if start is None:
        raise TableError([RowError(0, "", _("文件是空的。"))])
    header = [_normalise_header(h) for h in rows[start]]
    aliases = {_normalise_header(a): canonical for canonical, names in columns.items() for a in (canonical, *names)}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for idx, text in enumerate(header):
        canonical = aliases.get(text)
        if canonical is None:
            continue
        if canonical in positions:
            errors.append(RowError(start + 1, rows[start][idx], _("表头重复，请只保留一列。")))
        positions[canonical] = idx
    for canonical in required if required is not None else columns.keys():
        if canonical not in positions:
            label = (list(columns[canonical]) or [canonical])[0]
            errors.append(RowError(start + 1, label, _("缺少必需的列。")))
    if errors:
        raise TableError(errors)

    data_rows = rows[start + 1 :]
    if len(data_rows) > max_rows:
        raise TableError([RowError(0, "", _("超过 %(n)d 行，请分批导入。") % {"n": max_rows})])
    records = []
    labels = {c: (rows[start][i] or c) for c, i in positions.items()}
    for offset, row in enumerate(data_rows):
        if not any(c.strip() for c in row):
            continue
        record = {c: (row[i].strip() if i < len(row) else "") for c, i in positions.items()}
        record["_row"] = start + 2 + offset
        # PostgreSQL text cannot hold NUL; a NUL byte means a damaged or hostile file
        errors.extend(
            RowError(record["_row"], labels[c], _("含有不允许的空字符（NUL），请检查文件。"))
            for c in positions
            if "\x00" in record[c]
        )
        records.append(record)
    if errors:
        raise TableError(errors[:500])
    return pd.DataFrame.from_records(records, columns=[*positions.keys(), "_row"])


# --- writing -----------------------------------------------------------------------------------------


def _safe_cell(cell, value) -> None:
    if isinstance(value, Decimal):
        value = float(value) if value == value else None
    cell.value = value
    if isinstance(value, str):
        # Always text: "=HYPERLINK(...)" from a user must never become a formula in someone's Excel.
        cell.data_type = "s"


def _sheet_title(title: object, taken: list[str]) -> str:
    """Excel forbids \\ / ? * [ ] : in sheet names and caps them at 31 characters; names must be unique."""
    text = re.sub(r"[\\/?*\[\]:]", "_", str(title)).strip("'") or "Sheet"
    text = text[:31]
    candidate, n = text, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = text[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def build_workbook(sheets: Sequence[tuple]) -> bytes:
    """Workbook bytes from `(title, headers, rows)` or `(title, headers, rows, number_formats)` sheets.

    Header row bold and frozen, no formula cells. `number_formats` (one per column, None for none) gives number
    cells a real Excel format such as "#,##0.00", so 万元 amounts stay numbers that sum in Excel. Written in
    openpyxl's streaming (write-only) mode: rows may be a generator, and 50k-row ledgers export in seconds with
    flat memory.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        title, headers, rows = sheet[:3]
        formats = list(sheet[3]) if len(sheet) > 3 else []
        ws = workbook.create_sheet(title=_sheet_title(title, workbook.sheetnames))
        for col, text in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(col)].width = max(10, min(40, len(str(text)) * 2 + 4))
        ws.freeze_panes = "A2"
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(ws)
            _safe_cell(cell, str(text))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append(
                [
                    _out_cell(ws, value, formats[i] if i < len(formats) else None, WriteOnlyCell)
                    for i, value in enumerate(row)
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _out_cell(ws, value, fmt, cell_type):
    """A plain value where openpyxl's default is safe; a cell where text would read as a formula or a number
    needs its format."""
    if isinstance(value, Decimal):
        value = float(value) if value == value else None
    if isinstance(value, str):
        if not value.startswith("="):
            return value
        cell = cell_type(ws)
        _safe_cell(cell, value)
        return cell
    if fmt and isinstance(value, int | float) and not isinstance(value, bool):
        cell = cell_type(ws, value=value)
        cell.number_format = fmt
        return cell
    return value


def xlsx_response(filename: str, sheets: Sequence[tuple]):
    """An attachment response with the workbook; `filename` may be Chinese (RFC 5987 encoded)."""
    response = HttpResponse(
        build_workbook(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
