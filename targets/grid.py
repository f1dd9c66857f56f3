"""The data-entry grid (填报表格): a unit's entered indicators × months of a year, saved or submitted in one go,
and the approval of many values at once.

Its own module rather than more lines in `services.py`: the grid is a read (the cells as a person sees them) and a
write (the cells they typed) over one shape, and every write still goes through the value services
(`data_value_save`, `data_value_submit`, `data_value_approve`, `data_value_return`), so the workflow, the
compare-and-set versions and the event rows stay in one place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tracker.common.workflow import STALE_MESSAGE
from tracker.permissions import can_act_for_unit

from . import services
from .choices import EDITABLE_STATUSES, ValueStatus
from .models import MAX_ENTERED_VALUE, DataValue, DataValueEvent, Indicator
from .permissions import can_approve
from .selectors import entered_indicators

# Column order: the twelve months, then the whole year (month 0).
MONTHS: tuple[int, ...] = (*range(1, 13), 0)


@dataclass
class Cell:
    """One indicator × month as the grid shows it: the open (not yet approved) row and the live approved row."""

    indicator: Indicator
    month: int
    open_row: DataValue | None = None
    current: DataValue | None = None
    returned_note: str = ""
    typed: str | None = None  # what the person typed, shown again when the grid comes back with errors
    error: str = ""

    @property
    def name(self) -> str:
        return f"v-{self.indicator.pk}-{self.month}"

    @property
    def token_name(self) -> str:
        return f"t-{self.indicator.pk}-{self.month}"

    @property
    def token(self) -> str:
        """What the cell was when the page was drawn; a different token at save time means someone else moved it."""
        if self.open_row is not None:
            return f"{self.open_row.pk}.{self.open_row.version}"
        return f"a{self.current.pk}" if self.current is not None else "-"

    @property
    def row(self) -> DataValue | None:
        return self.open_row or self.current

    @property
    def status(self) -> str:
        return self.row.status if self.row is not None else ""

    @property
    def editable(self) -> bool:
        """Empty cells and drafts or returned values; submitted and approved ones are locked here
        (an approved value is corrected on the entry page, with a reason)."""
        if self.open_row is not None:
            return self.open_row.status in EDITABLE_STATUSES
        return self.current is None

    @property
    def shown(self) -> str:
        if self.typed is not None:
            return self.typed
        return "" if self.row is None else f"{self.row.value:g}"


@dataclass
class GridRow:
    indicator: Indicator
    cells: list[Cell] = field(default_factory=list)

    @property
    def range(self) -> tuple[float, float]:
        return self.indicator.entry_range

    @property
    def range_label(self) -> str:
        low, high = self.range
        return f"{low:g}–{high:g}" if high < MAX_ENTERED_VALUE else f"≥ {low:g}"


def value_grid(*, unit_id: int, year: int, lock: bool = False) -> list[GridRow]:
    """The grid of a unit and year: one row per entered indicator, one cell per month (and the whole year).

    Three queries whatever the size: indicators, the live values, the notes of the returned ones.
    """
    indicators = list(entered_indicators())
    values = DataValue.objects.filter(
        unit_id=unit_id, year=year, indicator__in=[i.pk for i in indicators], superseded_at__isnull=True
    )
    if lock:
        values = values.select_for_update()
    by_key: dict[tuple[int, int], dict[str, DataValue]] = {}
    for v in values:
        slot = "current" if v.status == ValueStatus.APPROVED else "open_row"
        by_key.setdefault((v.indicator_id, v.month), {})[slot] = v
    returned = [
        d["open_row"].pk for d in by_key.values() if "open_row" in d and d["open_row"].status == ValueStatus.RETURNED
    ]
    notes: dict[int, str] = {}
    for e in DataValueEvent.objects.filter(value_id__in=returned, to_status=ValueStatus.RETURNED).order_by("at", "pk"):
        notes[e.value_id] = e.note  # the latest return wins
    rows = []
    for ind in indicators:
        row = GridRow(indicator=ind)
        for month in MONTHS:
            d = by_key.get((ind.pk, month), {})
            cell = Cell(indicator=ind, month=month, open_row=d.get("open_row"), current=d.get("current"))
            if cell.open_row is not None:
                cell.returned_note = notes.get(cell.open_row.pk, "")
            row.cells.append(cell)
        rows.append(row)
    return rows


def parse_cell(cell: Cell, typed: str) -> float:
    """The typed text as a number within the indicator's range, or a ValidationError with the reason."""
    text = typed.strip().replace(",", "").replace("，", "")
    try:
        value = float(text)
    except ValueError as exc:
        raise ValidationError("请输入数字") from exc
    if not math.isfinite(value):
        raise ValidationError("请输入数字")
    low, high = cell.indicator.entry_range
    if not low <= value <= high:
        raise ValidationError(f"数值须在 {low:g} 至 {high:g} 之间")
    return value


