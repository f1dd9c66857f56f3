"""Demo air data for `seed_demo`: stations in every war zone, two years of daily readings, air/water/soil/
waste-free measures in every state. Deterministic (seeded by station code) and idempotent (natural keys;
only missing station-days and measures are created). Readings go through the ingest service's upsert, so
AQI, category and primary pollutants are computed exactly as for real data.
"""

from __future__ import annotations

import datetime
import logging
import zlib

import numpy as np
import pandas as pd
from django.db import transaction

from .choices import MeasureArea, SourceType, StationLevel
from .demo import DemoContext, person_name
from .models import AirDailyReading, AirStation, Measure, MeasureProgressReport, SandDustDay, Unit, User, WarZone
from .services.air import _upsert

logger = logging.getLogger(__name__)

N, P, C = StationLevel.NATIONAL, StationLevel.PROVINCIAL, StationLevel.CITY
# (code, name, level, unit code, zone code or None, lon, lat, pollution factor)
STATIONS = [
    ("LS-GK01", "乐山市监测站", N, "511102", "central", 103.7612, 29.5823, 1.10),
    ("LS-GK02", "牛耳桥", N, "511102", "central", 103.7452, 29.5630, 1.05),
    ("LS-GK03", "三水厂", N, "511102", "central", 103.7780, 29.6010, 1.00),
    ("LS-GK04", "高新区管委会", N, "511171", "central", 103.7230, 29.6240, 1.08),
    ("LS-SK01", "井研县城", P, "511124", "east", 104.0700, 29.6510, 0.95),
    ("LS-SJ01", "井研工业园", C, "511124", "east", 104.0890, 29.6720, 1.02),
    ("LS-SK02", "峨眉山市区", P, "511181", "west", 103.4840, 29.6010, 0.92),
    ("LS-SK03", "沙湾区政府", P, "511111", "west", 103.5500, 29.4130, 1.00),
    ("LS-SJ02", "峨眉山景区", C, "511181", "west", 103.3320, 29.5200, 0.65),
    ("LS-SK04", "五通桥城区", P, "511112", "south", 103.8170, 29.4060, 1.12),
    ("LS-SK05", "犍为县城", P, "511123", "south", 103.9500, 29.2090, 1.00),
    ("LS-SJ03", "犍为工业园", C, "511123", "south", 103.9850, 29.2400, 1.15),
    ("LS-SK06", "夹江县城", P, "511126", "north", 103.5720, 29.7380, 1.06),
    ("LS-SJ04", "夹江陶瓷园区", C, "511126", "north", 103.5960, 29.7620, 1.20),
    ("LS-SK07", "沐川县城", P, "511129", None, 103.9020, 28.9560, 0.80),
    ("LS-SJ05", "金口河城区", C, "511113", None, 103.0780, 29.2440, 0.70),
    ("LS-SJ06", "峨边县城", C, "511132", None, 103.2620, 29.2300, 0.72),
    ("LS-SJ07", "马边县城", C, "511133", None, 103.5460, 28.8350, 0.68),
]
# Industrial-park stations watch a source, not the county's air: not the county's assessment points (考核点位).
NOT_ASSESSED = {"LS-SJ01", "LS-SJ03", "LS-SJ04"}
# A sand-dust process (沙尘天气过程) on this day of spring: PM10 ×4, PM2.5 ×1.6 everywhere, then flagged so
# its PM10 and PM2.5 leave the assessment figures (受沙尘天气过程影响城市空气质量评价补充规定).
SAND_DUST_MONTH_DAY = (3, 20)
# A station with a month of outage this year, so the pages show HJ 663-2013's "数据不足" honestly.
OUTAGE_STATION = "LS-SJ04"


def _seed(code: str) -> int:
    return zlib.crc32(code.encode())


def _regional(days: pd.DatetimeIndex) -> np.ndarray:
    """A city-wide weather factor (stagnant spells in winter), shared by all stations: AR(1) in log space."""
    rng = np.random.default_rng(20221128)
    e = rng.normal(0, 0.22, len(days))
    out = np.zeros(len(days))
    for i in range(1, len(days)):
        out[i] = 0.75 * out[i - 1] + e[i]
    return out


