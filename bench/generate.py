"""A national-scale synthetic data set, set-based and deterministic.

    NATIONAL: 2,844 units (every county-level division of the country), 1,700 air stations × 365 days,
    3,641 water sections × 12 months, 50,000 rectification items, 20,000 projects (+ 60 funds, 2 payments per
    funded project).

Everything is written with PostgreSQL COPY from pandas frames built with a seeded numpy generator (same seed →
same rows), in one transaction per call. `generate(scale)` assumes an empty slice of the database for its
code prefix (the benchmark runner starts from a fresh database); `national(ctx)` generates once per run and
caches the result in `ctx.cache`, so several benchmark modules share one data set.

    python -m bench.generate            # generate NATIONAL into the bench database (fresh) and print counts
"""

from __future__ import annotations

import datetime
import io
import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

logger = logging.getLogger("bench")

SEED = 20261129
BEIJING = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")  # the users' day (settings.TIME_ZONE)


@dataclass(frozen=True)
class Scale:
    units: int
    stations: int
    days: int
    sections: int
    items: int
    projects: int
    year: int = 2025
    rivers: int = 60
    funds: int = 60

    @property
    def today(self) -> datetime.date:
        """The generator's "today": deadlines, overdue colours and the year's months are written as seen on it."""
        return datetime.date(self.year, 12, 31)

    @property
    def clock(self) -> datetime.datetime:
        """A working-day moment of `today` in Beijing (10:00, UTC+8), for pages requested "on" the data set's date."""
        return datetime.datetime.combine(self.today, datetime.time(10, 0), tzinfo=BEIJING)


NATIONAL = Scale(units=2844, stations=1700, days=365, sections=3641, items=50_000, projects=20_000)