@dataclass
class GridResult:
    rows: list[GridRow]
    saved: int = 0
    submitted: int = 0

    @property
    def errors(self) -> list[Cell]:
        return [c for r in self.rows for c in r.cells if c.error]


def value_grid_save(*, user, unit_id: int, year: int, data: Mapping[str, str], submit: bool = False) -> GridResult:
    """Save the typed cells of a grid as drafts and, with `submit`, submit every draft and returned value of it.

    All or nothing: one cell that is not a number, out of range, or changed by someone else since the page was
    drawn (its token differs: 已被他人修改) and nothing is written; the result carries each cell's error and what
    was typed, so the grid can be shown again as it was.
    """
    if not can_act_for_unit(user, unit_id, "report"):
        raise PermissionDenied("只能为本单位填报数据")
    with transaction.atomic():
        rows = value_grid(unit_id=unit_id, year=year, lock=True)
        result = GridResult(rows=rows)
        posted = [c for r in rows for c in r.cells if c.name in data]
        for cell in posted:
            cell.typed = data[cell.name]
            if data.get(cell.token_name) != cell.token:
                cell.error = STALE_MESSAGE
                continue
            if not cell.editable:
                continue
            if not cell.typed.strip():
                if cell.open_row is not None:
                    cell.error = "已保存的数据不能清空，请改为正确数值"
                continue
            try:
                value = parse_cell(cell, cell.typed)
                if cell.open_row is None or cell.open_row.value != value:
                    services.data_value_save(
                        user=user,
                        indicator=cell.indicator,
                        unit_id=unit_id,
                        year=year,
                        month=cell.month,
                        value=value,
                        note=cell.open_row.note if cell.open_row else "",
                        verified=cell.open_row.verified if cell.open_row else False,
                    )
                    result.saved += 1
            except (ValidationError, PermissionDenied) as exc:
                cell.error = "；".join(getattr(exc, "messages", None) or [str(exc)])
        if submit and not result.errors:
            for cell in posted:
                if not cell.editable or cell.error or not cell.typed.strip():
                    continue
                row = DataValue.objects.get(
                    indicator=cell.indicator, unit_id=unit_id, year=year, month=cell.month, status__in=EDITABLE_STATUSES
                )
                try:
                    services.data_value_submit(user=user, value_id=row.pk, version=row.version)
                    result.submitted += 1
                except (ValidationError, PermissionDenied) as exc:
                    cell.error = "；".join(getattr(exc, "messages", None) or [str(exc)])
        if result.errors:
            transaction.set_rollback(True)
            result.saved = result.submitted = 0
    return result


def data_values_decide(*, user, decisions: list[tuple[int, int]], approve: bool, note: str = "") -> int:
    """Approve (or return with one reason) many submitted values at once, all or nothing.

    `decisions` are (value id, version as shown); any value moved meanwhile stops the whole batch with
    已被他人修改 and the value named. Returns how many were decided.
    """
    if not can_approve(user):
        raise PermissionDenied("只有系统管理员可以审核")
    if not decisions:
        raise ValidationError("请先勾选要审核的数据")
    if not approve and not note.strip():
        raise ValidationError("退回须填写原因")
    with transaction.atomic():
        for pk, version in decisions:
            try:
                if approve:
                    services.data_value_approve(user=user, value_id=pk, version=version)
                else:
                    services.data_value_return(user=user, value_id=pk, version=version, note=note)
            except DataValue.DoesNotExist as exc:
                raise ValidationError(STALE_MESSAGE) from exc
            except ValidationError as exc:
                label = DataValue.objects.select_related("unit", "indicator").filter(pk=pk).first()
                raise ValidationError(f"{label or pk}：{'；'.join(exc.messages)}") from exc
    return len(decisions)
