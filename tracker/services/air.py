"""Writes for air: bulk upsert of daily readings (JSON endpoint, CSV/XLSX upload, management command).

Every path goes through `air_readings_ingest`: the whole batch is validated first (each problem with its
row and column, in Chinese); if anything is wrong nothing is written. Then AQI, category and primary
pollutants are computed for the whole batch at once (`standards.daily_aqi_frame`) and written in one
transaction with one set-based upsert — posting the same station-day twice updates it, never duplicates.
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.tabular import RowError, TableError, read_table

from ..common.access import has_cap
from ..models import AirDailyReading, AirStation
from ..standards import daily_aqi_frame

logger = logging.getLogger(__name__)

POLLUTANT_COLUMNS = ("so2", "no2", "pm10", "co", "o3_8h", "pm25")
# Header texts accepted for each column in an uploaded table (canonical name first is also accepted).
READING_COLUMNS: dict[str, list[str]] = {
    "station": ["站点编码", "站点代码", "站点", "station_code"],
    "date": ["日期", "监测日期"],
    "so2": ["SO2", "SO₂", "二氧化硫"],
    "no2": ["NO2", "NO₂", "二氧化氮"],
    "pm10": ["PM10", "可吸入颗粒物"],
    "co": ["CO", "CO(mg/m³)", "CO(mg/m3)", "一氧化碳"],
    "o3_8h": ["O3_8h", "O₃_8h", "O3-8h", "O3", "臭氧", "臭氧8小时"],
    "pm25": ["PM2.5", "PM2_5", "细颗粒物"],
}
# Plausibility ceilings: well above anything HJ 633-2012's tables reach, below obvious unit mix-ups
# (e.g. CO sent in µg/m³).
MAX_VALUE = {"so2": 5000.0, "no2": 3000.0, "pm10": 3000.0, "co": 150.0, "o3_8h": 2000.0, "pm25": 2000.0}
BATCH_SIZE = 5000


@dataclass(frozen=True)
class IngestResult:
    """What an ingest wrote: rows upserted, stations touched and the date span."""

    rows: int
    stations: int
    first_date: datetime.date | None
    last_date: datetime.date | None


def _errors_at(frame: pd.DataFrame, mask: pd.Series, column: str, message: str) -> list[RowError]:
    # every error, not the first N: the upload page counts them all per column (`tabular.error_report`)
    return [RowError(int(r), column, message) for r in frame.loc[mask, "_row"]]


def validate_readings(
    frame: pd.DataFrame, *, today: datetime.date | None = None
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check a frame of strings (columns of `READING_COLUMNS` + `_row`) in a fixed number of queries.

    Returns the clean frame (station_id, date, six floats with NaN for missing) and the problems found.
    """
    today = today or timezone.localdate()
    frame = frame.reset_index(drop=True)
    for col in ("station", "date", *POLLUTANT_COLUMNS):
        if col not in frame:
            frame[col] = ""
        frame[col] = frame[col].fillna("").astype(str).str.strip()
    errors: list[RowError] = []

    codes = frame["station"]
    stations = dict(
        AirStation.objects.filter(code__in=codes.unique().tolist(), is_active=True).values_list("code", "id")
    )
    station_id = codes.map(stations)
    errors += _errors_at(frame, codes == "", "站点编码", _("站点编码不能为空。"))
    unknown = (codes != "") & station_id.isna()
    message = _("站点编码“%(code)s”不存在或已停用。")
    errors += [
        RowError(int(r), "站点编码", message % {"code": code})
        for r, code in zip(frame.loc[unknown, "_row"], codes[unknown], strict=True)
    ]

    dates = pd.to_datetime(frame["date"].str.replace("/", "-", regex=False), format="%Y-%m-%d", errors="coerce")
    errors += _errors_at(frame, dates.isna(), "日期", _("日期无效，应为 YYYY-MM-DD，如 2026-01-31。"))
    errors += _errors_at(frame, dates > pd.Timestamp(today), "日期", _("日期不能晚于今天。"))

    clean = pd.DataFrame({"station_id": station_id, "date": dates.dt.date, "_row": frame["_row"]})
    any_value = pd.Series(False, index=frame.index)
    for col in POLLUTANT_COLUMNS:
        raw = frame[col]
        values = pd.to_numeric(raw, errors="coerce")
        present = raw != ""
        label = READING_COLUMNS[col][0]
        errors += _errors_at(frame, present & values.isna(), label, _("不是数字。"))
        errors += _errors_at(frame, values < 0, label, _("浓度不能为负数。"))
        errors += _errors_at(
            frame,
            values > MAX_VALUE[col],
            label,
            _("超出合理范围（不大于 %(max)s），请检查单位。") % {"max": f"{MAX_VALUE[col]:g}"},
        )
        any_value |= values.notna()
        clean[col] = values.astype(float)
    span = f"{READING_COLUMNS[POLLUTANT_COLUMNS[0]][0]}～{READING_COLUMNS[POLLUTANT_COLUMNS[-1]][0]}"
    errors += _errors_at(frame, ~any_value, span, _("六项污染物至少要填一项。"))

    keyed = clean["station_id"].notna() & clean["date"].notna()
    dup = keyed & clean.duplicated(subset=["station_id", "date"], keep="first")
    if dup.any():
        # each repeated station-day names the row where it first appeared (one groupby, not a lookup per row)
        first = clean[keyed].groupby(["station_id", "date"])["_row"].transform("first")
        message = _("与第 %(row)d 行是同一站点同一天，重复。")
        errors += [
            RowError(int(r), "日期", message % {"row": int(f)})
            for r, f in zip(clean.loc[dup, "_row"], first[dup[keyed]], strict=True)
        ]
    errors.sort(key=lambda e: (e.row, e.column))
    return clean, errors


