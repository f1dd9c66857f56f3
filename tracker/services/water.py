"""Water writes: monthly readings ingest (validated as a batch, upserted set-based) and the outlet step workflow."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audited
from ..choices import OUTLET_WORKFLOW, OutletStep
from ..common.workflow import MoveRefused, Stale, compare_and_set
from ..models import OutletStepChange, SewageOutlet, WaterMonthlyReading, WaterSection
from ..permissions import can_act_for_unit, is_unit_scoped
from ..selectors.water import outlet_for_user
from ..standards import water_reading_assess
from ..tabular import RowError, TableError
from ..uploads import delete_on_rollback, storage_name, typed_filename, validate_upload

logger = logging.getLogger(__name__)

# canonical column → accepted headers (CSV/XLSX upload); the API uses the canonical names.
READING_COLUMNS: dict[str, tuple[str, ...]] = {
    "section": ("断面编码", "断面代码", "section_code"),
    "month": ("月份", "监测月份"),
    "do": ("溶解氧", "DO"),
    "codmn": ("高锰酸盐指数", "CODMn"),
    "cod": ("化学需氧量", "COD"),
    "bod5": ("五日生化需氧量", "BOD5"),
    "nh3n": ("氨氮", "NH3-N"),
    "tp": ("总磷", "TP"),
    "tn": ("总氮", "TN"),
    "chla": ("叶绿素a", "Chla"),
    "sd": ("透明度", "SD"),
}
READING_REQUIRED = ("section", "month")
PARAMETERS = WaterMonthlyReading.PARAMETERS
# TN, chlorophyll a and transparency are stored for lakes and reservoirs (trophic state) but never class a reading
VALUE_COLUMNS = (*PARAMETERS, "tn", "chla", "sd")
MAX_VALUE = Decimal("9999")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})?日?)?月?$")


def _column_label(name: str) -> str:
    return READING_COLUMNS[name][0]


def _parse_month(text: str) -> dt.date | None:
    match = _MONTH_RE.match(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        return None
    return dt.date(year, month, 1)


def _parse_value(raw) -> tuple[Decimal | None, str | None]:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None, None
    text = str(raw).strip()
    if text in ("", "-", "—", "/"):
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(v)s”不是数字。") % {"v": text[:20]}
    if not value.is_finite() or value < 0:
        return None, _("必须是不小于 0 的数字。")
    if value > MAX_VALUE:
        return None, _("数值过大（超过 %(max)s mg/L），请检查单位。") % {"max": MAX_VALUE}
    return value.quantize(Decimal("0.001")), None


def water_readings_validate(
    rows: Iterable[Mapping], *, today: dt.date | None = None
) -> tuple[list[WaterMonthlyReading], list[RowError]]:
    """Check every row; return unsaved readings (class and compliance computed) and all errors found.

    Each row is a mapping with canonical keys (see READING_COLUMNS) and `_row` (the row number to report).
    """
    today = today or timezone.localdate()
    rows = list(rows)
    codes = {str(r.get("section") or "").strip() for r in rows}
    sections = {
        s.code: s
        for s in WaterSection.objects.filter(code__in=codes)
        .select_related("river")
        .only("pk", "code", "target_class", "water_body", "river__water_body")
    }
    errors: list[RowError] = []
    readings: list[WaterMonthlyReading] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for index, row in enumerate(rows, start=1):
        row_no = int(row.get("_row") or index)
        row_errors: list[RowError] = []
        code = str(row.get("section") or "").strip()
        section = sections.get(code)
        if not code:
            row_errors.append(RowError(row_no, _column_label("section"), _("断面编码不能为空。")))
        elif section is None:
            row_errors.append(
                RowError(row_no, _column_label("section"), _("断面编码“%(c)s”不存在。") % {"c": code[:40]})
            )
        month = _parse_month(str(row.get("month") or ""))
        if month is None:
            row_errors.append(RowError(row_no, _column_label("month"), _("月份格式应为 2025-03（或 2025-03-01）。")))
        elif month > today.replace(day=1):
            row_errors.append(RowError(row_no, _column_label("month"), _("月份不能晚于本月。")))
        values: dict[str, Decimal | None] = {}
        for name in VALUE_COLUMNS:
            value, problem = _parse_value(row.get(name))
            if problem:
                row_errors.append(RowError(row_no, _column_label(name), problem))
            values[name] = value
        parameter_columns = {_column_label(name) for name in PARAMETERS}
        if all(values[name] is None for name in PARAMETERS) and not any(
            e.column in parameter_columns for e in row_errors
        ):
            # name the span of indicator columns, so the error still says where to look
            span = f"{_column_label(PARAMETERS[0])}～{_column_label(PARAMETERS[-1])}"
            row_errors.append(RowError(row_no, span, _("至少要填写一项监测指标。")))
        if section is not None and month is not None:
            key = (section.pk, month)
            if key in seen:
                row_errors.append(
                    RowError(row_no, _column_label("month"), _("与第 %(r)d 行是同一断面同一月份。") % {"r": seen[key]})
                )
            seen.setdefault(key, row_no)
        if row_errors:
            errors.extend(row_errors)
            continue
        assert section is not None and month is not None  # checked above
        assessment = water_reading_assess(
            {k: (float(v) if v is not None else None) for k, v in values.items() if k in PARAMETERS},
            target_rank=section.target_class,
            water_body=section.assessed_as,
        )
        readings.append(
            WaterMonthlyReading(
                section=section,
                month=month,
                water_class=assessment.rank,
                compliant=assessment.compliant,
                data_complete=assessment.complete,
                limiting_factors=",".join(assessment.limiting_factors),
                **values,
            )
        )
    return readings, errors


@transaction.atomic
def water_readings_upsert(rows: Iterable[Mapping], *, today: dt.date | None = None) -> int:
    """Validate the whole batch, then insert or replace each (section, month) in one statement.

    Raises TableError listing every bad row; nothing is written then. Returns the number of rows written.
    Idempotent: sending the same batch twice leaves the same rows.
    """
    readings, errors = water_readings_validate(rows, today=today)
    if errors:
        raise TableError(errors)
    if readings:
        WaterMonthlyReading.objects.bulk_create(
            readings,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["section", "month"],
            update_fields=[
                *VALUE_COLUMNS,
                "water_class",
                "compliant",
                "data_complete",
                "limiting_factors",
                "updated_at",
            ],
        )
        # the environmental watch judges the batch in the same transaction: committed readings have their warnings
        from .watch import watch_evaluate

        months = [r.month for r in readings]
        watch_evaluate(
            source="water", subject_ids={r.section_id for r in readings}, first=min(months), last=max(months)
        )
    logger.info("water readings upserted: %d", len(readings))
    return len(readings)


# --- outlets: 一口一策 -------------------------------------------------------------------------------

OUTLET_DOCUMENT_KINDS = ("image", "pdf", "office")


@audited
def outlet_move(
    *,
    user,
    outlet_id: int,
    to_step: str,
    expected_version: int,
    work_date: dt.date,
    note: str,
    document=None,
    reason: str = "",
) -> SewageOutlet:
    """Move an outlet to an adjacent-forward or an earlier step, recording who, when, from, to, note and file.

    Only an official of the outlet's unit may move it. Forward moves go one step at a time and need a plan or
    evidence file; backward moves need a reason. Compare-and-set on `version`: a concurrent move fails clearly.
    """
    outlet = outlet_for_user(user, outlet_id, "view")
    if not is_unit_scoped(user) or not can_act_for_unit(user, outlet.unit_id, "report"):
        raise PermissionDenied(_("只有该排口所属单位的填报员可以推进环节。"))
    if outlet.version != expected_version:
        # someone moved it since the page was loaded: say so, rather than judge the move against the new step
        raise Stale()
    from_step = outlet.step
    try:
        move = OUTLET_WORKFLOW.check(from_step, to_step, user)
    except MoveRefused as exc:
        raise ValidationError(
            _("不能从“%(a)s”直接变更为“%(b)s”：只能前进一个环节，或退回之前的环节。")
            % {"a": OUTLET_WORKFLOW.label(from_step), "b": OUTLET_WORKFLOW.label(to_step)}
        ) from exc
    backward = move.needs_reason  # a backward move
    note = (note or "").strip()
    reason = (reason or "").strip()
    if backward and not reason:
        raise ValidationError(_("退回之前的环节必须填写退回原因。"))
    if not note:
        raise ValidationError(_("请填写工作说明。"))
    today = timezone.localdate()
    if work_date > today:
        raise ValidationError(_("工作日期不能晚于今天。"))
    last = outlet.changes.order_by("-work_date", "-created_at", "-pk").first()
    if last is not None and work_date < last.work_date:
        raise ValidationError(_("工作日期不能早于上一次环节变更（%(d)s）。") % {"d": last.work_date.isoformat()})
    if not backward and document is None:
        raise ValidationError(_("推进环节需上传方案或佐证材料（图片、PDF 或 Word/Excel）。"))
    mime = validate_upload(document, kinds=OUTLET_DOCUMENT_KINDS) if document is not None else None
    compare_and_set(
        SewageOutlet.objects, pk=outlet.pk, expected_version=expected_version, state_field="step", state=from_step,
        step=to_step,
    )  # fmt: skip
    change = OutletStepChange(
        outlet=outlet,
        from_step=from_step,
        to_step=to_step,
        actor=user,
        created_at=timezone.now(),
        work_date=work_date,
        note=f"{_('退回原因')}：{reason}\n{note}" if backward else note,
    )
    with delete_on_rollback() as files:
        if document is not None and mime is not None:
            change.document_name = typed_filename(document.name, mime)
            files.save(change.document, storage_name(f"outlets/{outlet.pk}", document.name, mime), document)
        change.save()
        outlet.refresh_from_db()
    return outlet


@audited
def outlet_register(*, outlet: SewageOutlet, user, work_date: dt.date, note: str = "") -> SewageOutlet:
    """Save a newly found outlet at 排查 together with its first history row, so the history starts with it.

    Registration is an admin task (Django admin); officials then move the outlet through the steps.
    """
    outlet.step = OutletStep.SURVEY
    outlet.version = 0
    outlet.save()
    OutletStepChange.objects.create(
        outlet=outlet,
        from_step="",
        to_step=OutletStep.SURVEY,
        actor=user,
        created_at=timezone.now(),
        work_date=work_date,
        note=note or _("登记入河排污口，进入排查环节。"),
    )
    return outlet


@dataclass(frozen=True)
class OutletStepRecord:
    """One dated entry of an outlet's history, for `outlets_history_replay`."""

    to_step: str
    work_date: dt.date
    note: str
    reason: str = ""
    document: str = ""  # a stored file's name (already in storage)
    document_name: str = ""


