"""Water writes: monthly readings ingest (validated as columns, upserted set-based: COPY + ON CONFLICT on
PostgreSQL, bulk_create elsewhere) and the outlet step workflow."""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited
from tracker.common.tabular import RowError, TableError, read_table
from tracker.common.uploads import delete_on_rollback, storage_name, typed_filename, validate_upload

from ..choices import OUTLET_WORKFLOW, OutletStep
from ..common.workflow import MoveRefused, Stale, compare_and_set
from ..models import OutletStepChange, SewageOutlet, WaterMonthlyReading, WaterSection
from ..permissions import can_act_for_unit, is_unit_scoped
from ..selectors.water import outlet_for_user
from ..standards import water_reading_assess_frame

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
    if text in _BLANK_VALUES:
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


_BLANK_VALUES = ("", "-", "—", "/")
# A value on the 0.001 grid within this tolerance is taken as parsed by pandas (C); any other text (exponents
# aside, signs, full-width digits, 1_000, a 4th decimal that needs Decimal's half-even rounding) goes through
# `_parse_value` once per distinct text.
_GRID_TOLERANCE = 1e-6
_PLAIN_CEILING = float(MAX_VALUE) - 0.5
_LITERAL = "_text_"  # clean frame columns holding each value as the text COPY writes
# a row's errors in the order a row-by-row check finds them: code, month, each value column, "at least one", repeat
_ERROR_ORDER = {
    "section": 0,
    "month": 1,
    **{p: 2 + i for i, p in enumerate(VALUE_COLUMNS)},
    "at_least": 2 + len(VALUE_COLUMNS),
    "dup": 3 + len(VALUE_COLUMNS),
}


