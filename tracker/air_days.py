"""Keep `AirUnitDay` (a unit's daily mean over its assessment points) up to date, set-based.

The database marks what is stale (triggers of tracker 0020 append `AirUnitDayStale` rows in the writer's own
transaction, whatever the path: upload, API, admin, a raw statement). `air_unit_days_refresh` takes the marks it
can see with one DELETE … RETURNING and recomputes those unit-days from the readings with the same rule every air
statistic uses (`tracker.selectors.air.daily_means`), a chunk of units at a time, then replaces their rows. It
runs after every upload and before every read of the table, so a reader never sees a unit-day older than the
readings committed before it started.

Faults: the refresh is one transaction with the marks it took, so if it fails (or the database goes away) the
marks come back with the rollback and the next refresh does the work. Two refreshes never race: the second waits
on an advisory lock and then finds only what is still stale.
"""

from __future__ import annotations

import io
import logging

import numpy as np
import pandas as pd
from django.db import connection, transaction

from .models import AirUnitDay
from .standards import aqi_day_valid_frame, daily_aqi_frame

logger = logging.getLogger(__name__)

_LOCK = 0x61697264  # "aird": pg_advisory_xact_lock key of the refresh
CHUNK_UNITS = 300  # units recomputed per read of readings (bounds the memory of a full rebuild)
COLUMNS = [
    "unit_id",
    "date",
    "so2",
    "no2",
    "pm10",
    "co",
    "o3_8h",
    "pm25",
    "aqi",
    "valid",
    "aqi_dust",
    "valid_dust",
    "stations",
]


def air_unit_days_refresh() -> int:
    """Recompute every stale unit-day; the number of unit-days recomputed (0 when nothing was stale)."""
    table = AirUnitDay._meta.db_table
    stale = connection.ops.quote_name("tracker_airunitdaystale")
    with connection.cursor() as cursor:  # the common case on a page: nothing stale, a read and no write
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {stale})")
        if not cursor.fetchone()[0]:
            return 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute(f"DELETE FROM {stale} RETURNING unit_id, date")
        marks = cursor.fetchall()
        if not marks:
            return 0
        keys = pd.DataFrame(marks, columns=["unit_id", "day"]).drop_duplicates()
        keys["date"] = pd.to_datetime(keys["day"])  # `day` keeps the datetime.date, `date` matches the readings
        units = sorted(keys["unit_id"].unique().tolist())
        for start in range(0, len(units), CHUNK_UNITS):
            chunk = keys[keys["unit_id"].isin(units[start : start + CHUNK_UNITS])]
            _replace(cursor, table, chunk, _recompute(chunk))
    logger.info("air unit-days refreshed: %s", len(keys))
    return len(keys)


def _recompute(keys: pd.DataFrame) -> pd.DataFrame:
    """The unit-days of `keys` from the readings of the units' assessment points (none for a key that has no
    reading any more)."""
    from .selectors.air import daily_means, readings_frame

    readings = readings_frame(
        start=min(keys["day"]),
        end=max(keys["day"]),
        sand_dust=False,
        station__unit_id__in=keys["unit_id"].unique().tolist(),
        station__counts_for_assessment=True,
    )
    # only the stale days of the chunk's bounding box
    readings = readings.merge(keys[["unit_id", "date"]], on=["unit_id", "date"])
    if readings.empty:
        return pd.DataFrame(columns=COLUMNS)
    days = daily_means(readings, "unit_id")
    # the day were it a sand-dust day: PM10 and PM2.5 invalid, AQI and validity from the rest (apply_sand_dust)
    dusty = days.assign(pm10=np.nan, pm25=np.nan)
    days["aqi_dust"] = daily_aqi_frame(dusty)["aqi"].astype(float).to_numpy()
    days["valid_dust"] = aqi_day_valid_frame(dusty, days["aqi_dust"]).to_numpy()
    counts = readings.groupby(["unit_id", "date"]).size().rename("stations").reset_index()
    return days.merge(counts, on=["unit_id", "date"])[COLUMNS]


def _replace(cursor, table: str, keys: pd.DataFrame, rows: pd.DataFrame) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(
            f"DELETE FROM {table} d USING unnest(%s::int[], %s::date[]) AS k (unit_id, date)"
            " WHERE d.unit_id = k.unit_id AND d.date = k.date",
            [keys["unit_id"].astype(int).tolist(), keys["day"].tolist()],
        )
        if not rows.empty:
            buffer = io.StringIO()
            rows.to_csv(buffer, index=False, header=False, na_rep="", date_format="%Y-%m-%d")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buffer)
        return
    cursor.executemany(
        f"DELETE FROM {table} WHERE unit_id = %s AND date = %s",
        [(int(u), d) for u, d in zip(keys["unit_id"], keys["day"], strict=True)],
    )
    if rows.empty:
        return
    rows = rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d"))  # a DateField reads the ISO text
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    AirUnitDay.objects.bulk_create([AirUnitDay(**r) for r in records], batch_size=500)
