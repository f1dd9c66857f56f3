"""Bulk import of a year's targets (目标值) from the downloadable template: validate every row, preview, then
write all or nothing. The admin's permission is checked again here, whatever the view did."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tracker.common import audit
from tracker.common.import_templates import template_workbook
from tracker.common.tabular import RowError, TableError, read_table
from tracker.models import Unit

from .models import MAX_ENTERED_VALUE, Indicator, Target
from .permissions import can_approve

HEADERS = ["单位代码", "单位名称", "指标代码", "指标名称", "年度", "目标值", "基数"]
COLUMNS = {
    "unit": ["单位代码"],
    "unit_name": ["单位名称"],
    "indicator": ["指标代码"],
    "indicator_name": ["指标名称"],
    "year": ["年度"],
    "value": ["目标值"],
    "baseline": ["基数"],
}
REQUIRED = ["unit", "indicator", "year", "value"]


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= MAX_ENTERED_VALUE else None


def targets_template(*, year: int) -> bytes:
    """The template, holding the year's current targets (export → import gives the same rows back)."""
    units = list(Unit.objects.order_by("sort_order", "code").values_list("code", "name"))
    indicators = list(Indicator.objects.order_by("area", "sort_order", "code").values_list("code", "name"))
    rows = [
        [t.unit.code, t.unit.name, t.indicator.code, t.indicator.name, t.year, t.value, t.baseline]
        for t in Target.objects.filter(year=year)
        .select_related("unit", "indicator")
        .order_by("unit__sort_order", "unit__code", "indicator__sort_order", "indicator__code")
    ]
    example = [
        units[0][0] if units else "511112",
        units[0][1] if units else "五通桥区",
        indicators[0][0] if indicators else "good_day_rate",
        indicators[0][1] if indicators else "优良天数率",
        year,
        90,
        88.5,
    ]
    return template_workbook(
        headers=HEADERS,
        rows=rows,
        choices={0: [c for c, _ in units], 2: [c for c, _ in indicators]},
        example=example,
        notes=[
            "单位代码、指标代码：从下拉列表选择；单位名称、指标名称仅供核对，导入时以代码为准。",
            "年度：四位数字；目标值、基数：数字（基数可空）。",
            "同一单位、指标、年度已有目标值的将被更新，其余新增；有一行出错则整表不导入。",
        ],
    )


@dataclass
class TargetImport:
    """What an import would do (or did): rows with their action, and errors by row and column."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    saved: bool = False


def _check(user) -> None:
    if not can_approve(user):
        raise PermissionDenied("只有系统管理员可以导入目标值")


def targets_import(*, user, upload, dry_run: bool = True) -> TargetImport:
    """Validate every row of an uploaded target table; unless `dry_run`, write them all in one transaction.

    Any error (unknown unit or indicator, a year or number that is not one, a key twice in the file) and nothing
    is written; the result lists each error with its row and column.
    """
    _check(user)
    result = TargetImport()
    try:
        frame = read_table(upload, columns=COLUMNS, required=REQUIRED)
    except TableError as exc:
        result.errors = exc.errors
        return result
    units = {code: pk for code, pk in Unit.objects.values_list("code", "pk")}
    indicators = {code: pk for code, pk in Indicator.objects.values_list("code", "pk")}
    seen: dict[tuple, int] = {}
    for rec in frame.to_dict("records"):
        row, errs = rec["_row"], []
        unit_id = units.get(rec["unit"])
        if unit_id is None:
            errs.append(RowError(row, "单位代码", f"没有代码为“{rec['unit']}”的单位"))
        indicator_id = indicators.get(rec["indicator"])
        if indicator_id is None:
            errs.append(RowError(row, "指标代码", f"没有代码为“{rec['indicator']}”的指标"))
        year = int(rec["year"]) if rec["year"].isdigit() and 2000 <= int(rec["year"]) <= 2100 else None
        if year is None:
            errs.append(RowError(row, "年度", "年度须为 2000–2100 的四位数字"))
        value = _number(rec["value"])
        if value is None:
            errs.append(RowError(row, "目标值", "请填写数字"))
        baseline = None
        if rec.get("baseline"):
            baseline = _number(rec["baseline"])
            if baseline is None:
                errs.append(RowError(row, "基数", "请填写数字或留空"))
        key = (unit_id, indicator_id, year)
        if not errs and key in seen:
            errs.append(RowError(row, "", f"与第 {seen[key]} 行重复（同一单位、指标、年度）"))
        seen.setdefault(key, row)
        result.errors.extend(errs)
        result.rows.append(
            {
                "row": row,
                "unit_id": unit_id,
                "indicator_id": indicator_id,
                "year": year,
                "value": value,
                "baseline": baseline,
                "unit": rec["unit"],
                "indicator": rec["indicator"],
                "ok": not errs,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "", "表中没有数据行"))
    existing = {
        (u, i, y): (v, b)
        for u, i, y, v, b in Target.objects.filter(year__in={r["year"] for r in result.rows if r["year"]}).values_list(
            "unit_id", "indicator_id", "year", "value", "baseline"
        )
    }
    for r in result.rows:
        old = existing.get((r["unit_id"], r["indicator_id"], r["year"]))
        r["action"] = "new" if old is None else ("same" if old == (r["value"], r["baseline"]) else "update")
    result.created = sum(r["action"] == "new" for r in result.rows)
    result.updated = sum(r["action"] == "update" for r in result.rows)
    if dry_run or result.errors:
        return result
    _write(user=user, rows=result.rows)
    result.saved = True
    return result


@audit.audited
def _write(*, user, rows: list[dict]) -> None:
    _check(user)  # again, inside the transaction that writes
    with transaction.atomic():
        for r in rows:
            if r["action"] == "same":
                continue
            Target.objects.update_or_create(
                unit_id=r["unit_id"],
                indicator_id=r["indicator_id"],
                year=r["year"],
                defaults={"value": r["value"], "baseline": r["baseline"]},
            )