def station_frame(code: str, factor: float, days: pd.DatetimeIndex, regional: np.ndarray) -> pd.DataFrame:
    """Plausible daily values for one station: PM high in winter, O₃ high in summer, last year a bit worse."""
    rng = np.random.default_rng(_seed(code))
    n = len(days)
    doy = days.day_of_year.to_numpy()
    winter = np.cos(2 * np.pi * (doy - 15) / 365.25)  # +1 mid-January, −1 mid-July
    summer = np.cos(2 * np.pi * (doy - 185) / 365.25)  # +1 early July
    improve = np.where(days.year < days.year.max(), 1.08, 1.0)  # this year ~8 % cleaner than last
    weather = np.exp(regional + rng.normal(0, 0.18, n))
    pm25 = (36 + 26 * winter) * factor * improve * weather
    pm10 = pm25 * rng.uniform(1.35, 1.8, n) + rng.normal(6, 3, n)
    o3 = (86 + 48 * summer) * (0.9 + 0.1 * factor) * np.exp(rng.normal(0, 0.17, n) - 0.3 * regional)
    no2 = (24 + 9 * winter) * factor * np.exp(rng.normal(0, 0.2, n))
    so2 = (9 + 3 * winter) * factor * np.exp(rng.normal(0, 0.25, n))
    co = (0.75 + 0.3 * winter) * factor * np.exp(rng.normal(0, 0.18, n))
    df = pd.DataFrame(
        {
            "date": days.date,
            "so2": np.round(np.clip(so2, 2, None)),
            "no2": np.round(np.clip(no2, 4, None)),
            "pm10": np.round(np.clip(pm10, 5, None)),
            "co": np.round(np.clip(co, 0.2, None), 1),
            "o3_8h": np.round(np.clip(o3, 10, None)),
            "pm25": np.round(np.clip(pm25, 3, None)),
        }
    )
    # Instrument gaps: ~1.5 % of days lost entirely, ~1 % missing O₃ only.
    keep = rng.random(n) > 0.015
    df.loc[rng.random(n) < 0.01, "o3_8h"] = np.nan
    if code == OUTAGE_STATION:
        last = days.max()
        outage = (days.year == last.year) & (days.month == max(1, last.month - 1)) & (days.day >= 10)
        keep &= ~outage
    return df[keep]


def seed_air_stations() -> dict[str, AirStation]:
    units = {u.code: u for u in Unit.objects.filter(code__in={s[3] for s in STATIONS})}
    zones = {z.code: z for z in WarZone.objects.all()}
    existing = {s.code: s for s in AirStation.objects.filter(code__in=[s[0] for s in STATIONS])}
    new = [
        AirStation(
            code=code,
            name=name,
            level=level,
            unit=units[unit],
            war_zone=zones.get(zone),
            lon=lon,
            lat=lat,
            counts_for_assessment=code not in NOT_ASSESSED,
        )
        for code, name, level, unit, zone, lon, lat, _f in STATIONS
        if code not in existing and unit in units
    ]
    AirStation.objects.bulk_create(new)
    return {s.code: s for s in AirStation.objects.filter(code__in=[s[0] for s in STATIONS])}


def sand_dust_day(today: datetime.date) -> datetime.date:
    """The demo's sand-dust day: this spring's, or last year's when this spring's is still ahead."""
    this = datetime.date(today.year, *SAND_DUST_MONTH_DAY)
    return this if this <= today else datetime.date(today.year - 1, *SAND_DUST_MONTH_DAY)


def seed_air_readings(today: datetime.date, stations: dict[str, AirStation]) -> int:
    start = datetime.date(today.year - 1, 1, 1)
    days = pd.date_range(start, today, freq="D")
    regional = _regional(pd.date_range("2000-01-01", periods=len(days), freq="D"))
    have = set(
        AirDailyReading.objects.filter(station__in=stations.values(), date__gte=start).values_list("station_id", "date")
    )
    frames = []
    for code, _name, _level, _unit, _zone, _lon, _lat, factor in STATIONS:
        station = stations.get(code)
        if station is None:
            continue
        df = station_frame(code, factor, days, regional)
        df["station_id"] = station.pk
        frames.append(df)
    batch = pd.concat(frames, ignore_index=True)
    dust = sand_dust_day(today)
    on_dust = pd.to_datetime(batch["date"]) == pd.Timestamp(dust)
    batch.loc[on_dust, "pm10"] = (batch.loc[on_dust, "pm10"] * 4).round(0)
    batch.loc[on_dust, "pm25"] = (batch.loc[on_dust, "pm25"] * 1.6).round(0)
    SandDustDay.objects.get_or_create(date=dust, defaults={"note": "演示：省级认定的沙尘天气过程影响日"})
    missing = [(sid, d) not in have for sid, d in zip(batch["station_id"], batch["date"], strict=True)]
    batch = batch[missing].reset_index(drop=True)
    if batch.empty:
        return 0
    return _upsert(batch).rows


