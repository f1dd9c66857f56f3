"""Demo for the environmental watch: the rules the speech implies, evaluated over the demo readings, and a few
warnings already answered by their unit; one is left for the inspector to escalate (`rectifications.demo`, which
also links the key enterprises to items). Idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from .choices import Role, WarningStatus
from .demo import DemoContext
from .models import AirStation, MonitoringWarning, RuralSewagePlant, User, WarningRule, WarZone, WaterSection

logger = logging.getLogger(__name__)

# (name, source, parameter, comparison, threshold, duration, level, notes)
CITY_RULES = [
    ("站点日 AQI 超过 200（重度污染）", "air", "aqi", "above", 200, 1, "red", "HJ 633-2012：AQI 201–300 为重度污染。"),
    (
        "断面水质劣于目标类别",
        "water",
        "class_over_target",
        "above",
        0,
        1,
        "yellow",
        "GB 3838-2002 单因子评价类别劣于断面目标类别即不达标。",
    ),
    ("断面溶解氧低于 3 mg/L", "water", "do", "below", 3, 1, "orange", "溶解氧低于 Ⅳ 类限值，警惕黑臭。"),
    (
        "饮用水水源地水质劣于Ⅲ类",
        "drinking",
        "class_over_target",
        "above",
        0,
        1,
        "red",
        "集中式生活饮用水地表水源地执行 GB 3838-2002 Ⅲ 类及以上标准。",
    ),
]
ZONE_RULE = "{zone} PM2.5 连续 3 天超过 75"  # one per war zone: the speech's five zones watch their own stations
MANGXI_SECTION = "LS-P05"  # 井研县 茫溪河 王村断面


# Fictional key enterprises: (name, unit code, industry, organisation code part, permit number)
ENTERPRISES = [
    ("乐山市恒达陶瓷有限公司", "511126", "ceramics", "MA62X1A01", "91511126MA62X1A01P001V"),
    ("夹江县瓷都建材有限公司", "511126", "ceramics", "MA62X1A02", "91511126MA62X1A02P001V"),
    ("乐山市嘉硅新能源有限公司", "511112", "silicon", "MA62X2B01", "91511112MA62X2B01P001U"),
    ("五通桥区盐磷化工有限公司", "511112", "chemical", "MA62X2B02", "91511112MA62X2B02P001R"),
    ("犍为县兴川化工有限公司", "511123", "chemical", "MA62X3C01", "91511123MA62X3C01P001R"),
    ("井研县茫溪食品有限公司", "511124", "food", "MA62X4D01", "91511124MA62X4D01P001W"),
    ("峨眉山市峨秀水泥有限公司", "511181", "cement", "MA62X5E01", "91511181MA62X5E01P001Y"),
    ("沐川县竹林纸业有限公司", "511129", "paper", "MA62X6F01", "91511129MA62X6F01P001W"),
]


def seed_enterprises() -> int:
    """The register, each enterprise linked to one air measure and one industrial outlet of its unit (and to one
    rectification item by `rectifications.demo.seed_watch_items`)."""
    from .credit_code import check_character
    from .models import Enterprise, Measure, SewageOutlet, Unit

    units = {u.code: u for u in Unit.objects.select_related("war_zone")}
    made = 0
    for name, code, industry, org, permit in ENTERPRISES:
        unit = units.get(code)
        if unit is None:
            continue
        first17 = f"91{code}{org}"
        firm, created = Enterprise.objects.get_or_create(
            name=name,
            defaults=dict(
                credit_code=first17 + check_character(first17), industry=industry, unit=unit,
                war_zone=unit.war_zone, permit_number=permit, address=f"{unit.name}工业园区",
            ),
        )  # fmt: skip
        made += created
        for qs in (
            Measure.objects.filter(unit=unit, area="air", source_type="industrial"),
            SewageOutlet.objects.filter(unit=unit, outlet_type="industrial"),
        ):
            if not qs.filter(enterprise=firm).exists():
                pick = qs.filter(enterprise__isnull=True).order_by("pk").first()
                if pick is not None:
                    type(pick).objects.filter(pk=pick.pk).update(enterprise=firm)
    return made


PROCESSES = ["ao", "a2o", "wetland", "biofilter", "packaged"]
RURAL_UNITS = ["511124", "511123", "511126", "511129", "511132", "511133", "511181", "511111", "511112", "511113"]


def seed_rural_plants(ctx: DemoContext) -> int:
    """Three to five village plants per county with the year's monthly reports; a few stopped or under repair."""
    import random
    from decimal import Decimal

    from .models import RuralPlantMonth, RuralSewagePlant, Unit
    from .selectors.rural import complete_months

    rng = random.Random("rural-plants")
    units = {u.code: u for u in Unit.objects.filter(code__in=RURAL_UNITS)}
    villages = ["王村", "李家坝", "石桥", "河口", "新华", "青龙", "团结", "双河"]
    for code in RURAL_UNITS:
        unit = units.get(code)
        if unit is None:
            continue
        for i in range(3 + rng.randrange(3)):
            village = villages[(i + len(code)) % len(villages)]
            name = (
                f"{unit.name}{village}村污水处理站" if not village.endswith("村") else f"{unit.name}{village}污水处理站"
            )
            RuralSewagePlant.objects.get_or_create(
                name=name,
                defaults=dict(
                    village=village, township=f"{village[:2]}镇", unit=unit,
                    capacity=Decimal(rng.choice((20, 30, 50, 80, 100))), process=rng.choice(PROCESSES),
                ),
            )  # fmt: skip
    rows = []
    have = set(RuralPlantMonth.objects.values_list("plant_id", "month"))
    months = complete_months(ctx.today.year, ctx.today)
    for plant in RuralSewagePlant.objects.filter(unit__code__in=RURAL_UNITS).order_by("pk"):
        weak = rng.random() < 0.25  # a quarter of the plants struggle: stops and repairs
        for month in months:
            if (plant.pk, month) in have:
                continue
            roll = rng.random()
            state = "stopped" if weak and roll < 0.3 else "repair" if weak and roll < 0.45 else "running"
            if month == months[-1] and weak:
                state = "stopped"  # the latest month shows stopped plants to warn about
            flow = (
                (plant.capacity * Decimal(rng.uniform(0.5, 0.95))).quantize(Decimal("0.1"))
                if state == "running"
                else None
            )
            funds = Decimal(rng.randrange(300, 2000)) if state != "stopped" else Decimal(0)
            rows.append(RuralPlantMonth(plant=plant, month=month, state=state, flow=flow, funds=funds))
    RuralPlantMonth.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def seed_drinking_readings(ctx: DemoContext) -> int:
    """Twelve months of quality for every registered source, mostly Ⅱ类, now and then Ⅲ, rarely worse (the ingest
    path, so the rules judge them as they arrive)."""
    import random

    from .models import DrinkingWaterReading, DrinkingWaterSource
    from .services.drinking import drinking_readings_upsert

    if DrinkingWaterReading.objects.exists():
        return 0
    rng = random.Random("drinking-sources")
    first = ctx.today.replace(day=1)
    months = []
    for k in range(12, 0, -1):
        index = first.year * 12 + first.month - 1 - k
        months.append(f"{index // 12}-{index % 12 + 1:02d}")
    rows = []
    for source in DrinkingWaterSource.objects.order_by("pk"):
        for month in months:
            roll = rng.random()
            nh3n = rng.uniform(0.05, 0.45) if roll < 0.8 else rng.uniform(0.55, 0.95) if roll < 0.97 else 1.2
            rows.append(
                {"source": source.name, "month": month, "do": f"{rng.uniform(6.2, 8.5):.2f}",
                 "codmn": f"{rng.uniform(1.2, 3.8):.2f}", "nh3n": f"{nh3n:.3f}", "tp": f"{rng.uniform(0.02, 0.09):.3f}"}
            )  # fmt: skip
    return drinking_readings_upsert(rows, today=ctx.today) if rows else 0