def _computed_frame(clean: pd.DataFrame) -> pd.DataFrame:
    """The rows to write: ids, date, six values, and the AQI columns computed for the whole batch at once."""
    computed = daily_aqi_frame(clean)
    out = clean[["station_id", "date", *POLLUTANT_COLUMNS]].copy()
    out["station_id"] = out["station_id"].astype(int)
    out["aqi"] = computed["aqi"]
    out["category"] = computed["category"]
    out["primary_pollutants"] = computed["primary"]
    out["updated_at"] = timezone.now()
    return out


WRITE_COLUMNS = ("station_id", "date", *POLLUTANT_COLUMNS, "aqi", "category", "primary_pollutants", "updated_at")
UPDATE_COLUMNS = (*POLLUTANT_COLUMNS, "aqi", "category", "primary_pollutants", "updated_at")


def _upsert_orm(rows: pd.DataFrame) -> None:
    """Portable path (SQLite, the zero-setup default): bulk_create with update_conflicts, in batches."""
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    AirDailyReading.objects.bulk_create(
        [AirDailyReading(**r) for r in records],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["station", "date"],
        update_fields=list(UPDATE_COLUMNS),
    )


def _upsert_postgres(rows: pd.DataFrame) -> None:
    """PostgreSQL path, same statement semantics as `_upsert_orm` but ~5× faster on large batches: COPY the
    batch into a temporary table, then one INSERT … SELECT … ON CONFLICT (station_id, date) DO UPDATE.
    Building hundreds of thousands of model instances and a parameter per cell is what `bulk_create` spends
    its time on; the database constraints on the real table still check every row."""
    table = connection.ops.quote_name(AirDailyReading._meta.db_table)
    cols = ", ".join(WRITE_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATE_COLUMNS)
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False, header=False, columns=list(WRITE_COLUMNS), na_rep="", date_format="%Y-%m-%d")
    buffer.seek(0)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE air_reading_stage (station_id bigint, date date, so2 double precision, "
            "no2 double precision, pm10 double precision, co double precision, o3_8h double precision, "
            "pm25 double precision, aqi smallint, category varchar(8), primary_pollutants varchar(40), "
            "updated_at timestamptz) ON COMMIT DROP"
        )
        cur.copy_expert(
            f"COPY air_reading_stage ({cols}) FROM STDIN "
            "WITH (FORMAT csv, FORCE_NOT_NULL (category, primary_pollutants))",
            buffer,
        )
        cur.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM air_reading_stage "
            f"ON CONFLICT (station_id, date) DO UPDATE SET {updates}"
        )
        # Dropped now, not only at commit: an enclosing transaction may upsert again before it commits.
        cur.execute("DROP TABLE air_reading_stage")