def scaled(units: int, days: int = 30) -> Scale:
    """The same proportions per unit as NATIONAL, for `units` units (query-count checks at 10/100/1,000)."""

    def per(n: int) -> int:
        return max(1, math.ceil(n * units / NATIONAL.units))

    return replace(
        NATIONAL,
        units=units,
        stations=per(NATIONAL.stations),
        days=days,
        sections=per(NATIONAL.sections),
        items=per(NATIONAL.items),
        projects=per(NATIONAL.projects),
        rivers=min(NATIONAL.rivers, units),
        funds=min(NATIONAL.funds, max(3, units // 10)),
    )


# --- writing ---------------------------------------------------------------------------------------------
def copy_frame(model, frame: pd.DataFrame) -> int:
    """COPY a frame into the model's table; columns the frame lacks get NULL, their plain default or now()."""
    from django.db import connection

    sql, text = copy_text(model, frame)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(sql, io.StringIO(text))
    return len(frame)


def copy_text(model, frame: pd.DataFrame) -> tuple[str, str]:
    """The COPY statement and its CSV text for `frame` (rendered once: a floor times only the COPY itself)."""
    from django.db.models import NOT_PROVIDED

    now = datetime.datetime.now(datetime.UTC).isoformat()
    frame = frame.copy()
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in frame:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            frame[f.column] = now
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            frame[f.column] = f.default
        elif f.null:
            frame[f.column] = None
        elif f.get_internal_type() in ("CharField", "TextField", "FileField"):
            frame[f.column] = ""
        else:
            raise ValueError(f"{model.__name__}.{f.name}: no value for a NOT NULL column")
    text = frame.to_csv(index=False, header=False, na_rep="\\N")
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    return f"COPY \"{model._meta.db_table}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", text


def _ids(model, prefix: str, field: str = "code") -> np.ndarray:
    return np.array(
        list(model.objects.filter(**{f"{field}__startswith": prefix}).order_by(field).values_list("pk", flat=True))
    )


# --- the data set ----------------------------------------------------------------------------------------
def generate(scale: Scale, *, prefix: str = "B", with_air: bool = True, seed: int = SEED) -> dict:
    """Write the data set for `scale`; returns counts and the seconds each part took."""
    from django.db import transaction

    from projects.models import Fund, Payment, ProgressReport, Project
    from rectifications.models import Inspection, RectificationItem
    from tracker.models import AirStation, River, Unit, User, WaterMonthlyReading, WaterSection

    rng = np.random.default_rng(seed)
    out: dict = {"scale": scale}
    t0 = time.perf_counter()
    with transaction.atomic():
        # units, people
        copy_frame(
            Unit,
            pd.DataFrame(
                {
                    "code": [f"{prefix}{n:05d}" for n in range(scale.units)],
                    "name": [f"基准单位{prefix}{n:05d}" for n in range(scale.units)],
                    "kind": "county",
                    "sort_order": np.arange(scale.units),
                    "is_active": True,
                }
            ),
        )
        units = _ids(Unit, prefix)
        user, _ = User.objects.get_or_create(username=f"bench-{prefix}".lower(), defaults={"full_name": "基准录入"})

        # air: stations, and a year of daily readings (raw concentrations; AQI left to the ingest benchmark)
        copy_frame(
            AirStation,
            pd.DataFrame(
                {
                    "code": [f"{prefix}A{i:05d}" for i in range(scale.stations)],
                    "name": [f"站点{i:05d}" for i in range(scale.stations)],
                    "level": np.array(["national", "provincial", "city"])[np.arange(scale.stations) % 3],
                    "unit_id": units[np.arange(scale.stations) % scale.units],
                    "is_active": True,
                }
            ),
        )
        stations = _ids(AirStation, f"{prefix}A")
        out["stations"] = stations
        if with_air:  # its own stream, so the rest of the data set is the same with or without air readings
            out["air_rows"] = load_air(stations, scale, np.random.default_rng(seed + 1))

        # water: rivers, sections, 12 monthly readings each
        copy_frame(
            River,
            pd.DataFrame({"name": [f"基准河流{prefix}{i:03d}" for i in range(scale.rivers)], "sort_order": 0}),
        )
        rivers = _ids(River, f"基准河流{prefix}", field="name")
        n = scale.sections
        copy_frame(
            WaterSection,
            pd.DataFrame(
                {
                    "code": [f"{prefix}S{i:05d}" for i in range(n)],
                    "name": [f"断面{i:05d}" for i in range(n)],
                    "river_id": rivers[np.arange(n) % len(rivers)],
                    "level": np.array(["national", "provincial", "city"])[np.arange(n) % 3],
                    "unit_id": units[np.arange(n) % scale.units],
                    "target_class": 2 + (np.arange(n) % 2),
                    "is_active": True,
                }
            ),
        )
        sections = _ids(WaterSection, f"{prefix}S")
        months = [datetime.date(scale.year, m, 1).isoformat() for m in range(1, 13)]
        rows = len(sections) * 12
        cls = rng.choice([1, 2, 3, 4, 5], size=rows, p=[0.1, 0.45, 0.3, 0.1, 0.05])
        target = np.repeat(2 + (np.arange(len(sections)) % 2), 12)
        water = pd.DataFrame(
            {
                "section_id": np.repeat(sections, 12),
                "month": np.tile(months, len(sections)),
                "do": rng.uniform(5, 9, rows).round(3),
                "codmn": rng.uniform(1, 6, rows).round(3),
                "cod": rng.uniform(8, 20, rows).round(3),
                "bod5": rng.uniform(1, 4, rows).round(3),
                "nh3n": rng.uniform(0.05, 1.2, rows).round(3),
                "tp": rng.uniform(0.02, 0.25, rows).round(3),
                "water_class": cls,
                "compliant": cls <= target,
            }
        )
        out["water_rows"] = copy_frame(WaterMonthlyReading, water)

        # rectifications: five inspection rounds, items in every state
        today = scale.today
        kinds = ["central", "provincial", "unannounced", "review", "public"]
        for i, kind in enumerate(kinds):
            Inspection.objects.create(kind=kind, name=f"基准批次{prefix}{i}", date=datetime.date(scale.year - 1, 6, 1))
        inspections = _ids(Inspection, f"基准批次{prefix}", field="name")
        n = scale.items
        status = rng.choice(
            ["open", "in_progress", "closing_requested", "closed", "rebounded"], size=n, p=[0.15, 0.4, 0.1, 0.3, 0.05]
        )
        deadline = pd.to_datetime(today) - pd.to_timedelta(rng.integers(-200, 400, n), unit="D")
        closed_on = np.where(status == "closed", (deadline - pd.Timedelta(days=5)).strftime("%Y-%m-%d"), None)
        overdue = (deadline < pd.Timestamp(today)) & (status != "closed")
        colour = np.where(status == "rebounded", "red", np.where(overdue, "orange", "green"))
        items = pd.DataFrame(
            {
                "code": [f"{prefix}R{i:06d}" for i in range(n)],
                "inspection_id": inspections[np.arange(n) % len(inspections)],
                "description": [f"基准问题{i}：企业废气收集不完善" for i in range(n)],
                "area": rng.choice(["air", "water", "soil", "ecology", "waste", "noise", "other"], size=n),
                "unit_id": units[rng.integers(0, scale.units, n)],
                "responsible_person": "张三",
                "deadline": deadline.strftime("%Y-%m-%d"),
                "measures": "",
                "term": rng.choice(["short", "medium", "long"], size=n, p=[0.6, 0.3, 0.1]),
                "status": status,
                "colour": colour,
                "version": 0,
                "closed_on": closed_on,
                "rebound_count": (status == "rebounded").astype(int),
            }
        )
        out["items"] = copy_frame(RectificationItem, items)

        # projects: funds, projects in every stage, two payments per funded project within its allocation
        copy_frame(
            Fund,
            pd.DataFrame(
                {
                    "level": np.array(["central", "provincial", "city"])[np.arange(scale.funds) % 3],
                    "year": scale.year,
                    "area": np.array(["air", "water", "soil", "rural", "waste", "ecology"])[np.arange(scale.funds) % 6],
                    "name": [f"基准资金{prefix}{i:03d}" for i in range(scale.funds)],
                    "amount": "500000000.00",
                    "note": "",
                }
            ),
        )
        funds = _ids(Fund, f"基准资金{prefix}", field="name")
        n = scale.projects
        stage = rng.choice(
            ["reserve", "packaging", "application", "library", "funded", "started", "completed"],
            size=n,
            p=[0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.1],
        )
        funded = np.isin(stage, ["funded", "started", "completed"])
        investment = rng.integers(50, 5000, n) * 10_000
        allocated = np.where(funded, (investment * 0.6).astype(np.int64), 0)
        start = pd.to_datetime(datetime.date(scale.year, 1, 1)) + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
        projects = pd.DataFrame(
            {
                "code": [f"{prefix}P{i:06d}" for i in range(n)],
                "name": [f"基准项目{i}：污水管网改造" for i in range(n)],
                "unit_id": units[rng.integers(0, scale.units, n)],
                "fund_id": np.where(funded, funds[np.arange(n) % len(funds)], None),
                "stage": stage,
                "investment": investment.astype(str),
                "allocated_amount": allocated.astype(str),
                "planned_start": start.strftime("%Y-%m-%d"),
                "planned_completion": (start + pd.Timedelta(days=365)).strftime("%Y-%m-%d"),
                "progress": np.where(stage == "completed", 100, np.where(stage == "started", 40, 0)),
                "responsible_person": "李四",
                "version": 0,
            }
        )
        out["projects"] = copy_frame(Project, projects)
        project_ids = _ids(Project, f"{prefix}P")
        paid = project_ids[funded]
        alloc = allocated[funded]
        payments = pd.DataFrame(
            {
                "project_id": np.repeat(paid, 2),
                "amount": np.repeat((alloc * 0.25).astype(np.int64), 2).astype(str),
                "paid_on": f"{scale.year}-06-30",
                "voucher_no": np.tile(["凭证-1", "凭证-2"], len(paid)),
                "note": "",
                "entered_by_id": user.pk,
            }
        )
        out["payments"] = copy_frame(Payment, payments)
        # progress reports: three a month apart for every started or completed project, from their own stream
        # (the rest of the data set is the same with or without them)
        reporting = np.isin(stage, ["started", "completed"])
        report_rng = np.random.default_rng(seed + 2)
        k = int(reporting.sum())
        first = start[reporting] + pd.to_timedelta(report_rng.integers(0, 60, k), unit="D")
        reports = pd.DataFrame(
            {
                "project_id": np.repeat(project_ids[reporting], 3),
                "reported_on": np.concatenate(
                    [np.asarray(first + pd.Timedelta(days=30 * j), dtype="datetime64[D]")[:, None] for j in range(3)],
                    axis=1,
                )
                .ravel()
                .astype(str),
                "progress": (np.repeat(report_rng.integers(5, 30, k), 3) * np.tile([1, 2, 3], k)).clip(0, 100),
                "note": "按计划推进",
                "reported_by_id": user.pk,
            }
        )
        out["reports"] = copy_frame(ProgressReport, reports)
        out["units"] = units
    out["seconds"] = time.perf_counter() - t0
    with_air_note = f", {out.get('air_rows', 0):,} air readings" if with_air else ""
    logger.info(
        "generated %s units, %s stations%s, %s water readings, %s items, %s projects, %s payments, %s progress reports"
        " in %.1f s",
        f"{scale.units:,}",
        f"{len(stations):,}",
        with_air_note,
        f"{out['water_rows']:,}",
        f"{out['items']:,}",
        f"{out['projects']:,}",
        f"{out['payments']:,}",
        f"{out['reports']:,}",
        out["seconds"],
    )
    return out


def air_values(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Daily concentrations with realistic spreads (µg/m³; CO in mg/m³)."""
    return {
        "so2": np.round(rng.gamma(4, 3, n)),
        "no2": np.round(rng.gamma(5, 5, n)),
        "pm10": np.round(rng.gamma(4, 15, n)),
        "co": np.round(rng.gamma(6, 0.15, n), 1),
        "o3_8h": np.round(rng.gamma(8, 12, n)),
        "pm25": np.round(rng.gamma(3, 12, n)),
    }


def load_air(stations: np.ndarray, scale: Scale, rng: np.random.Generator) -> int:
    """COPY a year of daily readings for the stations (no AQI: the raw data as the monitoring platform sends)."""
    from tracker.models import AirDailyReading

    days = pd.date_range(f"{scale.year}-01-01", periods=scale.days, freq="D").strftime("%Y-%m-%d")
    n = len(stations) * len(days)
    frame = pd.DataFrame({"station_id": np.repeat(stations, len(days)), "date": np.tile(days, len(stations))})
    for col, values in air_values(n, rng).items():
        frame[col] = values
    return copy_frame(AirDailyReading, frame)


def national(ctx, *, with_air: bool = True) -> dict:
    """The NATIONAL data set, generated once per benchmark run (cached in ctx.cache['national']), with the
    planner's statistics gathered after the bulk COPY as autovacuum would (a module run alone measured the
    stalled-project count at 9 s on a plan made for empty tables, 0.17 s after ANALYZE)."""
    if "national" not in ctx.cache:
        ctx.cache["national"] = generate(NATIONAL, with_air=with_air)
        ctx.cache["national"]["air_loaded"] = with_air
        _analyze()
    data = ctx.cache["national"]
    if with_air and not data["air_loaded"]:
        from tracker.models import AirDailyReading

        if not AirDailyReading.objects.filter(station_id__in=data["stations"][:1]).exists():
            data["air_rows"] = load_air(data["stations"], NATIONAL, np.random.default_rng(SEED + 1))
            _analyze()
        data["air_loaded"] = True
    return data


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


if __name__ == "__main__":
    import sys

    from bench.__main__ import _prepare_database
    from bench.common import BenchContext

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    _prepare_database()
    national(BenchContext())
    sys.exit(0)
