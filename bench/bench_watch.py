"""Environmental watch at national scale: the warning rules judged over one day of air readings (1,700 stations)
and one month of water readings (3,641 sections), next to the ingest of that same day / month.

Both are measured on the path a batch takes: the ingest service writes the day (rules switched off, so it does
not evaluate), then `watch_evaluate` judges exactly that batch with the rules on — what the ingest does inside its
transaction when rules are active. Three fresh days (months), alternated, median reported. The value is the
evaluation's time, the baseline the ingest's: the ratio is what the watch adds to every batch.
"""

from __future__ import annotations

import datetime
import logging
import statistics
import time

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")
ROUNDS = 3
AIR_RULES = [  # (name, parameter, threshold, duration)
    ("基准 AQI>200", "aqi", 200, 1),
    ("基准 PM2.5 连续3天>75", "pm25", 75, 3),
    ("基准 PM10 连续2天>150", "pm10", 150, 2),
    ("基准 O3>160", "o3_8h", 160, 1),
    ("基准 NO2>80", "no2", 80, 1),
]
WATER_RULES = [  # (name, parameter, comparison, threshold, duration)
    ("基准 断面不达标", "class_over_target", "above", 0, 1),
    ("基准 氨氮连续2月>1.0", "nh3n", "above", 1.0, 2),
    ("基准 溶解氧<3", "do", "below", 3, 1),
    ("基准 总磷连续2月>0.2", "tp", "above", 0.2, 2),
]


def _air_day(codes: list[str], day: datetime.date, rng: np.random.Generator) -> pd.DataFrame:
    from bench.generate import air_values

    df = pd.DataFrame({"station": codes, "date": day.isoformat()})
    for col, values in air_values(len(codes), rng).items():
        df[col] = values.astype(str)
    df["_row"] = np.arange(2, len(codes) + 2)
    return df


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run(ctx: BenchContext) -> list[Row]:
    from bench.generate import NATIONAL, national
    from tracker.models import AirStation, MonitoringWarning, WarningRule, WaterMonthlyReading
    from tracker.services.air import air_readings_ingest
    from tracker.services.watch import watch_evaluate
    from tracker.services.water import water_readings_upsert

    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_watch needs PostgreSQL; skipped")
        return []
    data = national(ctx, with_air=False)
    station_ids = [int(i) for i in data["stations"]]
    codes = sorted(AirStation.objects.filter(pk__in=station_ids).values_list("code", flat=True))
    assert len(codes) == NATIONAL.stations == 1700
    rules_air = [
        WarningRule(name=n, source="air", parameter=p, threshold=t, duration=d, is_active=False)
        for n, p, t, d in AIR_RULES
    ]
    rules_water = [
        WarningRule(name=n, source="water", parameter=p, comparison=c, threshold=t, duration=d, is_active=False)
        for n, p, c, t, d in WATER_RULES
    ]
    WarningRule.objects.bulk_create(rules_air + rules_water)
    rules = WarningRule.objects.filter(name__startswith="基准")

    # --- air: three days of history so the longest rule (3 days) has a window, then three measured days
    rng = np.random.default_rng(7)
    first = datetime.date(NATIONAL.year + 1, 3, 1)
    today = datetime.date(NATIONAL.year + 1, 12, 31)
    for k in range(3):
        air_readings_ingest(frame=_air_day(codes, first + datetime.timedelta(days=k), rng), today=today)
    ingest_s, eval_s = [], []
    for k in range(3, 3 + ROUNDS):
        day = first + datetime.timedelta(days=k)
        frame = _air_day(codes, day, rng)
        rules.update(is_active=False)
        ingest_s.append(_timed(lambda f=frame: air_readings_ingest(frame=f, today=today)))
        rules.filter(source="air").update(is_active=True)
        eval_s.append(_timed(lambda d=day: watch_evaluate(source="air", subject_ids=station_ids, first=d, last=d)))
    air_fired = MonitoringWarning.objects.filter(rule__source="air").count()

    # --- water: the national set has 12 months per section; three further months, one batch each
    sections = list(
        WaterMonthlyReading.objects.filter(month=datetime.date(NATIONAL.year, 12, 1)).values(
            "section_id", "section__code", "do", "codmn", "cod", "bod5", "nh3n", "tp"
        )
    )
    assert len(sections) == NATIONAL.sections == 3641
    w_ingest_s, w_eval_s = [], []
    ids = [s["section_id"] for s in sections]
    for k in range(ROUNDS):
        month = datetime.date(NATIONAL.year + 1, 1 + k, 1)
        jitter = np.random.default_rng(100 + k).uniform(0.7, 1.4, len(sections))
        batch = [
            {"_row": n + 2, "section": s["section__code"], "month": month.strftime("%Y-%m"),
             **{p: f"{float(s[p]) * j:.3f}" for p in ("do", "codmn", "cod", "bod5", "nh3n", "tp") if s[p] is not None}}
            for n, (s, j) in enumerate(zip(sections, jitter, strict=True))
        ]  # fmt: skip
        rules.update(is_active=False)
        w_ingest_s.append(_timed(lambda b=batch: water_readings_upsert(b, today=today)))
        rules.filter(source="water").update(is_active=True)
        w_eval_s.append(_timed(lambda m=month: watch_evaluate(source="water", subject_ids=ids, first=m, last=m)))
    water_fired = MonitoringWarning.objects.filter(rule__source="water").count()
    rules.update(is_active=False)

    air_note = (
        f"1,700 站 × 1 天，{len(AIR_RULES)} 条规则（最长连续 3 天），{ROUNDS} 天取中位数；共触发 {air_fired} 条预警"
    )
    water_note = (
        f"3,641 断面 × 1 月，{len(WATER_RULES)} 条规则（最长连续 2 月），"
        f"{ROUNDS} 月取中位数；共触发 {water_fired} 条预警"
    )
    return [
        Row(
            "watch rule evaluation, one national day of air readings",
            statistics.median(eval_s),
            "s",
            "air ingest of that day",
            statistics.median(ingest_s),
            air_note,
        ),
        Row(
            "watch rule evaluation, one national month of water readings",
            statistics.median(w_eval_s),
            "s",
            "water ingest of that month",
            statistics.median(w_ingest_s),
            water_note,
        ),
    ]