def warning_to_escalate() -> MonitoringWarning | None:
    """The demo's escalated warning: the first of the older half (by firing) on a water section — when there is an
    inspector to escalate it."""
    if not User.objects.filter(username="inspector").exists():
        return None
    warnings = list(MonitoringWarning.objects.order_by("fired_on", "pk"))
    return next((w for w in warnings[: len(warnings) // 2] if w.section_id), None)


@transaction.atomic
def seed_watch(ctx: DemoContext) -> None:
    from .services.watch import warning_respond, watch_evaluate

    seed_enterprises()
    seed_rural_plants(ctx)

    for name, source, parameter, comparison, threshold, duration, level, notes in CITY_RULES:
        WarningRule.objects.get_or_create(
            name=name,
            defaults=dict(
                source=source, parameter=parameter, comparison=comparison, threshold=threshold,
                duration=duration, level=level, notes=notes,
            ),
        )  # fmt: skip
    for zone in WarZone.objects.all():
        WarningRule.objects.get_or_create(
            name=ZONE_RULE.format(zone=zone.name),
            defaults=dict(
                source="air", parameter="pm25", threshold=75, duration=3, scope="war_zone", war_zone=zone,
                level="orange", notes="GB 3095-2012 PM2.5 日均二级限值 75 µg/m³。",
            ),
        )  # fmt: skip
    mangxi = WaterSection.objects.filter(code=MANGXI_SECTION).first()
    if mangxi is not None:
        WarningRule.objects.get_or_create(
            name="茫溪河王村断面氨氮超过 1.0 mg/L",
            defaults=dict(
                source="water", parameter="nh3n", threshold=1.0, duration=1, scope="section", section=mangxi,
                level="orange", notes="氨氮 Ⅲ 类限值 1.0 mg/L；茫溪河是井研县水质攻坚重点。",
            ),
        )  # fmt: skip

    seed_drinking_readings(ctx)
    # Judge the demo readings as if they had just arrived (the demo writes them without the ingest path).
    watch_evaluate(
        source="air",
        subject_ids=AirStation.objects.values_list("pk", flat=True),
        first=ctx.today - dt.timedelta(days=90),
        last=ctx.today,
    )
    year_ago = ctx.today.replace(day=1) - dt.timedelta(days=365)
    watch_evaluate(
        source="water",
        subject_ids=WaterSection.objects.values_list("pk", flat=True),
        first=year_ago.replace(day=1),
        last=ctx.today.replace(day=1),
    )
    # the village plants' months (written in bulk above): a stopped month warns its unit
    watch_evaluate(
        source="rural",
        subject_ids=RuralSewagePlant.objects.values_list("pk", flat=True),
        first=ctx.today.replace(month=1, day=1),
        last=ctx.today.replace(day=1),
    )

    # A realistic inbox: the older half answered by the unit, one escalated, the recent ones open.
    if MonitoringWarning.objects.exclude(status=WarningStatus.OPEN).exists():
        return
    officials = {u.unit_id: u for u in User.objects.filter(groups__name=Role.COUNTY_OFFICIAL, unit__isnull=False)}
    warnings = list(MonitoringWarning.objects.order_by("fired_on", "pk"))
    escalate = warning_to_escalate()
    for w in warnings[: len(warnings) // 2]:
        if w == escalate:
            continue  # the inspector turns it into a rectification item (rectifications.demo.seed_watch_items)
        if w.unit_id in officials:
            answer = (
                "已组织排查超标原因，督促工地停工洒水、涉气企业错峰限产，次日复测回落。"
                if w.station_id
                else "已更换损坏水泵、落实运维资金，设施恢复运行。"
                if w.rural_plant_id
                else "已排查沿河排口，截污管网已封堵 2 处直排口，加密监测。"
            )
            warning_respond(user=officials[w.unit_id], warning_id=w.pk, expected_version=w.version, response=answer)
    logger.info("watch demo: %d warnings", len(warnings))
