"""Excel and CSV in and out, shared by every app that imports or exports a table.

Reading: `read_table` turns an uploaded .csv or .xlsx into a DataFrame of strings with canonical column
names, or raises `TableError` listing what is wrong (row and column, in Chinese). It guards against what real
files and hostile files bring: the CSV encoding is decided for the whole file (UTF-8, UTF-8 with BOM or
GB18030, a superset of GBK) and a file mixing UTF-8 and GBK lines is refused rather than imported as mojibake;
duplicate or missing headers; oversized files. CSV is parsed by pandas' C parser in chunks, keeping only the
wanted columns (the csv module reads what the C parser refuses). An .xlsx is read by python-calamine in a
bounded child process (tracker/common/tabular_xlsx.py: inflated size, shared strings, rows × columns, memory, time).
Row numbers are the spreadsheet's: the header is row 1.

Writing: `xlsx_response` builds a workbook in which no cell can run as a formula (strings are written as
text, including those starting with = + - @).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import methodcaller

import pandas as pd
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tracker.dates import local_date

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an .xlsx whose members inflate past this is refused unread
MAX_ROWS = 200_000
CSV_CHUNK_ROWS = 50_000  # a CSV is parsed this many rows at a time; only the wanted columns are kept
CSV_MAX_COLUMNS = 1024  # wider than this (by a count of delimiters) → the csv module reads it instead


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


ERRORS_LISTED = 200  # an upload page lists this many errors one by one; the rest are counted per column


@dataclass(frozen=True)
class ErrorReport:
    """What an upload page shows of a refused file: every error counted (in total and per column), the first
    `ERRORS_LISTED` listed one by one — a file of 100,000 bad rows must not become a page of 100,000 lines, and
    no error may vanish from the count. Iterating gives every error."""

    errors: Sequence[RowError]
    limit: int = ERRORS_LISTED

    def __iter__(self) -> Iterator[RowError]:
        return iter(self.errors)

    @property
    def total(self) -> int:
        return len(self.errors)

    @property
    def listed(self) -> list[RowError]:
        return list(self.errors[: self.limit])

    @property
    def unlisted(self) -> int:
        return max(self.total - self.limit, 0)

    @property
    def by_column(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for e in self.errors:
            key = e.column or _("整个文件")
            counts[key] = counts.get(key, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])


def error_report(errors: Sequence[RowError], *, listed: int = ERRORS_LISTED) -> ErrorReport:
    return ErrorReport(list(errors), listed)


class TableError(Exception):
    """The table cannot be imported; `errors` says where and why. Nothing has been written."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


def whole_file_error(message: str) -> TableError:
    """A `TableError` about the file as a whole (no row, no column)."""
    return TableError([RowError(0, "", message)])


def _normalise_header(value: object) -> str:
    text = "" if value is None else str(value)
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


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


@dataclass(frozen=True)
class Layout:
    """Where the wanted columns are: header row (spreadsheet numbering), canonical name → column index, and the
    header text of each (for error messages)."""

    header_row: int
    positions: dict[str, int]
    labels: dict[str, str]


def locate_columns(
    header: Sequence[str], header_row: int, *, columns: dict[str, Sequence[str]], required: Iterable[str] | None
) -> Layout:
    """Map the header cells to canonical names; duplicate or missing headers raise `TableError`."""
    normalised = [_normalise_header(h) for h in header]
    aliases = {_normalise_header(a): canonical for canonical, names in columns.items() for a in (canonical, *names)}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for idx, text in enumerate(normalised):
        canonical = aliases.get(text)
        if canonical is None:
            continue
        if canonical in positions:
            errors.append(RowError(header_row, header[idx], _("表头重复，请只保留一列。")))
        positions[canonical] = idx
    for canonical in required if required is not None else columns.keys():
        if canonical not in positions:
            label = (list(columns[canonical]) or [canonical])[0]
            errors.append(RowError(header_row, label, _("缺少必需的列。")))
    if errors:
        raise TableError(errors)
    return Layout(header_row, positions, {c: (header[i] or c) for c, i in positions.items()})


