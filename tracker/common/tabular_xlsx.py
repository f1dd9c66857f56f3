"""Reading an uploaded .xlsx fast (python-calamine, Rust) with the work bounded, so that no file can hold a
web worker: checked before parsing (archive members, declared inflated size, shared-strings size), then parsed
in a forked child process that has a memory and a CPU-time limit and a wall-clock deadline, and that checks the
sheet's rows × columns before turning any cell into a Python object.

Why a child process: calamine builds a dense grid from the first to the last cell it finds, so a 1 KB sheet
holding A1 and XFD1048576 asks for half a terabyte and the allocation failure aborts the whole process (Rust
does not raise). A child that dies of it is reported as a refused file; the worker lives. The fork costs a few
milliseconds; the rows come back pickled, wanted columns only.

Cells come back as the text the CSV reader would give: a formula's cached value (never its text), dates as
ISO dates, whole numbers without ".0".
"""

from __future__ import annotations

import faulthandler
import io
import logging
import os
import pickle
import resource
import select
import signal
import time
import zipfile
from collections.abc import Callable, Sequence
from itertools import islice
from operator import itemgetter

import pandas as pd
import python_calamine
from django.utils.translation import gettext as _

from tracker.common.tabular import (
    MAX_UNCOMPRESSED_BYTES,
    Layout,
    TableError,
    _cell_text,
    _is_blank_row,
    too_many_rows,
    whole_file_error,
)

logger = logging.getLogger(__name__)

XLSX_MAX_MEMBERS = 1_000  # a workbook from Excel/WPS has a few dozen parts
XLSX_MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # xl/sharedStrings.xml, inflated
XLSX_MAX_CELLS = 4_000_000  # rows × columns of the sheet's used range (200,000 rows × 20 columns)
XLSX_MAX_PARSE_BYTES = 1024 * 1024 * 1024  # address space the parsing child may add
XLSX_MAX_CPU_SECONDS = 20  # CPU time of the parsing child
XLSX_MAX_WALL_SECONDS = 40  # wall clock of the parsing child (2 cores shared); gunicorn's timeout is 60 s


def _unreadable() -> TableError:
    return whole_file_error(_("无法读取 Excel 文件：文件已损坏或格式不受支持。"))


def _check_archive(raw: bytes) -> None:
    """Refuse, before any parsing, what the zip directory already shows to be hostile or broken."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise whole_file_error(_("文件不是有效的 Excel (.xlsx) 文件。")) from exc
    if len(infos) > XLSX_MAX_MEMBERS:
        raise whole_file_error(_("Excel 文件内部部件过多，疑似异常文件，已拒绝。"))
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise whole_file_error(_("Excel 文件解压后过大，疑似异常文件，已拒绝。"))
    for info in infos:
        if info.flag_bits & 0x1:
            raise whole_file_error(_("Excel 文件已加密，请取消密码后再上传。"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable()
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
            raise whole_file_error(_("Excel 文件的共享字符串表过大，疑似异常文件，已拒绝。"))


def _parse(raw: bytes, locate: Callable[[Sequence[str], int], Layout], max_rows: int):
    """In the child: the header, the wanted columns as lists of text, and the spreadsheet row numbers."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own types for a malformed workbook
        raise _unreadable() from exc
    (first_row, _c0), (last_row, _c1) = sheet.start, sheet.end
    if sheet.height * sheet.width > XLSX_MAX_CELLS:
        raise whole_file_error(
            _("表格范围过大（%(rows)d 行 × %(cols)d 列），超过 %(max)d 个单元格的上限，请删除多余的行列或分批导入。")
            % {"rows": sheet.height, "cols": sheet.width, "max": XLSX_MAX_CELLS}
        )
    # iter_rows yields from the sheet's row 1 (blank rows above the used range included), columns of the range.
    rows = islice(sheet.iter_rows(), first_row, None)
    header_index = first_row
    for row in rows:
        if not _is_blank_row(_cell_text(v) for v in row):
            break
        header_index += 1
    else:
        raise whole_file_error(_("文件是空的。"))
    layout = locate([_cell_text(v) for v in row], header_index + 1)
    if last_row - header_index > max_rows:
        raise too_many_rows(max_rows)
    wanted = list(layout.positions.values()) or [0]  # no wanted column: still count the rows
    getter = itemgetter(*wanted) if len(wanted) > 1 else (lambda r: (r[wanted[0]],))
    kept = list(map(getter, rows))
    texts = [[v.strip() if type(v) is str else _cell_text(v) for v in column] for column in zip(*kept, strict=True)]
    del kept
    numbers = range(header_index + 2, header_index + 2 + (len(texts[0]) if texts else 0))
    keep = [any(cells) for cells in zip(*texts, strict=True)] if texts else []
    # A row empty in the wanted columns may still hold a note elsewhere: such a row is read (and reported).
    empty = {n for n, k in zip(numbers, keep, strict=True) if not k}
    if empty:
        for number, row in enumerate(sheet.iter_rows(), start=1):
            if number in empty and not _is_blank_row(_cell_text(v) for v in row):
                keep[number - header_index - 2] = True
    columns = {
        name: [t for t, k in zip(column, keep, strict=True) if k]
        for name, column in zip(layout.positions, texts, strict=False)
    }
    columns["_row"] = [n for n, k in zip(numbers, keep, strict=True) if k]
    return layout, columns


