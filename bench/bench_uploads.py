"""The upload pages admins use, end to end: air CSV, air XLSX and water CSV posted to the real views through
Django's test client (middleware, session, multipart parsing, the file read, validation, AQI or GB 3838 class,
the set-based upsert, the redirect), against the floor of writing the same rows: a PostgreSQL COPY of the same
finished rows pre-rendered as CSV text (nothing parsed, validated or computed in the timed part).

Sizes (asserted): air 100 stations × 365 days = 36,500 rows (CSV and XLSX, the same rows); water 3,641 sections ×
12 months = 43,692 rows, with 总氮, every second section a reservoir and some readings short of the minimum set
(issue 16's rules: the floor's rows carry the same assessment). Every repetition starts from an empty table, so
upload and floor both insert. Warmed (one untimed round of each), then alternated upload / floor, median of
`REPEAT`.

Peak memory per upload: each upload once more in a fresh Python process (`python -m bench.bench_uploads
--memory KIND PATH`), reporting its resident memory before the request and its peak after; for XLSX also the
peak of the parsing child (the bounded fork in tracker/common/tabular_xlsx.py).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row, preserved

logger = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent

PREFIX = "UP"
AIR_STATIONS = 100
AIR_DAYS = 365
WATER_SECTIONS = 3641
WATER_MONTHS = 12
YEAR = 2025
REPEAT = 3
AIR_HEADER = ["站点编码", "日期", "SO2", "NO2", "PM10", "CO", "O3_8h", "PM2.5"]
WATER_HEADER = ["断面编码", "月份", "溶解氧", "高锰酸盐指数", "化学需氧量", "五日生化需氧量", "氨氮", "总磷", "总氮"]
WATER_PARAMS = ["do", "codmn", "cod", "bod5", "nh3n", "tp"]
WATER_VALUES = [*WATER_PARAMS, "tn"]


def _setup() -> dict:
    """One unit, the stations and sections the files name, and an admin (idempotent within a bench database)."""
    from bench.generate import copy_frame
    from tracker.choices import Role
    from tracker.models import AirStation, River, Unit, User, WaterSection
    from tracker.services.units import user_set_role

    unit, _ = Unit.objects.get_or_create(code=f"{PREFIX}0001", defaults={"name": "上传基准单位", "kind": "county"})
    if not AirStation.objects.filter(code__startswith=f"{PREFIX}A").exists():
        copy_frame(
            AirStation,
            pd.DataFrame(
                {
                    "code": [f"{PREFIX}A{i:04d}" for i in range(AIR_STATIONS)],
                    "name": [f"上传站点{i:04d}" for i in range(AIR_STATIONS)],
                    "level": "national",
                    "unit_id": unit.pk,
                    "is_active": True,
                }
            ),
        )
    if not WaterSection.objects.filter(code__startswith=f"{PREFIX}W").exists():
        river, _ = River.objects.get_or_create(name="上传基准河")
        copy_frame(
            WaterSection,
            pd.DataFrame(
                {
                    "code": [f"{PREFIX}W{i:05d}" for i in range(WATER_SECTIONS)],
                    "name": [f"上传断面{i:05d}" for i in range(WATER_SECTIONS)],
                    "river_id": river.pk,
                    "level": "national",
                    "unit_id": unit.pk,
                    "target_class": 3,
                }
            ),
        )
    # every second section is on a reservoir (GB 3838 表1 湖、库 TP column), the rest take their river's type
    codes = sorted(WaterSection.objects.filter(code__startswith=f"{PREFIX}W").values_list("code", flat=True))
    WaterSection.objects.filter(code__in=codes[::2]).update(water_body="reservoir")
    WaterSection.objects.filter(code__in=codes[1::2]).update(water_body="")
    admin, created = User.objects.get_or_create(username=f"{PREFIX.lower()}-admin", defaults={"full_name": "上传基准"})
    if created:
        admin.is_superuser = True
        admin.save()
        user_set_role(user=admin, role=Role.ADMIN, unit=None)
    return {
        "admin": admin,
        "stations": dict(AirStation.objects.filter(code__startswith=f"{PREFIX}A").values_list("code", "pk")),
        "sections": dict(WaterSection.objects.filter(code__startswith=f"{PREFIX}W").values_list("code", "pk")),
        "bodies": {
            code: own or river
            for code, own, river in WaterSection.objects.filter(code__startswith=f"{PREFIX}W").values_list(
                "code", "water_body", "river__water_body"
            )
        },
    }


def _air_rows(codes: list[str]) -> pd.DataFrame:
    from bench.generate import air_values

    days = pd.date_range(f"{YEAR}-01-01", periods=AIR_DAYS, freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"station": np.repeat(codes, AIR_DAYS), "date": np.tile(days, len(codes))})
    for col, values in air_values(len(frame), np.random.default_rng(7)).items():
        frame[col] = values
    return frame


def _water_rows(codes: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    months = [f"{YEAR}-{m:02d}" for m in range(1, WATER_MONTHS + 1)]
    frame = pd.DataFrame({"section": np.repeat(codes, WATER_MONTHS), "month": np.tile(months, len(codes))})
    n = len(frame)
    frame["do"] = np.round(rng.uniform(3, 10, n), 2)
    frame["codmn"] = np.round(rng.gamma(4, 1, n), 2)
    frame["cod"] = np.round(rng.gamma(6, 3, n), 1)
    frame["bod5"] = np.round(rng.gamma(3, 1, n), 2)
    frame["nh3n"] = np.round(rng.gamma(2, 0.2, n), 3)
    frame["tp"] = np.round(rng.gamma(2, 0.05, n), 3)
    frame["tn"] = np.round(rng.gamma(3, 0.4, n), 3)
    # a few readings short of the minimum set (数据不全) and a few without BOD5, as real months are
    frame.loc[rng.random(n) < 0.02, "tp"] = np.nan
    frame.loc[rng.random(n) < 0.10, "bod5"] = np.nan
    return frame


def _csv_bytes(header: list[str], frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(frame.astype(object).where(frame.notna(), "").itertuples(index=False))  # missing → blank
    return buffer.getvalue().encode("utf-8")


def _xlsx_bytes(header: list[str], frame: pd.DataFrame) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _air_finished(frame: pd.DataFrame, ids: dict[str, int]) -> str:
    """The rows exactly as the table holds them after an upload (AQI computed), rendered once as COPY text."""
    from tracker.standards import daily_aqi_frame

    out = pd.DataFrame({"station_id": frame["station"].map(ids), "date": frame["date"]})
    for col in ("so2", "no2", "pm10", "co", "o3_8h", "pm25"):
        out[col] = frame[col].astype(float)
    computed = daily_aqi_frame(out)
    out["aqi"] = computed["aqi"]
    out["category"] = computed["category"]
    out["primary_pollutants"] = computed["primary"]
    out["updated_at"] = datetime.datetime.now(datetime.UTC).isoformat()
    return out.to_csv(index=False, header=False, na_rep="\\N")


def _water_finished(frame: pd.DataFrame, ids: dict[str, int], bodies: dict[str, str]) -> str:
    from tracker.standards import water_reading_assess_frame

    out = pd.DataFrame({"section_id": frame["section"].map(ids), "month": frame["month"] + "-01"})
    for col in WATER_VALUES:
        out[col] = frame[col]
    assessed = water_reading_assess_frame(
        frame[WATER_PARAMS], target_rank=3, water_body=frame["section"].map(bodies).to_numpy(dtype=object)
    )
    out["water_class"] = assessed["rank"]
    out["compliant"] = assessed["compliant"]
    out["data_complete"] = assessed["complete"]
    out["limiting_factors"] = assessed["limiting_factors"]
    out["updated_at"] = datetime.datetime.now(datetime.UTC).isoformat()
    return out.to_csv(index=False, header=False, na_rep="\\N", float_format="%.3f")


def _copy(table: str, columns: list[str], text: str) -> None:
    from django.db import connection, transaction

    cols = ", ".join(f'"{c}"' for c in columns)
    with transaction.atomic(), connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY \"{table}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", io.StringIO(text))


def _truncate(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f'TRUNCATE "{table}" CASCADE')  # the watch's warning links reference the readings


def _post(client, url_name: str, filename: str, content: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = client.post(reverse(url_name), {"file": SimpleUploadedFile(filename, content)})
    assert response.status_code == 302, (
        filename,
        response.status_code,
        response.context and response.context["errors"],
    )


def _measure(path: dict) -> tuple[float, float]:
    """Median seconds of the upload and of the COPY floor: warmed, alternated, each from an empty table."""
    upload_s, floor_s = [], []
    for round_no in range(REPEAT + 1):
        _truncate(path["table"])
        started = time.perf_counter()
        _post(path["client"], path["url"], path["filename"], path["content"])
        elapsed = time.perf_counter() - started
        assert path["count"]() == path["rows"]
        _truncate(path["table"])
        started = time.perf_counter()
        _copy(path["table"], path["columns"], path["finished"])
        floor = time.perf_counter() - started
        assert path["count"]() == path["rows"]
        if round_no:  # round 0 warms both
            upload_s.append(elapsed)
            floor_s.append(floor)
    return statistics.median(upload_s), statistics.median(floor_s)


def _memory(kind: str, content: bytes) -> dict | None:
    """One upload in a fresh process; its RSS before and at peak (MiB), and the parsing child's peak."""
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as fh:
        fh.write(content)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_uploads", "--memory", kind, fh.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            env=os.environ.copy(),
        )
    finally:
        os.unlink(fh.name)
    if done.returncode != 0:
        logger.warning("memory run %s failed: %s", kind, done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


PATHS = {
    "air-csv": ("tracker:air_upload", "空气日数据.csv", "tracker_airdailyreading"),
    "air-xlsx": ("tracker:air_upload", "空气日数据.xlsx", "tracker_airdailyreading"),
    "water-csv": ("tracker:water_readings_upload", "水质月数据.csv", "tracker_watermonthlyreading"),
}


def _memory_main(kind: str, path: str) -> None:
    """Child entry: set Django up, log the admin in, post the file once, print the RSS figures as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client

    from tracker.models import User

    url, filename, table = PATHS[kind]
    content = Path(path).read_bytes()
    client = Client()
    client.force_login(User.objects.get(username=f"{PREFIX.lower()}-admin"))
    _truncate(table)
    with open("/proc/self/statm") as fh:
        before = int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    _post(client, url, filename, content)
    # VmHWM is this address space's high-water mark; ru_maxrss would also carry the RSS of the benchmark process
    # this one was forked from (Linux keeps the maximum across execve), ~1 GB in a whole run
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"before": before, "peak": peak, "child_peak": child}))


def run(ctx: BenchContext) -> list[Row]:
    from django.test import Client

    from tracker.models import AirDailyReading, WaterMonthlyReading

    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_uploads needs PostgreSQL (COPY floor); skipped")
        return []
    data = _setup()
    client = Client()
    client.force_login(data["admin"])

    air = _air_rows(sorted(data["stations"]))
    water = _water_rows(sorted(data["sections"]))
    assert len(air) == AIR_STATIONS * AIR_DAYS == 36_500
    assert len(water) == WATER_SECTIONS * WATER_MONTHS == 43_692
    air_columns = ["station_id", "date", "so2", "no2", "pm10", "co", "o3_8h", "pm25", "aqi", "category"]
    air_columns += ["primary_pollutants", "updated_at"]
    water_columns = ["section_id", "month", *WATER_VALUES, "water_class", "compliant", "data_complete"]
    water_columns += ["limiting_factors", "updated_at"]
    air_finished = _air_finished(air, data["stations"])
    water_finished = _water_finished(water, data["sections"], data["bodies"])
    contents = {
        "air-csv": _csv_bytes(AIR_HEADER, air),
        "air-xlsx": _xlsx_bytes(AIR_HEADER, air),
        "water-csv": _csv_bytes(WATER_HEADER, water),
    }
    rows: list[Row] = []
    with preserved("tracker_airdailyreading", "tracker_watermonthlyreading"):  # the national readings
        for kind, (url, filename, table) in PATHS.items():
            is_air = kind.startswith("air")
            path = {
                "client": client,
                "url": url,
                "filename": filename,
                "content": contents[kind],
                "table": table,
                "rows": len(air) if is_air else len(water),
                "columns": air_columns if is_air else water_columns,
                "finished": air_finished if is_air else water_finished,
                "count": (AirDailyReading if is_air else WaterMonthlyReading).objects.count,
            }
            logger.info("uploads: %s (%s rows, %.1f MB)", kind, f"{path['rows']:,}", len(contents[kind]) / 2**20)
            upload_s, floor_s = _measure(path)
            n = path["rows"]
            size = f"{n:,} 行，文件 {len(contents[kind]) / 2**20:.1f} MB；中位数 / {REPEAT} 次，交替，已预热"
            rows.append(
                Row(f"upload page {kind} (rows/s)", n / upload_s, "rows/s", "COPY of the same rows", n / floor_s, size)
            )
            memory = _memory(kind, contents[kind])
            if memory is not None:
                note = f"上传前 {memory['before']:.0f} MiB"
                if kind.endswith("xlsx"):
                    note += f"；解析子进程峰值 {memory['child_peak']:.0f} MiB"
                rows.append(Row(f"upload page {kind} peak RSS", memory["peak"], "MiB", "", None, note))
            _truncate(table)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory":
        sys.path.insert(0, str(ROOT))
        _memory_main(sys.argv[2], sys.argv[3])