def too_many_rows(max_rows: int) -> TableError:
    return whole_file_error(_("超过 %(n)d 行，请分批导入。") % {"n": max_rows})


# --- CSV ---------------------------------------------------------------------------------------------

# A CJK ideograph (U+4E00–U+9FFF) in UTF-8: three bytes, E4–E9 then two continuation bytes.
_UTF8_CJK = re.compile(rb"[\xe4-\xe9][\x80-\xbf]{2}")


def _clearly_utf8_line(body: bytes) -> int | None:
    """The number of the first line that is valid UTF-8 and holds at least two CJK ideographs, or None.

    GBK text is almost never valid UTF-8 over a whole line with Chinese in it, so such a line in a file that is
    not UTF-8 as a whole means two encodings were pasted together."""
    pos = 0
    while (match := _UTF8_CJK.search(body, pos)) is not None:
        start = body.rfind(b"\n", 0, match.start()) + 1
        end = body.find(b"\n", match.end())
        end = len(body) if end < 0 else end
        try:
            text = body[start:end].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 2:
                return body.count(b"\n", 0, start) + 1
        pos = end + 1
    return None


def _csv_encoding(raw: bytes) -> str:
    """UTF-8 (with or without a BOM) or GB18030 (a superset of GBK and GB2312), decided for the whole file.

    A file whose lines mix UTF-8 and GBK (two exports pasted together) would decode as GB18030 "successfully"
    and import as mojibake: it is refused, naming a line of each kind."""
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        return "utf-8-sig" if bom else "utf-8"
    utf8_line = _clearly_utf8_line(body)
    if bom or utf8_line is not None:
        raise whole_file_error(
            _(
                "文件混用了两种编码：第 %(utf8)d 行是 UTF-8，第 %(gbk)d 行是 GBK（或 GB18030），直接导入会变成乱码。"
                "请把整个文件另存为同一种编码（推荐 UTF-8）后重新上传。"
            )
            % {"utf8": utf8_line or 1, "gbk": body.count(b"\n", 0, first_bad) + 1}
        )
    try:
        body.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise whole_file_error(
            _("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 Excel (.xlsx) 文件。")
        ) from exc
    return "gb18030"


def _csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _pandas_chunks(body: bytes, encoding: str, dialect, width: int) -> Iterator[pd.DataFrame]:
    """The C parser, `CSV_CHUNK_ROWS` records at a time; each chunk's index is the record number (0-based)."""
    return pd.read_csv(
        io.BytesIO(body),
        encoding=encoding,
        sep=dialect.delimiter,
        quotechar=dialect.quotechar or '"',
        doublequote=dialect.doublequote,
        escapechar=dialect.escapechar,
        header=None,
        names=range(width),
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        index_col=False,
        engine="c",
        chunksize=CSV_CHUNK_ROWS,
    )


def _csv_module_chunks(body: bytes, encoding: str, dialect) -> Iterator[pd.DataFrame]:
    """The csv module, for what the C parser refuses (a row longer than the widest line suggests, odd quoting)."""
    records = list(csv.reader(io.StringIO(body.decode(encoding)), dialect))
    width = max((len(r) for r in records), default=1) or 1
    for start in range(0, len(records), CSV_CHUNK_ROWS):
        block = [r + [""] * (width - len(r)) for r in records[start : start + CSV_CHUNK_ROWS]]
        yield pd.DataFrame(block, columns=range(width), index=range(start, start + len(block)), dtype=str)


def _is_blank_row(values: Iterable[object]) -> bool:
    return not any(str(v).strip() for v in values)