def _limit_child() -> None:
    """Cap the child's address space (above what the fork inherited) and its CPU time."""
    try:
        with open("/proc/self/statm") as fh:
            inherited = int(fh.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (inherited + XLSX_MAX_PARSE_BYTES,) * 2)
    except (OSError, ValueError):  # no /proc (macOS): the CPU and wall limits still hold
        pass
    resource.setrlimit(resource.RLIMIT_CPU, (XLSX_MAX_CPU_SECONDS, XLSX_MAX_CPU_SECONDS + 1))


def _run_bounded(work: Callable[[], object]) -> object:
    """`work()` in a forked child under `_limit_child`; its result (or its TableError) comes back pickled."""
    if not hasattr(os, "fork"):  # Windows (development only): in-process, bounded by the checks alone
        return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into the caller's stack, never run its atexit or close its sockets
        status = 1
        try:
            os.close(read_end)
            os.environ["RUST_BACKTRACE"] = "0"  # an allocation failure prints one line, not a backtrace
            faulthandler.disable()  # nor a Python traceback dump of an abort that is expected here
            _limit_child()
            try:
                outcome = ("ok", work())
            except TableError as exc:
                outcome = ("refused", exc.errors)
            except MemoryError:
                outcome = ("memory", None)
            except Exception as exc:  # a bug, not a hostile file: reported to the parent, logged there
                outcome = ("failed", f"{type(exc).__name__}: {exc}")
            view = memoryview(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + XLSX_MAX_WALL_SECONDS
    timed_out = False
    poller = select.poll()
    poller.register(read_end, select.POLLIN | select.POLLHUP)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            if poller.poll(left * 1000):
                data = os.read(read_end, 1 << 20)
                if not data:
                    break
                chunks.append(data)
    finally:
        os.close(read_end)
        _pid, status = os.waitpid(pid, 0)
    killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if timed_out or killed_by == signal.SIGXCPU:
        logger.warning("xlsx parse stopped: over the time limit")
        raise whole_file_error(
            _("Excel 文件处理超时（超过 %(s)d 秒），疑似异常文件，已拒绝。") % {"s": XLSX_MAX_CPU_SECONDS}
        )
    if killed_by is not None:  # SIGABRT: Rust could not allocate under the limit; SIGKILL: the kernel's OOM
        logger.warning("xlsx parse child killed by signal %s", killed_by)
        raise whole_file_error(_("Excel 文件解析所需内存过大，疑似异常文件，已拒绝。"))
    if not chunks:
        logger.error("xlsx parse child exited with %s and no result", os.WEXITSTATUS(status))
        raise _unreadable()
    kind, payload = pickle.loads(b"".join(chunks))
    if kind == "refused":
        raise TableError(payload)
    if kind == "failed":
        logger.error("xlsx parse failed: %s", payload)
        raise _unreadable()
    if kind == "memory":
        raise whole_file_error(_("Excel 文件解析所需内存过大，疑似异常文件，已拒绝。"))
    return payload


def xlsx_table(
    raw: bytes, *, locate: Callable[[Sequence[str], int], Layout], max_rows: int
) -> tuple[Layout, pd.DataFrame]:
    """The first worksheet as (layout, frame of the wanted columns + `_row`), within the limits above."""
    _check_archive(raw)
    layout, columns = _run_bounded(lambda: _parse(raw, locate, max_rows))
    return layout, pd.DataFrame(columns, columns=[*layout.positions, "_row"])
