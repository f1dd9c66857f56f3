"""Drinking-water source quality ingest: monthly readings validated as a batch, class and compliance computed, upserted
in one statement, then judged by the watch rules in the same transaction (the water ingest's twin)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.tabular import RowError, TableError

from ..choices import DRINKING_TARGET_CLASS
from ..models import DrinkingWaterReading, DrinkingWaterSource
from ..standards import WATER_CLASS_RANK, water_class
from .water import _parse_month, _parse_value

logger = logging.getLogger(__name__)

PARAMETERS = ("do", "codmn", "cod", "bod5", "nh3n", "tp")
READING_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("水源地名称", "水源地", "source"),
    "month": ("月份", "监测月份"),
    "do": ("溶解氧", "DO"),
    "codmn": ("高锰酸盐指数", "CODMn"),
    "cod": ("化学需氧量", "COD"),
    "bod5": ("五日生化需氧量", "BOD5"),
    "nh3n": ("氨氮", "NH3-N"),
    "tp": ("总磷", "TP"),
}
READING_REQUIRED = ("source", "month")


def _label(name: str) -> str:
    return READING_COLUMNS[name][0]


def drinking_readings_validate(
    rows: Iterable[Mapping], *, today: dt.date | None = None
) -> tuple[list[DrinkingWaterReading], list[RowError]]:
    """Check every row (source by its registered name); unsaved readings with class and compliance, and all errors."""
    today = today or timezone.localdate()
    rows = list(rows)
    names = {str(r.get("source") or "").strip() for r in rows}
    sources = {s.name: s for s in DrinkingWaterSource.objects.filter(name__in=names)}
    errors: list[RowError] = []
    readings: list[DrinkingWaterReading] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for index, row in enumerate(rows, start=1):
        row_no = int(row.get("_row") or index)
        before = len(errors)
        name = str(row.get("source") or "").strip()
        source = sources.get(name)
        if not name:
            errors.append(RowError(row_no, _label("source"), _("水源地名称不能为空。")))
        elif source is None:
            errors.append(RowError(row_no, _label("source"), _("水源地“%(n)s”未登记。") % {"n": name[:40]}))
        month = _parse_month(str(row.get("month") or ""))
        if month is None:
            errors.append(RowError(row_no, _label("month"), _("月份格式应为 2025-03（或 2025-03-01）。")))
        elif month > today.replace(day=1):
            errors.append(RowError(row_no, _label("month"), _("月份不能晚于本月。")))
        values: dict[str, Decimal | None] = {}
        value_problems = False
        for p in PARAMETERS:
            value, problem = _parse_value(row.get(p))
            if problem:
                errors.append(RowError(row_no, _label(p), problem))
                value_problems = True
            values[p] = value
        if all(v is None for v in values.values()) and not value_problems:
            errors.append(RowError(row_no, f"{_label('do')}～{_label('tp')}", _("至少要填写一项监测指标。")))
        if source is not None and month is not None:
            key = (source.pk, month)
            if key in seen:
                errors.append(
                    RowError(row_no, _label("month"), _("与第 %(r)d 行是同一水源地同一月份。") % {"r": seen[key]})
                )
            seen.setdefault(key, row_no)
        if len(errors) > before:
            continue
        label = water_class({k: float(v) for k, v in values.items() if v is not None})
        assert label is not None and source is not None and month is not None  # refused above otherwise
        rank = WATER_CLASS_RANK[label]
        readings.append(
            DrinkingWaterReading(
                source=source, month=month, water_class=rank, compliant=rank <= DRINKING_TARGET_CLASS, **values
            )
        )
    return readings, errors


@transaction.atomic
def drinking_readings_upsert(rows: Iterable[Mapping], *, today: dt.date | None = None) -> int:
    """Validate the whole batch (TableError lists every bad row; nothing written), then insert or replace each
    (source, month) and judge the batch with the watch rules. Idempotent. Returns the rows written."""
    readings, errors = drinking_readings_validate(rows, today=today)
    if errors:
        raise TableError(errors)
    if readings:
        DrinkingWaterReading.objects.bulk_create(
            readings,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["source", "month"],
            update_fields=[*PARAMETERS, "water_class", "compliant", "updated_at"],
        )
        from .watch import watch_evaluate

        months = [r.month for r in readings]
        watch_evaluate(
            source="drinking", subject_ids={r.source_id for r in readings}, first=min(months), last=max(months)
        )
    logger.info("drinking-water readings upserted: %d", len(readings))
    return len(readings)
