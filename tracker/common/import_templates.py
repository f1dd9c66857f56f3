"""Import templates (导入模板): a workbook a person fills in and uploads again.

Sheet 「数据」 has the Chinese headers (and, for a round trip, the current rows); columns with a closed set of
values get a drop-down list (openpyxl data validation) fed from the hidden sheet 「选项」; sheet 「填写说明」 explains
each column and shows an example row. Only 「数据」 is read back (`tracker.common.tabular.read_table` reads the first
sheet), so the example never becomes data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _

from tracker.common.tabular import _safe_cell

DATA_ROWS = 2000  # drop-downs cover this many rows below the header


def template_workbook(
    *,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]] = (),
    choices: dict[int, Sequence[str]] | None = None,
    example: Sequence[object] = (),
    notes: Sequence[str] = (),
) -> bytes:
    """Workbook bytes: data sheet (with drop-downs on the `choices` columns, 0-based), options, instructions."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "数据"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E3F1E4")
    for c, text in enumerate(headers, start=1):
        cell = data.cell(row=1, column=c)
        _safe_cell(cell, str(text))
        cell.font, cell.fill = bold, fill
        data.column_dimensions[get_column_letter(c)].width = max(12, min(40, len(str(text)) * 3 + 4))
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            _safe_cell(data.cell(row=r, column=c), value)
    data.freeze_panes = "A2"
    if choices:
        options = wb.create_sheet("选项")
        for n, (col, values) in enumerate(sorted(choices.items()), start=1):
            letter = get_column_letter(n)
            _safe_cell(options.cell(row=1, column=n), str(headers[col]))
            for r, value in enumerate(values, start=2):
                _safe_cell(options.cell(row=r, column=n), str(value))
            last = max(2, len(values) + 1)
            dv = DataValidation(
                type="list",
                formula1=f"'选项'!${letter}$2:${letter}${last}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("不在可选范围内"),
                error=_("请从下拉列表中选择。"),
            )
            data.add_data_validation(dv)
            target = get_column_letter(col + 1)
            dv.add(f"{target}2:{target}{DATA_ROWS + 1}")
        options.sheet_state = "hidden"
    guide = wb.create_sheet("填写说明")
    _safe_cell(guide.cell(row=1, column=1), _("在「数据」表中逐行填写，表头不要改动；带下拉箭头的列请从列表中选择。"))
    for r, note in enumerate(notes, start=2):
        _safe_cell(guide.cell(row=r, column=1), note)
    if example:
        start = len(notes) + 3
        _safe_cell(guide.cell(row=start, column=1), _("示例（仅供参考，不会导入）："))
        guide.cell(row=start, column=1).font = bold
        for c, text in enumerate(headers, start=1):
            _safe_cell(guide.cell(row=start + 1, column=c), str(text))
            guide.cell(row=start + 1, column=c).font = bold
        for c, value in enumerate(example, start=1):
            _safe_cell(guide.cell(row=start + 2, column=c), value)
    guide.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
