"""Demo water data for 乐山市: rivers, ~30 assessment sections with two years of monthly readings, ~60 sewage
outlets at every step with their history, and drinking-water sources. Idempotent and deterministic."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from .choices import (
    OUTLET_STEP_ORDER,
    OutletStep,
    OutletType,
    ProtectionZoneStatus,
    SectionLevel,
    SourceLevel,
    WaterBody,
)
from .demo import DemoContext
from .models import (
    DrinkingWaterSource,
    River,
    SewageOutlet,
    Unit,
    User,
    WaterSection,
)
from .services.water import OutletStepRecord, outlets_history_replay, water_readings_upsert
from .standards import WATER_LIMITS, water_limits

logger = logging.getLogger(__name__)

RIVERS = [
    "岷江",
    "大渡河",
    "青衣江",
    "茫溪河",
    "沐溪河",
    "马边河",
    "龙溪河",
    "峨眉河",
    "临江河",
    "金牛河",
    "西溪河",
    "黄鹤水库",
]
# 主战场: the main rivers of the speech's 整体作战 (the others are 区域自治战区).
MAIN_BATTLEFIELD = {"岷江", "大渡河", "青衣江"}
# Lakes and reservoirs are assessed with the 湖、库 total-phosphorus limits of GB 3838-2002 表1.
WATER_BODIES = {"黄鹤水库": WaterBody.RESERVOIR}

# (code, name, river, level, unit code, target class rank, how often it misses: 0 never … 3 often)
SECTIONS = [
    ("LS-N01", "悦来渡口", "岷江", SectionLevel.NATIONAL, "511123", 3, 0),
    ("LS-N02", "岷江大桥", "岷江", SectionLevel.NATIONAL, "511102", 3, 0),
    ("LS-N03", "李码头", "大渡河", SectionLevel.NATIONAL, "511102", 2, 0),
    ("LS-N04", "三谷庄", "大渡河", SectionLevel.NATIONAL, "511113", 2, 0),
    ("LS-N05", "木城镇", "青衣江", SectionLevel.NATIONAL, "511126", 2, 0),
    ("LS-N06", "茫溪河口", "茫溪河", SectionLevel.NATIONAL, "511112", 3, 3),
    ("LS-N07", "马边河河口", "马边河", SectionLevel.NATIONAL, "511123", 2, 0),
    ("LS-P01", "牛华", "岷江", SectionLevel.PROVINCIAL, "511112", 3, 1),
    ("LS-P02", "金口河大峡谷", "大渡河", SectionLevel.PROVINCIAL, "511113", 2, 0),
    ("LS-P03", "沙湾大桥", "大渡河", SectionLevel.PROVINCIAL, "511111", 2, 1),
    ("LS-P04", "千佛岩", "青衣江", SectionLevel.PROVINCIAL, "511126", 2, 0),
    ("LS-P05", "王村", "茫溪河", SectionLevel.PROVINCIAL, "511124", 3, 3),
    ("LS-P06", "沐溪河口", "沐溪河", SectionLevel.PROVINCIAL, "511129", 3, 1),
    ("LS-P07", "龙溪河口", "龙溪河", SectionLevel.PROVINCIAL, "511123", 3, 2),
    ("LS-P08", "峨眉河出境", "峨眉河", SectionLevel.PROVINCIAL, "511181", 3, 2),
    ("LS-P09", "民建", "马边河", SectionLevel.PROVINCIAL, "511133", 2, 0),
    ("LS-C01", "研城", "茫溪河", SectionLevel.CITY, "511124", 3, 3),
    ("LS-C02", "竹园", "茫溪河", SectionLevel.CITY, "511112", 4, 2),
    ("LS-C03", "舟坝", "沐溪河", SectionLevel.CITY, "511129", 3, 1),
    ("LS-C04", "永福", "沐溪河", SectionLevel.CITY, "511129", 3, 0),
    ("LS-C05", "玉津", "岷江", SectionLevel.CITY, "511123", 3, 0),
    ("LS-C06", "清溪", "龙溪河", SectionLevel.CITY, "511123", 3, 2),
    ("LS-C07", "符溪", "峨眉河", SectionLevel.CITY, "511181", 3, 1),
    ("LS-C08", "黄湾", "峨眉河", SectionLevel.CITY, "511181", 2, 0),
    ("LS-C09", "临江河口", "临江河", SectionLevel.CITY, "511102", 3, 2),
    ("LS-C10", "安谷", "大渡河", SectionLevel.CITY, "511102", 2, 0),
    ("LS-C11", "杨湾", "金牛河", SectionLevel.CITY, "511111", 3, 1),
    ("LS-C12", "毛坪", "大渡河", SectionLevel.CITY, "511132", 2, 0),
    ("LS-C13", "荣丁", "马边河", SectionLevel.CITY, "511133", 2, 0),
    ("LS-C14", "西溪河口", "西溪河", SectionLevel.CITY, "511171", 3, 2),
    ("LS-C15", "黄鹤水库坝前", "黄鹤水库", SectionLevel.CITY, "511124", 3, 2),  # a reservoir: 湖库 TP limits
]

OUTLET_UNITS = ["511102", "511111", "511112", "511113", "511123", "511124", "511126", "511129", "511181", "511171"]
OUTLET_PLACES = ["新村", "工业园区", "场镇", "污水厂", "河坝", "大桥", "码头", "养殖场", "老街", "电站"]
OUTLET_TYPE_WEIGHTS = [
    (OutletType.INDUSTRIAL, 3),
    (OutletType.MUNICIPAL, 4),
    (OutletType.AGRICULTURAL, 2),
    (OutletType.OTHER, 1),
]
UNIT_RIVERS = {
    "511102": ["岷江", "大渡河", "临江河"],
    "511111": ["大渡河", "金牛河"],
    "511112": ["岷江", "茫溪河"],
    "511113": ["大渡河"],
    "511123": ["岷江", "龙溪河", "马边河"],
    "511124": ["茫溪河"],
    "511126": ["青衣江"],
    "511129": ["沐溪河", "马边河"],
    "511181": ["峨眉河", "临江河"],
    "511171": ["西溪河", "岷江"],
}
STEP_NOTES = {
    OutletStep.SURVEY: "现场排查登记：核实排口位置、类型及责任主体，拍照建档。",
    OutletStep.MONITOR: "委托第三方开展排口水质水量监测，编制监测报告。",
    OutletStep.TRACE: "开展溯源排查，明确排污主体和管网走向，形成溯源报告。",
    OutletStep.REMEDIATE: "按“一口一策”整治方案实施截污纳管、清理合并等整治措施。",
    OutletStep.DONE: "整治完成，经复核排口规范化建设达标，申请销号。",
}

SOURCES = [
    ("乐山市城区岷江饮用水水源地", "511102", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("乐山市城区大渡河饮用水水源地", "511102", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("沙湾区大渡河饮用水水源地", "511111", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("五通桥区岷江饮用水水源地", "511112", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED_PARTIAL),
    ("金口河区大渡河饮用水水源地", "511113", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("犍为县岷江饮用水水源地", "511123", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("井研县黄鹤水库饮用水水源地", "511124", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.PROBLEM),
    ("夹江县青衣江饮用水水源地", "511126", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("沐川县沐溪河饮用水水源地", "511129", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("峨边县大渡河饮用水水源地", "511132", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED_PARTIAL),
    ("马边县马边河饮用水水源地", "511133", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("峨眉山市峨眉河饮用水水源地", "511181", SourceLevel.COUNTY_AND_ABOVE, ProtectionZoneStatus.DELINEATED),
    ("井研县马踏镇水源地", "511124", SourceLevel.TOWNSHIP, ProtectionZoneStatus.PENDING),
    ("井研县千佛镇水源地", "511124", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED_PARTIAL),
    ("犍为县清溪镇水源地", "511123", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED),
    ("犍为县罗城镇水源地", "511123", SourceLevel.TOWNSHIP, ProtectionZoneStatus.PROBLEM),
    ("沐川县舟坝镇水源地", "511129", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED),
    ("沐川县永福镇水源地", "511129", SourceLevel.TOWNSHIP, ProtectionZoneStatus.PENDING),
    ("夹江县木城镇水源地", "511126", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED),
    ("峨眉山市符溪镇水源地", "511181", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED_PARTIAL),
    ("沙湾区踏水镇水源地", "511111", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED),
    ("马边县荣丁镇水源地", "511133", SourceLevel.TOWNSHIP, ProtectionZoneStatus.DELINEATED),
]

DEMO_DOCUMENT = "outlets/demo/一口一策方案（示例）.pdf"
# A one-page PDF saying "demo"; enough for the download link to work.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 40 70 Td (Demo outlet plan) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _months(today: dt.date, count: int) -> list[dt.date]:
    """The `count` months before the current one, oldest first."""
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        result.append(dt.date(year, month, 1))
    return result[::-1]


def _value_in_class(rng: random.Random, parameter: str, rank: int, water_body: str = "river") -> float:
    """A value of `parameter` that falls in class `rank` (or the nearest better class when two share a limit)."""
    lower_bound, limits = water_limits(water_body)[parameter]
    if lower_bound:  # DO: class k is [limit_k, limit_{k-1})
        high = 9.5 if rank == 1 else limits[rank - 2]
        low = 1.0 if rank == 6 else limits[rank - 1]
        return round(rng.uniform(low, high - 0.01), 2)
    low = limits[0] * 0.3 if rank == 1 else limits[rank - 2]
    high = limits[4] * 1.6 if rank == 6 else limits[rank - 1]
    if high <= low:  # shared limit: fall back to the better class
        return _value_in_class(rng, parameter, rank - 1, water_body)
    return round(rng.uniform(low + (high - low) * 0.05, high), 3)


def _reading_values(rng: random.Random, month_class: int, water_body: str = "river") -> dict[str, Decimal]:
    limiting = rng.choice(list(WATER_LIMITS))
    values = {}
    for parameter in WATER_LIMITS:
        rank = month_class if parameter == limiting else rng.randint(1, month_class)
        values[parameter] = Decimal(str(_value_in_class(rng, parameter, rank, water_body)))
    if water_body != "river":  # 湖库总氮、叶绿素a、透明度: the trophic state, not the class
        values["tn"] = Decimal(str(round(rng.uniform(0.4, 1.4), 3)))
        values["chla"] = Decimal(str(round(rng.uniform(4.0, 22.0), 1)))
        values["sd"] = Decimal(str(round(rng.uniform(0.6, 2.2), 2)))
    return values


@transaction.atomic
def seed_water(ctx: DemoContext) -> None:
    """Rivers, sections, 24 months of readings, outlets with history, drinking-water sources."""
    units = {u.code: u for u in Unit.objects.all()}
    officials = {u.unit.code: u for u in User.objects.filter(unit__isnull=False).select_related("unit")}

    existing_rivers = set(River.objects.values_list("name", flat=True))
    River.objects.bulk_create(
        [
            River(
                name=n,
                sort_order=i,
                water_body=WATER_BODIES.get(n, WaterBody.RIVER),
                main_battlefield=n in MAIN_BATTLEFIELD,
            )
            for i, n in enumerate(RIVERS, start=1)
            if n not in existing_rivers
        ]
    )
    rivers = {r.name: r for r in River.objects.all()}

    existing_sections = set(WaterSection.objects.values_list("code", flat=True))
    WaterSection.objects.bulk_create(
        [
            WaterSection(code=c, name=n, river=rivers[r], level=lv, unit=units[u], target_class=t)
            for c, n, r, lv, u, t, _miss in SECTIONS
            if c not in existing_sections and u in units
        ]
    )
    sections = {
        s.code: s for s in WaterSection.objects.filter(code__in=[s[0] for s in SECTIONS]).select_related("river")
    }

    # Readings: each section has its own seeded stream, so the data do not depend on seeding order. They go in
    # through the ingest service, which derives class and compliance exactly as for an uploaded file.
    months = _months(ctx.today, 24)
    rows = []
    for code, _n, _r, _lv, _u, target, miss in SECTIONS:
        if code not in sections:
            continue
        rng = random.Random(f"water-{code}")
        miss_chance = (0.0, 0.06, 0.2, 0.4)[miss]
        for index, month in enumerate(months):
            improving = 1 if index >= 12 else 0  # the second year is a little better: work pays off
            if rng.random() < miss_chance * (0.7 if improving else 1.0):
                month_class = min(6, target + rng.choice((1, 1, 1, 2, 3)))
            else:
                month_class = max(1, target - rng.choice((0, 0, 1)))
            values = _reading_values(rng, month_class, sections[code].assessed_as)
            rows.append({"section": code, "month": month.isoformat(), **{k: str(v) for k, v in values.items()}})
    water_readings_upsert(rows, today=ctx.today)

    _seed_outlets(ctx, units, rivers, officials)
    _seed_sources(ctx, units)


def _seed_outlets(ctx: DemoContext, units, rivers, officials) -> None:
    if not default_storage.exists(DEMO_DOCUMENT):
        default_storage.save(DEMO_DOCUMENT, ContentFile(DEMO_PDF))
    rng = random.Random("water-outlets")
    existing = set(SewageOutlet.objects.values_list("code", flat=True))
    planned = []
    for i in range(60):
        unit_code = OUTLET_UNITS[i % len(OUTLET_UNITS)]
        river_name = rng.choice(UNIT_RIVERS[unit_code])
        outlet_type = rng.choices([t for t, _w in OUTLET_TYPE_WEIGHTS], [w for _t, w in OUTLET_TYPE_WEIGHTS])[0]
        final_index = rng.choices(range(5), weights=(1, 2, 2, 3, 4))[0]
        start = ctx.today - dt.timedelta(days=rng.randint(200, 420))
        deadline = start + dt.timedelta(days=rng.randint(180, 400))
        place = OUTLET_PLACES[rng.randrange(len(OUTLET_PLACES))]
        code = f"RHPWK-{unit_code}-{i + 1:03d}"
        name = (
            f"{units[unit_code].name}{river_name}{place}{OutletType(outlet_type).label}" if unit_code in units else ""
        )
        # The path through the steps: forward one at a time, sometimes sent back once from 溯源/整治.
        path = [0]
        sent_back = final_index >= 3 and rng.random() < 0.25
        while path[-1] < final_index:
            path.append(path[-1] + 1)
            if sent_back and path[-1] == 3:
                path.append(1)  # 整治 found the source unclear: back to 监测
                sent_back = False
        dates = [start]
        for _ in path[1:]:
            dates.append(min(ctx.today, dates[-1] + dt.timedelta(days=rng.randint(15, 60))))
        planned.append((code, name, unit_code, river_name, outlet_type, deadline, path, dates))

    new = [p for p in planned if p[0] not in existing and p[2] in units]
    SewageOutlet.objects.bulk_create(
        [
            SewageOutlet(
                code=code,
                name=name,
                river=rivers[river],
                unit=units[unit_code],
                outlet_type=outlet_type,
                step=OutletStep.SURVEY,
                version=0,
                deadline=deadline,
            )
            for code, name, unit_code, river, outlet_type, deadline, _path, _dates in new
        ]
    )
    outlets = {o.code: o for o in SewageOutlet.objects.filter(code__in=[p[0] for p in new])}
    histories = []
    for code, _name, unit_code, _river, _type, _deadline, path, dates in new:
        steps = []
        for position, (step_index, day) in enumerate(zip(path, dates, strict=True)):
            to_step = OUTLET_STEP_ORDER[step_index]
            backward = position and step_index < path[position - 1]
            forward = position and not backward
            steps.append(
                OutletStepRecord(
                    to_step=to_step,
                    work_date=day,
                    note=STEP_NOTES[to_step],
                    reason="溯源结论不清，整治方案无法落地，需补充监测。" if backward else "",
                    document=DEMO_DOCUMENT if forward else "",
                    document_name="一口一策方案（示例）.pdf" if forward else "",
                )
            )
        histories.append((outlets[code], officials.get(unit_code), steps))
    # the real workflow and outlet_move's rules, in bulk
    outlets_history_replay(histories=histories, today=ctx.today)


def _seed_sources(ctx: DemoContext, units) -> None:
    rng = random.Random("water-sources")
    existing = set(DrinkingWaterSource.objects.values_list("name", flat=True))
    DrinkingWaterSource.objects.bulk_create(
        [
            DrinkingWaterSource(
                name=name,
                unit=units[unit_code],
                level=level,
                protection_status=status,
                last_inspection=ctx.today - dt.timedelta(days=rng.randint(5, 150)),
                notes="保护区内发现违法建设 1 处，正在整治。" if status == ProtectionZoneStatus.PROBLEM else "",
            )
            for name, unit_code, level, status in SOURCES
            if name not in existing and unit_code in units
        ]
    )
