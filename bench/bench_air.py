"""Air at provincial scale: 1,700 stations × 365 days through the ingest service, and every station's
yearly composite index (HJ 663-2013).

Baselines, measured in the same process on the same rows:
- ingest: a plain PostgreSQL COPY of the finished rows (no validation, no AQI, no upsert) — the floor of
  what writing these rows can cost;
- composite index: a plain pandas groupby-mean of the six columns (no percentiles, no validity).
"""

from __future__ import annotations

import datetime
import io
import logging
import time

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row, alternate, peak_rss_mb

logger = logging.getLogger("bench")

STATIONS = 1700
DAYS = 365
YEAR = 2025
CHUNK_STATIONS = 100  # one ingest call per 100 stations × 365 days = 36,500 rows (a large monthly push)
COLS = ("so2", "no2", "pm10", "co", "o3_8h", "pm25")
ROUNDS = 3  # path and floor alternated, median of 3 after a warm-up round


def _setup(ctx: BenchContext) -> list[int]:
    """The national data set's 1,700 stations (spread over its 2,844 units), without readings: this module
    writes them, through the ingest service."""
    from bench.generate import national

    return [int(i) for i in national(ctx, with_air=False)["stations"]]


def _values(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    from bench.generate import air_values

    return air_values(n, rng)


def _string_frames(codes: list[str]) -> list[pd.DataFrame]:
    """The batches as the monitoring platform sends them: strings, one frame per 100 stations."""
    rng = np.random.default_rng(1)
    days = pd.date_range(f"{YEAR}-01-01", periods=DAYS, freq="D").strftime("%Y-%m-%d")
    frames = []
    for start in range(0, len(codes), CHUNK_STATIONS):
        chunk = codes[start : start + CHUNK_STATIONS]
        n = len(chunk) * DAYS
        df = pd.DataFrame({"station": np.repeat(chunk, DAYS), "date": np.tile(days, len(chunk))})
        for col, values in _values(n, rng).items():
            df[col] = values.astype(str)
        df["_row"] = np.arange(2, n + 2)
        frames.append(df)
    return frames


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE tracker_airdailyreading CASCADE")  # and the watch rows that point at them


def _copy_texts(frames: list[pd.DataFrame], ids: dict[str, int]) -> list[str]:
    """The floor's input, rendered before timing: the same rows as COPY text (AQI columns left empty)."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    texts = []
    for df in frames:
        out = pd.DataFrame({"station_id": df["station"].map(ids), "date": df["date"]})
        for col in COLS:
            out[col] = df[col]
        out["category"] = ""
        out["primary_pollutants"] = ""
        out["updated_at"] = now
        texts.append(out.to_csv(index=False, header=False))
    return texts


def _copy_baseline(texts: list[str]) -> None:
    """COPY the pre-rendered rows in one transaction — raw write speed of PostgreSQL here."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for text in texts:
            cur.copy_expert(
                "COPY tracker_airdailyreading (station_id, date, so2, no2, pm10, co, o3_8h, pm25, category, "
                "primary_pollutants, updated_at) FROM STDIN "
                "WITH (FORMAT csv, FORCE_NOT_NULL (category, primary_pollutants))",
                io.StringIO(text),
            )


def run(ctx: BenchContext) -> list[Row]:
    from tracker.models import AirDailyReading, AirStation
    from tracker.selectors.air import readings_frame
    from tracker.services.air import air_readings_ingest
    from tracker.standards import composite_index_by

    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_air needs PostgreSQL (COPY baseline); skipped")
        return []
    ids_list = _setup(ctx)
    ids = dict(AirStation.objects.filter(pk__in=ids_list).values_list("code", "id"))
    codes = sorted(ids)
    frames = _string_frames(codes)
    total = sum(len(f) for f in frames)
    today = datetime.date(YEAR + 1, 1, 31)

    texts = _copy_texts(frames, ids)

    def ingest():
        for df in frames:
            air_readings_ingest(frame=df, today=today)

    # the service and its floor measured the same way: warmed, alternated, median of ROUNDS, each from empty
    ingest_s, copy_s = alternate(ingest, lambda: _copy_baseline(texts), reset=_truncate, rounds=ROUNDS)
    _truncate()
    ingest()
    assert AirDailyReading.objects.count() == total

    # Re-posting an existing batch takes the update branch of the upsert.
    started = time.perf_counter()
    air_readings_ingest(frame=frames[0], today=today)
    update_s = time.perf_counter() - started

    started = time.perf_counter()
    df = readings_frame(start=datetime.date(YEAR, 1, 1), end=datetime.date(YEAR, 12, 31))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    composite = composite_index_by(df, "station_id")
    composite_s = time.perf_counter() - started
    started = time.perf_counter()
    df.groupby("station_id")[list(COLS)].mean()
    mean_s = time.perf_counter() - started
    assert len(composite) == STATIONS and composite["sufficient"].all()

    note = f"{STATIONS} 站 × {DAYS} 天 = {total:,} 行，每批 {CHUNK_STATIONS * DAYS:,} 行"
    note += f"；中位数 / {ROUNDS} 次，交替，已预热"
    return [
        Row(
            "air ingest (validate + AQI + upsert)", total / ingest_s, "rows/s", "PostgreSQL COPY", total / copy_s, note
        ),
        Row("air ingest wall time", ingest_s, "s", "PostgreSQL COPY", copy_s, note),
        Row(
            "air re-ingest of an existing batch (update path)",
            len(frames[0]) / update_s,
            "rows/s",
            "",
            None,
            f"{len(frames[0]):,} 行",
        ),
        Row(
            "air yearly composite index, all stations",
            composite_s,
            "s",
            "pandas groupby-mean",
            mean_s,
            f"{STATIONS} 站；CO P95、O₃ P90 按 HJ 663-2013 插值，含有效性",
        ),
        Row("air load one year of readings to a frame", load_s, "s", "", None, f"{total:,} 行，一次查询"),
        Row("air peak memory", peak_rss_mb(), "MiB", "", None, ""),
    ]
