"""Water at national scale: 3,641 sections × 12 months through the ingest service (validate every row, GB
3838-2002 class and compliance, one upsert), next to a plain PostgreSQL COPY of the same rows.

The rows are the national data set's readings (bench/generate.py), read back as the strings a monitoring
platform would send; the table ends with the service's rows (same values, class recomputed).
"""

from __future__ import annotations

import datetime
import logging
import time

import pandas as pd

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")
PARAMS = ["do", "codmn", "cod", "bod5", "nh3n", "tp"]


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE tracker_watermonthlyreading")


def run(ctx: BenchContext) -> list[Row]:
    from django.db import transaction

    from bench.generate import NATIONAL, copy_frame, national
    from tracker.models import WaterMonthlyReading
    from tracker.services.water import water_readings_upsert

    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_water needs PostgreSQL (COPY baseline); skipped")
        return []
    national(ctx)
    frame = pd.DataFrame(
        WaterMonthlyReading.objects.values("section_id", "section__code", "month", *PARAMS, "water_class", "compliant")
    ).sort_values(["section__code", "month"])
    total = len(frame)
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

    _truncate()
    started = time.perf_counter()
    with transaction.atomic():
        copy_frame(WaterMonthlyReading, frame.drop(columns=["section__code"]))
    copy_s = time.perf_counter() - started
    _truncate()

    started = time.perf_counter()
    assert water_readings_upsert(rows, today=today) == total
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    water_readings_upsert(rows, today=today)  # the same batch again: every row takes the update branch
    update_s = time.perf_counter() - started
    assert WaterMonthlyReading.objects.count() == total

    note = f"{total // 12:,} 断面 × 12 月 = {total:,} 行，一批"
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