def _per_distinct(column: pd.Series, fn) -> pd.Series:
    """`column.map(fn)` computed once per distinct value (uploads repeat codes and months thousands of times)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    results = np.empty(len(distinct), dtype=object)
    results[:] = [fn(v) for v in distinct]
    return pd.Series(results[codes], index=column.index)


def _text_frame(rows: Iterable[Mapping] | pd.DataFrame) -> pd.DataFrame:
    """Canonical columns as stripped text ("" for missing) plus `_row`, from an upload frame or API mappings."""
    names = ("section", "month", *VALUE_COLUMNS)
    if isinstance(rows, pd.DataFrame):
        frame = pd.DataFrame(index=rows.index)
        for name in names:
            column = rows[name] if name in rows else pd.Series("", index=rows.index)
            frame[name] = _per_distinct(column.fillna("").astype(str), str.strip)
        frame["_row"] = rows["_row"].astype("int64") if "_row" in rows else range(1, len(rows) + 1)
        return frame.reset_index(drop=True)

    def text(value, *, falsy_blank: bool) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or (falsy_blank and not value):
            return ""
        return str(value).strip()

    rows = list(rows)
    data: dict[str, list] = {
        # the per-row reader took `row.get(...) or ""` for the code and the month: 0 and False are blank there
        name: [text(r.get(name), falsy_blank=name in ("section", "month")) for r in rows]
        for name in names
    }
    data["_row"] = [int(r.get("_row") or i) for i, r in enumerate(rows, start=1)]
    return pd.DataFrame(data)


def _months(text: pd.Series) -> pd.Series:
    """`_parse_month` over a column (evaluated once per distinct text): dates, None where invalid."""
    return _per_distinct(text, _parse_month)


def water_readings_validate(
    rows: Iterable[Mapping] | pd.DataFrame, *, today: dt.date | None = None
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check every row at once; return the clean rows (class and compliance computed) and all errors found.

    `rows` is an upload frame (canonical columns + `_row`, see READING_COLUMNS) or mappings with those keys.
    Errors come in input order, per row in column order, with the same messages as a row-by-row check; a value
    that is not a plain decimal is read by `_parse_value` (Decimal), everything else as columns.
    The clean frame has section_id, month (date), the value columns (VALUE_COLUMNS: the six parameters, then TN,
    chlorophyll a and transparency; float, exact to 3 decimals, NaN = missing), what `water_reading_assess` says
    of the reading on its section's water body (water_class Int64 and compliant boolean, both nullable;
    data_complete; limiting_factors text), and each value as a numeric literal for COPY (`_text_do` …, "" =
    missing). TN, chla and SD are checked and kept but never class a reading and do not count for
    "至少要填写一项监测指标".
    """
    today = today or timezone.localdate()
    frame = _text_frame(rows)
    found: list[tuple[int, int, RowError]] = []
    row_no = frame["_row"].to_numpy()

    def report(mask: pd.Series, key: str, column: str, message: str) -> None:
        order = _ERROR_ORDER[key]
        found.extend((int(i), order, RowError(int(row_no[i]), column, message)) for i in np.flatnonzero(mask))

    code = frame["section"]
    sections = pd.DataFrame(
        WaterSection.objects.filter(code__in=code.unique().tolist()).values_list(
            "code", "pk", "target_class", "water_body", "river__water_body"
        ),
        columns=["code", "pk", "target_class", "water_body", "river_water_body"],
    ).set_index("code")
    # WaterSection.assessed_as, as a column: the section's own water body, else its river's
    sections["assessed_as"] = sections["water_body"].where(sections["water_body"] != "", sections["river_water_body"])
    section_id = code.map(sections["pk"])
    report(code == "", "section", _column_label("section"), _("断面编码不能为空。"))
    for unknown in code[(code != "") & section_id.isna()].unique():
        report(code == unknown, "section", _column_label("section"), _("断面编码“%(c)s”不存在。") % {"c": unknown[:40]})

    month = _months(frame["month"])
    no_month = month.isna()
    report(no_month, "month", _column_label("month"), _("月份格式应为 2025-03（或 2025-03-01）。"))
    late = _per_distinct(month, lambda m: not pd.isna(m) and m > today.replace(day=1)).astype(bool)
    report(late, "month", _column_label("month"), _("月份不能晚于本月。"))

    values = pd.DataFrame(index=frame.index)
    literals = pd.DataFrame(index=frame.index)
    value_error = pd.Series(False, index=frame.index)
    for name in VALUE_COLUMNS:
        text = frame[name]
        parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            thousandths = parsed * 1000
            rounded = np.round(parsed, 3)
            on_grid = np.abs(thousandths - np.round(thousandths)) < _GRID_TOLERANCE
            # near the ceiling Decimal decides (9999.0000000000000001 is over it, its float is not)
            plain = np.isfinite(parsed) & (parsed >= 0) & (parsed < _PLAIN_CEILING) & on_grid
        plain = pd.Series(plain, index=frame.index)
        number = pd.Series(rounded, index=frame.index).where(plain)
        # what COPY writes: a plain value's own text (numeric(7,3) rounds it exactly as round(x, 3): no ties here)
        literal = text.where(plain, "")
        too_big = plain & (number > float(MAX_VALUE))
        too_big_message = _("数值过大（超过 %(max)s mg/L），请检查单位。") % {"max": MAX_VALUE}
        report(too_big, name, _column_label(name), too_big_message)
        number = number.mask(too_big)
        odd = ~plain & ~text.isin(_BLANK_VALUES)
        if odd.any():
            outcome = _per_distinct(text[odd], _parse_value)
            problem = outcome.map(itemgetter(1))
            for message in problem.dropna().unique():
                report(
                    odd & (problem == message).reindex(frame.index, fill_value=False),
                    name,
                    _column_label(name),
                    message,
                )
            value = outcome.map(lambda o: np.nan if o[0] is None else float(o[0]))
            number = number.fillna(value.reindex(frame.index))
            quantized = outcome.map(lambda o: "" if o[0] is None else str(o[0])).reindex(frame.index)
            literal = literal.mask(odd, quantized)
            too_big |= problem.notna().reindex(frame.index, fill_value=False)
        values[name] = number
        literals[f"{_LITERAL}{name}"] = literal
        if name in PARAMETERS:  # a TN, chla or SD error does not stand for the parameters (as row by row)
            value_error |= too_big
    nothing = values[list(PARAMETERS)].isna().all(axis=1) & ~value_error
    span = f"{_column_label(PARAMETERS[0])}～{_column_label(PARAMETERS[-1])}"
    report(nothing, "at_least", span, _("至少要填写一项监测指标。"))

    keyed = section_id.notna() & month.notna()
    keys = pd.DataFrame({"section": section_id, "month": month})[keyed]
    repeated = keys.duplicated(keep="first")
    if repeated.any():
        numbers = pd.Series(row_no, index=frame.index)[keyed]
        first_row = numbers.groupby([keys["section"], keys["month"]]).transform("first")
        for i in repeated.index[repeated]:
            message = _("与第 %(r)d 行是同一断面同一月份。") % {"r": int(first_row.at[i])}
            found.append((int(i), _ERROR_ORDER["dup"], RowError(int(row_no[i]), _column_label("month"), message)))

    found.sort(key=lambda t: (t[0], t[1]))
    errors = [e for _i, _k, e in found]
    bad = np.zeros(len(frame), dtype=bool)
    bad[[i for i, _k, _e in found]] = True
    good = ~bad
    clean = values[good].copy()
    clean.insert(0, "month", month[good])
    clean.insert(0, "section_id", section_id[good].astype("int64"))
    section_code = code[good]
    assessed = water_reading_assess_frame(
        clean[list(PARAMETERS)],
        target_rank=section_code.map(sections["target_class"]).to_numpy(dtype=np.int64),
        water_body=section_code.map(sections["assessed_as"]).to_numpy(dtype=object),
    )
    clean["water_class"] = assessed["rank"]
    clean["compliant"] = assessed["compliant"]
    clean["data_complete"] = assessed["complete"]
    clean["limiting_factors"] = assessed["limiting_factors"]
    clean = pd.concat([clean, literals[good]], axis=1)
    return clean.reset_index(drop=True), errors


ASSESSMENT_COLUMNS = ("water_class", "compliant", "data_complete", "limiting_factors")
WRITE_COLUMNS = ("section_id", "month", *VALUE_COLUMNS, *ASSESSMENT_COLUMNS, "updated_at")
UPDATE_COLUMNS = (*VALUE_COLUMNS, *ASSESSMENT_COLUMNS, "updated_at")


