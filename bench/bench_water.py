"""Water at national scale: 3,641 sections × 12 months through the ingest service (validate every row, GB
3838-2002 class and compliance, one upsert), next to a plain PostgreSQL COPY of the same rows.

The rows are the national data set's readings (bench/generate.py), read back as the strings a monitoring
platform would send; the table ends with the service's rows (same values, class recomputed).
"""

from __future__ import annotations

import datetime
import io
import logging
import time

import pandas as pd

from bench.common import BenchContext, Row, alternate

logger = logging.getLogger("bench")
PARAMS = ["do", "codmn", "cod", "bod5", "nh3n", "tp"]
ROUNDS = 3  # path and floor alternated, median of 3 after a warm-up round


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE tracker_watermonthlyreading CASCADE")  # and the watch rows that point at them


def run(ctx: BenchContext) -> list[Row]:
    from django.db import transaction

    from bench.generate import NATIONAL, copy_text, national
    from tracker.models import WaterMonthlyReading
    from tracker.services.water import water_readings_upsert

    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_water needs PostgreSQL (COPY baseline); skipped")
        return []
    national(ctx)
    frame = pd.DataFrame(
        WaterMonthlyReading.objects.filter(month__year=NATIONAL.year).values(
            "section_id", "section__code", "month", *PARAMS, "water_class", "compliant"
        )
    ).sort_values(["section__code", "month"])  # the national year only (bench_watch adds months after it)
    total = len(frame)
    assert total == NATIONAL.sections * 12 == 43_692
    rows = [
        {
            "_row": n + 2,
            "section": r["section__code"],
            "month": r["month"].strftime("%Y-%m"),
            **{p: format(r[p], "f") for p in PARAMS},
        }
        for n, r in enumerate(frame.to_dict("records"))
    ]
    today = datetime.date(NATIONAL.year + 1, 1, 31)

    sql, text = copy_text(WaterMonthlyReading, frame.drop(columns=["section__code"]))  # rendered before timing

    def floor():
        from django.db import connection

        with transaction.atomic(), connection.cursor() as cur:
            cur.cursor.copy_expert(sql, io.StringIO(text))

    # the service and its floor measured the same way: warmed, alternated, median of ROUNDS, each from empty
    ingest_s, copy_s = alternate(
        lambda: water_readings_upsert(rows, today=today), floor, reset=_truncate, rounds=ROUNDS
    )
    _truncate()
    assert water_readings_upsert(rows, today=today) == total
    started = time.perf_counter()
    water_readings_upsert(rows, today=today)  # the same batch again: every row takes the update branch
    update_s = time.perf_counter() - started
    assert WaterMonthlyReading.objects.count() == total

    note = f"{total // 12:,} 断面 × 12 月 = {total:,} 行，一批；中位数 / {ROUNDS} 次，交替，已预热"
    return [
        Row(
            "water ingest (validate + GB 3838 class + upsert)",
            total / ingest_s,
            "rows/s",
            "PostgreSQL COPY",
            total / copy_s,
            note,
        ),
        Row(
            "water re-ingest of the same batch (update path)",
            total / update_s,
            "rows/s",
            "PostgreSQL COPY",
            total / copy_s,
            note,
        ),
    ]