def _frame_from_chunks(chunks: Iterable[pd.DataFrame], *, locate, max_rows: int) -> tuple[Layout, pd.DataFrame]:
    """Find the header (the first non-blank row), keep the wanted columns of every other non-blank row."""
    layout: Layout | None = None
    parts: list[pd.DataFrame] = []
    data_rows = 0
    for chunk in chunks:
        if layout is None:
            header_at = next(
                (
                    i
                    for i, row in zip(chunk.index, chunk.itertuples(index=False), strict=True)
                    if not _is_blank_row(row)
                ),
                None,
            )
            if header_at is None:
                continue
            layout = locate([str(v) for v in chunk.loc[header_at]], int(header_at) + 1)
            chunk = chunk.loc[header_at + 1 :]
        data_rows += len(chunk)
        if data_rows > max_rows:
            raise too_many_rows(max_rows)
        wanted = chunk[list(layout.positions.values())]
        wanted.columns = list(layout.positions)
        wanted = wanted.apply(lambda s: s.str.strip())
        keep = wanted.ne("").any(axis=1)
        # A row empty in the wanted columns may still hold a note elsewhere: such a row is read (and reported).
        for idx in keep.index[~keep]:
            keep.at[idx] = not _is_blank_row(chunk.loc[idx])
        wanted = wanted[keep]
        parts.append(wanted.assign(_row=wanted.index + 1))
    if layout is None:
        raise whole_file_error(_("文件是空的。"))
    columns = [*layout.positions, "_row"]
    frame = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    return layout, frame[columns]


def _csv_table(raw: bytes, *, locate, max_rows: int) -> tuple[Layout, pd.DataFrame]:
    encoding = _csv_encoding(raw)
    body = raw[len(codecs.BOM_UTF8) :] if encoding == "utf-8-sig" else raw
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    dialect = _csv_dialect(body[:4096].decode(encoding, errors="ignore"))
    delimiter = dialect.delimiter.encode(encoding)
    # Widest physical line by its delimiters: the C parser needs the column count up front. Quoted delimiters
    # only overestimate it (empty extra columns); a quoted newline can underestimate it → the csv module reads.
    width = 1 + max(map(methodcaller("count", delimiter), body.splitlines()), default=0)
    if width <= CSV_MAX_COLUMNS:
        try:
            return _frame_from_chunks(_pandas_chunks(body, encoding, dialect, width), locate=locate, max_rows=max_rows)
        except TableError:
            raise
        except (ValueError, csv.Error, pd.errors.ParserError) as exc:
            logger.info("CSV read by the csv module after the C parser refused it: %s", exc)
    return _frame_from_chunks(_csv_module_chunks(body, encoding, dialect), locate=locate, max_rows=max_rows)


# --- both ----------------------------------------------------------------------------------------------


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
        raise whole_file_error(_("文件超过 %(mb)d MB，请分批导入。") % {"mb": MAX_UPLOAD_BYTES // 2**20})
    raw = upload.read() if hasattr(upload, "read") else bytes(upload)

    def locate(header: Sequence[str], header_row: int) -> Layout:
        return locate_columns(header, header_row, columns=columns, required=required)

    if raw[:2] == b"PK" or name.endswith(".xlsx"):
        from tracker.common.tabular_xlsx import xlsx_table

        layout, frame = xlsx_table(raw, locate=locate, max_rows=max_rows)
    elif name.endswith((".csv", ".txt")) or not name:
        layout, frame = _csv_table(raw, locate=locate, max_rows=max_rows)
    else:
        raise whole_file_error(_("只支持 .xlsx 和 .csv 文件。"))

    frame = frame.reset_index(drop=True)
    frame["_row"] = frame["_row"].astype("int64")
    # PostgreSQL text cannot hold NUL; a NUL byte means a damaged or hostile file
    found: list[tuple[int, int, RowError]] = []
    for order, canonical in enumerate(layout.positions):
        bad = frame[canonical].str.contains("\x00", regex=False)
        message = _("含有不允许的空字符（NUL），请检查文件。")
        found.extend((int(r), order, RowError(int(r), layout.labels[canonical], message)) for r in frame["_row"][bad])
    if found:
        raise TableError([e for _r, _o, e in sorted(found, key=lambda t: t[:2])][:500])
    return frame


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
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