def _or_none(value):
    """A frame cell as the ORM wants it: NA (pd.NA, NaN) → None, numpy scalars → Python ones."""
    if value is pd.NA or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _upsert_orm(clean: pd.DataFrame) -> None:
    """Portable path (SQLite, the zero-setup default): bulk_create with update_conflicts."""
    readings = [
        WaterMonthlyReading(
            section_id=r["section_id"],
            month=r["month"],
            water_class=_or_none(r["water_class"]),
            compliant=_or_none(r["compliant"]),
            data_complete=bool(r["data_complete"]),
            limiting_factors=r["limiting_factors"],
            **{p: None if r[p] != r[p] else Decimal(f"{r[p]:.3f}") for p in VALUE_COLUMNS},
        )
        for r in clean.to_dict("records")
    ]
    WaterMonthlyReading.objects.bulk_create(
        readings,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["section", "month"],
        update_fields=list(UPDATE_COLUMNS),
    )


def _copy_text(clean: pd.DataFrame) -> str:
    """The rows as COPY csv text, built column-wise from strings (no per-value float formatting). An empty field
    is NULL (a missing value, no class, no verdict); the limiting factors are quoted, so "" is the empty text and
    the commas between factor codes stay inside their field (codes are letters and digits: nothing to escape)."""
    rank = clean["water_class"]
    compliant = clean["compliant"]
    fields = [
        clean["section_id"].astype(str).to_numpy(dtype=object),
        _per_distinct(clean["month"], dt.date.isoformat).to_numpy(dtype=object),
        *(clean[f"{_LITERAL}{p}"].to_numpy(dtype=object) for p in VALUE_COLUMNS),
        np.where(rank.isna(), "", rank.astype(str)).astype(object),
        np.where(compliant.isna(), "", np.where(compliant.fillna(False).to_numpy(dtype=bool), "t", "f")).astype(object),
        np.where(clean["data_complete"].to_numpy(dtype=bool), "t", "f").astype(object),
        ('"' + clean["limiting_factors"].astype(str) + '"').to_numpy(dtype=object),
        np.full(len(clean), timezone.now().isoformat(), dtype=object),
    ]
    return "\n".join(map(",".join, zip(*fields, strict=True))) + "\n"


def _upsert_postgres(clean: pd.DataFrame) -> None:
    """PostgreSQL path, the same statement semantics as `_upsert_orm`: COPY into a temporary table, then one
    INSERT … SELECT … ON CONFLICT (section_id, month) DO UPDATE; the real table's constraints check every row."""
    quote = connection.ops.quote_name  # "do" is a reserved word in PostgreSQL
    table = quote(WaterMonthlyReading._meta.db_table)
    cols = ", ".join(quote(c) for c in WRITE_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in UPDATE_COLUMNS)
    buffer = io.StringIO(_copy_text(clean))
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE water_reading_stage (section_id bigint, month date, "
            + ", ".join(f"{quote(p)} numeric(7, 3)" for p in VALUE_COLUMNS)
            + ", water_class smallint, compliant boolean, data_complete boolean, limiting_factors varchar(60),"
            " updated_at timestamptz) ON COMMIT DROP"
        )
        cur.copy_expert(f"COPY water_reading_stage ({cols}) FROM STDIN WITH (FORMAT csv)", buffer)
        cur.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM water_reading_stage "
            f"ON CONFLICT (section_id, month) DO UPDATE SET {updates}"
        )
        # Dropped now, not only at commit: an enclosing transaction may upsert again before it commits.
        cur.execute("DROP TABLE water_reading_stage")


@transaction.atomic
def water_readings_upsert(
    rows: Iterable[Mapping] | pd.DataFrame, *, today: dt.date | None = None, method: str | None = None
) -> int:
    """Validate the whole batch, then insert or replace each (section, month) in one set-based statement.

    Raises TableError listing every bad row; nothing is written then. Returns the number of rows written.
    Idempotent: sending the same batch twice leaves the same rows. `method` ("orm"/"postgres") forces a path.
    """
    clean, errors = water_readings_validate(rows, today=today)
    if errors:
        raise TableError(errors)
    if not clean.empty:
        method = method or ("postgres" if connection.vendor == "postgresql" else "orm")
        if method == "postgres":
            _upsert_postgres(clean)
        else:
            _upsert_orm(clean)
        # the environmental watch judges the batch in the same transaction: committed readings have their warnings
        from .watch import watch_evaluate

        watch_evaluate(
            source="water",
            subject_ids=clean["section_id"].unique().tolist(),
            first=min(clean["month"]),
            last=max(clean["month"]),
        )
    logger.info("water readings upserted: %d", len(clean))
    return len(clean)


def water_readings_import_table(*, upload, today: dt.date | None = None) -> int:
    """An uploaded .csv / .xlsx (the admin page, the management command) → `water_readings_upsert`."""
    frame = read_table(upload, columns=READING_COLUMNS, required=READING_REQUIRED)
    return water_readings_upsert(frame, today=today)


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