@transaction.atomic
def _upsert(clean: pd.DataFrame, *, method: str | None = None) -> IngestResult:
    """Write a validated batch in one transaction, set-based (`method` "orm"/"postgres" forces a path)."""
    rows = _computed_frame(clean)
    if rows.empty:
        return IngestResult(rows=0, stations=0, first_date=None, last_date=None)
    method = method or ("postgres" if connection.vendor == "postgresql" else "orm")
    if method == "postgres":
        _upsert_postgres(rows)
    else:
        _upsert_orm(rows)
    return IngestResult(
        rows=len(rows),
        stations=int(rows["station_id"].nunique()),
        first_date=min(rows["date"]),
        last_date=max(rows["date"]),
    )


def air_readings_ingest(*, frame: pd.DataFrame, user=None, today: datetime.date | None = None) -> IngestResult:
    """Validate and upsert a batch of readings (a frame of strings with `_row`). All or nothing.

    `user` is the person uploading through the site (must be an admin); machine paths (token endpoint,
    management command) pass None, their authentication having been checked by the caller.
    Raises `TableError` listing every problem (up to 200) when any row is bad.
    """
    if user is not None and not has_cap(user, "import_readings"):
        raise PermissionDenied(_("只有系统管理员可以导入监测数据。"))
    if frame.empty:
        raise TableError([RowError(0, "", _("没有数据行。"))])
    clean, errors = validate_readings(frame, today=today)
    if errors:
        raise TableError(errors)
    with transaction.atomic():
        result = _upsert(clean)
        if result.rows and result.first_date is not None and result.last_date is not None:
            # the environmental watch judges the batch in the same transaction: committed readings have their warnings
            from .watch import watch_evaluate

            watch_evaluate(
                source="air",
                subject_ids=clean["station_id"].unique().tolist(),
                first=result.first_date,
                last=result.last_date,
            )
    logger.info("air readings upserted: %s rows, %s stations", result.rows, result.stations)
    transaction.on_commit(_refresh_unit_days_later, robust=True)
    return result


def _refresh_unit_days_later() -> None:
    """After an upload commits, a worker recomputes the unit-days it made stale (`tracker.air_days`), so the next
    scoring run or page finds them done. When the broker is down the marks simply wait: every reader of the
    unit-days refreshes what is still stale before it reads."""
    from ..tasks import air_unit_days_refresh

    try:
        air_unit_days_refresh.delay()
    except Exception:  # the broker is down: nothing is lost, the next reader does the work
        logger.warning("air unit-days refresh not sent; the next reader refreshes", exc_info=True)


def air_readings_import_table(*, upload, user=None, today: datetime.date | None = None) -> IngestResult:
    """An uploaded .csv / .xlsx (or a file opened by the management command) → `air_readings_ingest`."""
    frame = read_table(upload, columns=READING_COLUMNS, required=["station", "date"])
    return air_readings_ingest(frame=frame, user=user, today=today)


def air_readings_import_records(*, records, today: datetime.date | None = None) -> IngestResult:
    """A JSON list of objects (`station`, `date`, `so2` … `pm25`) → `air_readings_ingest`.

    Row numbers in errors are the list index + 1 (the endpoint reports `index`, 0-based).
    """
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise TableError([RowError(0, "", _("readings 必须是对象数组。"))])
    if len(records) > 200_000:
        raise TableError([RowError(0, "", _("一次最多提交 200000 条，请分批提交。"))])
    cols = ("station", "date", *POLLUTANT_COLUMNS)
    data = {c: ["" if r.get(c) is None else str(r.get(c)) for r in records] for c in cols}
    # JSON booleans would stringify to "True"; refuse them as non-numbers.
    for c in POLLUTANT_COLUMNS:
        data[c] = ["x" if isinstance(r.get(c), bool) else v for r, v in zip(records, data[c], strict=True)]
    frame = pd.DataFrame(data)
    frame["_row"] = np.arange(1, len(records) + 1)
    return air_readings_ingest(frame=frame, today=today)