# (code suffix, area, source type, title, description)
MEASURE_TEMPLATES = [
    (
        MeasureArea.AIR,
        SourceType.INDUSTRIAL,
        "陶瓷企业超低排放改造",
        "窑炉烟气脱硫脱硝除尘设施提标，颗粒物、SO₂、NOx 达到超低排放限值。",
    ),
    (
        MeasureArea.AIR,
        SourceType.INDUSTRIAL,
        "涉 VOCs 重点企业深度治理",
        "完成源头替代、无组织排放收集和末端治理设施升级，建立一企一档。",
    ),
    (
        MeasureArea.AIR,
        SourceType.MOBILE,
        "柴油货车尾气路检路查",
        "每月联合开展路检路查不少于 4 次，超标车辆依法处罚并督促维修。",
    ),
    (
        MeasureArea.AIR,
        SourceType.MOBILE,
        "非道路移动机械编码登记",
        "施工工地非道路移动机械全部编码登记，冒黑烟机械禁止进场。",
    ),
    (
        MeasureArea.AIR,
        SourceType.DUST,
        "建筑工地“六个百分之百”落实",
        "围挡、覆盖、冲洗、湿法作业、密闭运输、硬化六项措施全部落实到位。",
    ),
    (MeasureArea.AIR, SourceType.DUST, "城区道路机扫水洗提标", "主次干道机扫水洗率达到 90% 以上，降尘量环比下降。"),
    (MeasureArea.AIR, SourceType.DOMESTIC, "餐饮油烟净化设施安装", "城区餐饮单位油烟净化设施安装率 100%，定期清洗。"),
    (MeasureArea.AIR, SourceType.DOMESTIC, "秸秆露天焚烧禁烧巡查", "落实网格化巡查，夏收秋收期间火点“零发生”。"),
]
OTHER_MEASURES = [
    (MeasureArea.WATER, "511112", "岷江干流入河排污口整治", "完成排查、监测、溯源、整治四步，一口一策。"),
    (MeasureArea.WATER, "511124", "茫溪河水质达标攻坚", "沿河生活污水收集管网建设，断面水质稳定达到 III 类。"),
    (MeasureArea.WATER, "D-SW", "城镇污水处理厂提标改造", "出水执行一级 A 标准，污泥规范处置。"),
    (MeasureArea.SOIL, "D-NY", "受污染耕地安全利用", "受污染耕地安全利用率达到 93% 以上。"),
    (MeasureArea.SOIL, "511123", "重点监管单位土壤隐患排查", "土壤污染重点监管单位隐患排查全覆盖并完成整改。"),
    (MeasureArea.WASTEFREE, "D-JX", "工业固废综合利用示范", "磷石膏、工业副产石膏综合利用率提升 5 个百分点。"),
    (MeasureArea.WASTEFREE, "D-ZJ", "生活垃圾分类示范片区建设", "建成生活垃圾分类示范片区 10 个。"),
]
# (deadline offset days from today, progress) covering every derived state:
STATE_PLAN = [(-40, 60), (120, 45), (8, 70), (90, 0), (-10, 100), (200, 20), (-75, 30), (45, 85)]


@transaction.atomic
def seed_measures(ctx: DemoContext) -> int:
    import random

    rng = random.Random(3)  # independent of other seeders' draws
    today = ctx.today
    zones = list(WarZone.objects.prefetch_related("units").order_by("sort_order"))
    units = {u.code: u for u in Unit.objects.all()}
    specs = []
    n = 0
    for z_index, zone in enumerate(zones):
        members = list(zone.units.all())
        if not members:
            continue
        for t_index, (area, source, title, desc) in enumerate(MEASURE_TEMPLATES):
            if (t_index + z_index) % 2:  # four of the eight per zone, rotating, so zones differ
                continue
            unit = members[(t_index // 2) % len(members)]
            offset, progress = STATE_PLAN[(n + z_index) % len(STATE_PLAN)]
            n += 1
            specs.append(
                (
                    f"DQ-{zone.code}-{t_index + 1:02d}",
                    f"{zone.name}{title}",
                    desc,
                    area,
                    zone,
                    source,
                    unit,
                    offset,
                    progress,
                )
            )
    for i, (area, unit_code, title, desc) in enumerate(OTHER_MEASURES):
        offset, progress = STATE_PLAN[(i + 3) % len(STATE_PLAN)]
        if unit_code in units:
            specs.append((f"GJ-{area}-{i + 1:02d}", title, desc, area, None, "", units[unit_code], offset, progress))
    existing = set(Measure.objects.filter(code__in=[s[0] for s in specs]).values_list("code", flat=True))
    reporters = {u.unit_id: u for u in User.objects.filter(unit__isnull=False).order_by("pk")}
    measures, reports = [], []
    for code, title, desc, area, zone, source, unit, offset, progress in specs:
        if code in existing:
            continue
        last = today - datetime.timedelta(days=rng.randint(3, 25)) if progress else None
        m = Measure(
            code=code,
            title=title,
            description=desc,
            area=area,
            war_zone=zone,
            source_type=source,
            unit=unit,
            responsible_person=person_name(rng),
            deadline=today + datetime.timedelta(days=offset),
            progress=progress,
            last_report_date=last,
        )
        measures.append(m)
    Measure.objects.bulk_create(measures)
    for m in measures:
        if not m.progress:
            continue
        steps = sorted({max(5, m.progress * k // 3) for k in (1, 2, 3)})
        for j, step in enumerate(steps):
            day = m.last_report_date - datetime.timedelta(days=30 * (len(steps) - 1 - j))
            note = "已完成全部工作内容，申请验收。" if step == 100 else f"按计划推进，累计完成 {step}%。"
            reports.append(
                MeasureProgressReport(
                    measure=m, date=day, progress=step, note=note, reported_by=reporters.get(m.unit_id)
                )
            )
    MeasureProgressReport.objects.bulk_create(reports)
    return len(measures)


def seed_air(ctx: DemoContext) -> None:
    """Stations, two years of readings up to `ctx.today`, measures in every state."""
    stations = seed_air_stations()
    with transaction.atomic():
        rows = seed_air_readings(ctx.today, stations)
    created = seed_measures(ctx)
    logger.info("air demo: %s stations, %s new readings, %s new measures", len(stations), rows, created)
