"""Bulk import of tasks (攻坚任务) assigned to units, from the downloadable template: every row validated, a
preview, then all rows through `measure_assign` in one transaction (each unit told in its inbox), or none."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tracker.common.import_templates import template_workbook
from tracker.common.tabular import RowError, TableError, read_table

from .choices import MeasureArea, SourceType
from .models import Unit
from .services.measures import can_assign_measures, measure_assign

HEADERS = ["责任单位代码", "责任单位名称", "任务名称", "领域", "污染源类型", "责任人", "完成时限", "工作要求"]
COLUMNS = {
    "unit": ["责任单位代码"],
    "unit_name": ["责任单位名称"],
    "title": ["任务名称"],
    "area": ["领域"],
    "source_type": ["污染源类型"],
    "responsible_person": ["责任人"],
    "deadline": ["完成时限"],
    "description": ["工作要求"],
}
REQUIRED = ["unit", "title", "area", "responsible_person", "deadline"]


def _labels(choices) -> dict[str, str]:
    """Accept the Chinese label (what the drop-down offers) or the stored value."""
    out = {str(label): value for value, label in choices.choices}
    out.update({value: value for value in choices.values})
    return out


def measures_template() -> bytes:
    units = list(Unit.objects.order_by("sort_order", "code").values_list("code", "name"))
    first = units[0] if units else ("511112", "五通桥区")
    example = [
        first[0],
        first[1],
        "城区道路扬尘专项整治",
        str(MeasureArea.AIR.label),
        str(SourceType.DUST.label),
        "王五",
        (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "主次干道每日机械化湿扫",
    ]
    return template_workbook(
        headers=HEADERS,
        choices={
            0: [c for c, _ in units],
            3: [str(label) for label in MeasureArea.labels],
            4: [str(label) for label in SourceType.labels],
        },
        example=example,
        notes=[
            "责任单位代码、领域、污染源类型：从下拉列表选择；污染源类型只填大气任务。",
            "完成时限：日期（如 2026-12-31），不能早于今天。",
            "每行交办一项任务，任务编号由系统生成；有一行出错则整表不导入。",
        ],
    )


@dataclass
class MeasureImport:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False


def measures_import(*, user, upload, dry_run: bool = True) -> MeasureImport:
    """Validate every row; unless `dry_run`, assign them all (through `measure_assign`) in one transaction."""
    if not can_assign_measures(user):
        raise PermissionDenied("只有市级部门和系统管理员可以交办任务")
    result = MeasureImport()
    try:
        frame = read_table(upload, columns=COLUMNS, required=REQUIRED)
    except TableError as exc:
        result.errors = exc.errors
        return result
    units = dict(Unit.objects.values_list("code", "pk"))
    areas, sources = _labels(MeasureArea), _labels(SourceType)
    today = timezone.localdate()
    for rec in frame.to_dict("records"):
        row, errs = rec["_row"], []
        unit_id = units.get(rec["unit"])
        if unit_id is None:
            errs.append(RowError(row, "责任单位代码", f"没有代码为“{rec['unit']}”的单位"))
        if not rec["title"] or len(rec["title"]) > 200:
            errs.append(RowError(row, "任务名称", "请填写任务名称（不超过 200 字）"))
        area = areas.get(rec["area"])
        if area is None:
            errs.append(RowError(row, "领域", "请从下拉列表选择领域"))
        source = ""
        if rec.get("source_type"):
            source = sources.get(rec["source_type"], "")
            if not source:
                errs.append(RowError(row, "污染源类型", "请从下拉列表选择污染源类型"))
            elif area and area != MeasureArea.AIR:
                errs.append(RowError(row, "污染源类型", "只有大气任务有污染源类型"))
        if not rec["responsible_person"] or len(rec["responsible_person"]) > 40:
            errs.append(RowError(row, "责任人", "请填写责任人（不超过 40 字）"))
        try:
            deadline = datetime.date.fromisoformat(rec["deadline"][:10])
        except ValueError:
            deadline = None
            errs.append(RowError(row, "完成时限", "请填写日期，如 2026-12-31"))
        if deadline and deadline < today:
            errs.append(RowError(row, "完成时限", "完成时限不能早于今天"))
        result.errors.extend(errs)
        result.rows.append(
            {
                "row": row,
                "unit_id": unit_id,
                "unit": rec["unit"],
                "title": rec["title"],
                "area": area,
                "source_type": source,
                "responsible_person": rec["responsible_person"],
                "deadline": deadline,
                "description": rec.get("description", ""),
                "ok": not errs,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "", "表中没有数据行"))
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        zones = dict(Unit.objects.filter(pk__in={r["unit_id"] for r in result.rows}).values_list("pk", "war_zone_id"))
        for r in result.rows:
            measure_assign(
                user=user,
                unit_id=r["unit_id"],
                title=r["title"],
                area=r["area"],
                source_type=r["source_type"],
                deadline=r["deadline"],
                responsible_person=r["responsible_person"],
                description=r["description"],
                war_zone_id=zones.get(r["unit_id"]) if r["area"] == MeasureArea.AIR else None,
            )
    result.saved = True
    return result