@transaction.atomic
def outlets_history_replay(
    *, histories: list[tuple[SewageOutlet, Any, list[OutletStepRecord]]], today: dt.date | None = None
) -> None:
    """The bulk variant of `outlet_register` + `outlet_move`, for seeding a history in one go.

    Each outlet (saved at 排查, version 0) gets its registration row, then walks its dated steps; each step is
    refused as `outlet_move` would refuse it: the move must be in OUTLET_WORKFLOW, a backward move needs a
    reason and a forward one a document, work dates run forward and never past today, and where an actor is
    given (the demo may have none) it must be an official of the outlet's unit. Rows are written in bulk.
    """
    today = today or timezone.localdate()
    changes: list[OutletStepChange] = []
    reach: dict[tuple[int, int], bool] = {}
    for outlet, actor, steps in histories:
        if actor is not None:
            key = (actor.pk, outlet.unit_id)
            if key not in reach:
                reach[key] = is_unit_scoped(actor) and can_act_for_unit(actor, outlet.unit_id, "report")
            if not reach[key]:
                raise PermissionDenied(_("只有该排口所属单位的填报员可以推进环节。"))
        first, *moves = steps
        if first.to_step != OutletStep.SURVEY:
            raise ValidationError(_("排污口登记后从“排查”开始。"))
        outlet.step, outlet.version, last_date = OutletStep.SURVEY, 0, first.work_date
        entries = [(first, "")]
        for step in moves:
            move = OUTLET_WORKFLOW.get(outlet.step, step.to_step)
            if move is None:
                raise ValidationError(
                    _("不能从“%(a)s”直接变更为“%(b)s”：只能前进一个环节，或退回之前的环节。")
                    % {"a": OUTLET_WORKFLOW.label(outlet.step), "b": OUTLET_WORKFLOW.label(step.to_step)}
                )
            if move.needs_reason and not step.reason.strip():
                raise ValidationError(_("退回之前的环节必须填写退回原因。"))
            if not move.needs_reason and not step.document:
                raise ValidationError(_("推进环节需上传方案或佐证材料（图片、PDF 或 Word/Excel）。"))
            if step.work_date > today or step.work_date < last_date:
                raise ValidationError(_("工作日期不能晚于今天，也不能早于上一次环节变更。"))
            entries.append((step, outlet.step))
            outlet.step, outlet.version, last_date = step.to_step, outlet.version + 1, step.work_date
        tz = timezone.get_current_timezone()
        for position, (step, from_step) in enumerate(entries):
            backward = bool(step.reason)
            changes.append(
                OutletStepChange(
                    outlet=outlet,
                    from_step=from_step,
                    to_step=step.to_step,
                    actor=actor,
                    created_at=dt.datetime.combine(step.work_date, dt.time(10, position % 60), tzinfo=tz),
                    work_date=step.work_date,
                    note=f"{_('退回原因')}：{step.reason}\n{step.note}" if backward else step.note,
                    document=step.document,
                    document_name=step.document_name,
                )
            )
    OutletStepChange.objects.bulk_create(changes, batch_size=2000)
    SewageOutlet.objects.bulk_update([o for o, _a, _s in histories], ["step", "version"], batch_size=500)
