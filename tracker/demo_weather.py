"""Demo for the heavy-pollution weather response and the river chiefs, through the real services. Idempotent.

Weather: forecasts for every county for the last 45 days and the next 3 (near what was measured, a little pessimistic
on the worst days), each county's emergency list (its key enterprises first), and one orange warning over the four
worst days of the last two months — issued yellow, raised to orange, answered by the units day by day, lifted.

Rivers: four levels of chiefs on 茫溪河 (井研县, the speech's example) and county chiefs on each county's rivers, with a
quarter of patrols and a few fishing-ban cases (a finding becomes a rectification item in `rectifications.demo`).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal

import pandas as pd
from django.db import transaction

from .choices import Role, UnitKind
from .demo import DemoContext, person_name
from .models import (
    EmergencyMeasure,
    Enterprise,
    FishingBanCase,
    Person,
    River,
    RiverChief,
    RiverPatrol,
    Unit,
    User,
    WeatherWarning,
)

logger = logging.getLogger(__name__)

# Generic lines every county's list carries besides its key enterprises: (source, measure, level, PM2.5, NOx, VOCs)
GENERIC_MEASURES = [
    ("建筑工地", "停止土石方作业和建筑拆除，裸土全部覆盖，每日洒水 4 次", "yellow", "0.120", "0", "0"),
    ("城区道路", "增加机扫和洒水频次，渣土车禁止上路", "yellow", "0.080", "0", "0"),
    ("重型柴油货车", "国四及以下重型货车绕行城区", "orange", "0.015", "0.450", "0.020"),
    ("餐饮油烟", "城区露天烧烤全部停业", "red", "0.010", "0", "0.030"),
]
ENTERPRISE_MEASURES = {
    "ceramics": ("窑炉限产 30%，原料堆场全封闭", "0.250", "0.600", "0.050"),
    "silicon": ("还原炉错峰生产，物料运输停止", "0.080", "0.200", "0.010"),
    "chemical": ("涉 VOCs 工序停产，储罐停止装卸", "0.050", "0.300", "0.800"),
    "cement": ("熟料生产线停窑", "0.400", "1.200", "0.020"),
    "paper": ("锅炉降负荷 50%", "0.060", "0.150", "0.010"),
    "food": ("燃气锅炉降负荷", "0.010", "0.040", "0.005"),
}
RESPONSES = [
    "已通知清单内企业按橙色预警要求限产，现场检查 {n} 家，均已落实。",
    "城区工地全部停止土石方作业，出动洒水车 {n} 台次。",
    "重型货车绕行管控，查处违规车辆 {n} 辆。",
]


def _officials() -> dict[int, User]:
    return {u.unit_id: u for u in User.objects.filter(groups__name=Role.COUNTY_OFFICIAL, unit__isnull=False)}


def _counties():
    return list(Unit.objects.filter(is_active=True).exclude(kind=UnitKind.DEPARTMENT).order_by("sort_order", "code"))


# --- weather --------------------------------------------------------------------------------------------------
def seed_forecasts(ctx: DemoContext, measured: pd.DataFrame, worst: set[dt.date]) -> int:
    from .services.weather import air_forecasts_upsert

    rng = random.Random("forecasts")
    codes = {u.pk: u.code for u in _counties()}
    rows = []
    days = pd.to_datetime(measured["date"]).dt.date.tolist()
    for r, day in zip(measured.itertuples(), days, strict=True):
        if pd.isna(r.aqi) or int(r.unit_id) not in codes:
            continue
        aqi = float(r.aqi)
        if day in worst:  # the forecasters saw the episode coming, worse than it turned out under the response
            low, high = aqi * 1.08 + rng.uniform(5, 15), aqi * 1.3 + rng.uniform(15, 30)
        else:
            centre = aqi + rng.uniform(-12, 12)
            low, high = centre - rng.uniform(10, 20), centre + rng.uniform(10, 25)
        low, high = max(0, round(low)), min(500, round(high))
        rows.append(
            {
                "unit": codes[int(r.unit_id)],
                "date": day.isoformat(),
                "aqi_low": low,
                "aqi_high": max(low, high),
                "primary_pollutant": "PM2.5" if high > 100 else "",
                "issued_on": (day - dt.timedelta(days=1)).isoformat(),
            }
        )
    for code in codes.values():  # the outlook: the next three days
        for k in range(1, 4):
            day = ctx.today + dt.timedelta(days=k)
            centre = rng.uniform(50, 110)
            rows.append(
                {
                    "unit": code,
                    "date": day.isoformat(),
                    "aqi_low": round(centre - 15),
                    "aqi_high": round(centre + 20),
                    "primary_pollutant": "PM2.5",
                    "issued_on": ctx.today.isoformat(),
                }
            )
    return air_forecasts_upsert(rows, today=ctx.today) if rows else 0


def seed_emergency_lists(officials: dict[int, User]) -> int:
    from .services.weather import emergency_measure_save

    created = 0
    for unit in _counties():
        official = officials.get(unit.pk)
        if official is None or EmergencyMeasure.objects.filter(unit=unit).exists():
            continue
        for enterprise in Enterprise.objects.filter(unit=unit).order_by("name"):
            text, pm, nox, vocs = ENTERPRISE_MEASURES.get(enterprise.industry, ("错峰生产", "0.020", "0.050", "0.010"))
            emergency_measure_save(
                user=official, unit_id=unit.pk, source=enterprise.name, measure=text, from_level="yellow",
                pm25_reduction=Decimal(pm), nox_reduction=Decimal(nox), vocs_reduction=Decimal(vocs),
                enterprise_id=enterprise.pk,
            )  # fmt: skip
            created += 1
        for source, text, level, pm, nox, vocs in GENERIC_MEASURES:
            emergency_measure_save(
                user=official, unit_id=unit.pk, source=source, measure=text, from_level=level,
                pm25_reduction=Decimal(pm), nox_reduction=Decimal(nox), vocs_reduction=Decimal(vocs),
            )  # fmt: skip
            created += 1
    return created


def _worst_window(measured: pd.DataFrame, today: dt.date) -> list[dt.date]:
    """The four consecutive days with the highest city mean PM2.5 among the last 60, ending at least 3 days ago."""
    city = measured.groupby("date")["pm25"].mean().sort_index()
    city.index = pd.to_datetime(pd.Series(city.index)).dt.date.tolist()
    days = [d for d in city.index if today - dt.timedelta(days=60) <= d <= today - dt.timedelta(days=3)]
    if len(days) < 4:
        return []
    best = max(range(len(days) - 3), key=lambda i: sum(float(city[d]) for d in days[i : i + 4]))
    return days[best : best + 4]


def seed_warning(ctx: DemoContext, window: list[dt.date], officials: dict[int, User]) -> WeatherWarning | None:
    """One warning over `window`, through issue → level change → daily responses → lift."""
    from .services.weather import (
        emergency_response_report,
        weather_warning_change_level,
        weather_warning_issue,
        weather_warning_lift,
    )

    leader = User.objects.filter(username="leader").first()
    if leader is None or not window or WeatherWarning.objects.exists():
        return None
    rng = random.Random("weather-warning")
    first, last = window[0], window[-1]
    warning = weather_warning_issue(
        user=leader,
        title=f"{first.month}月{first.day}日起重污染天气过程",
        level="yellow",
        starts_on=first,
        planned_end=last,
        reason="受静稳高湿天气和区域传输影响，预计全市将出现中至重度污染过程，首要污染物 PM2.5。",
    )
    warning = weather_warning_change_level(
        user=leader, warning_id=warning.pk, expected_version=warning.version, level="orange",
        note="会商研判污染程度加重，升级为橙色预警，各单位执行橙色级别减排措施。",
    )  # fmt: skip
    for unit in _counties():
        official = officials.get(unit.pk)
        if official is None:
            continue
        measures = list(EmergencyMeasure.objects.filter(unit=unit, from_level__in=("yellow", "orange")).order_by("pk"))
        for day in window:
            if rng.random() < 0.15:  # a few units miss a day: the summary shows it
                continue
            measure = rng.choice(measures) if measures else None
            emergency_response_report(
                user=official, warning_id=warning.pk, unit_id=unit.pk, date=day,
                action=rng.choice(RESPONSES).format(n=rng.randint(3, 18)), measure_id=measure.pk if measure else None,
            )  # fmt: skip
    return weather_warning_lift(
        user=leader, warning_id=warning.pk, expected_version=warning.version, lifted_on=last,
        note="气象条件转好，污染过程结束，解除预警。",
    )  # fmt: skip


@transaction.atomic
def seed_weather(ctx: DemoContext) -> None:
    from .selectors.air import daily_means, readings_frame

    officials = _officials()
    start = ctx.today - dt.timedelta(days=60)
    measured = daily_means(readings_frame(start=start, end=ctx.today), "unit_id")
    window = _worst_window(measured, ctx.today) if not measured.empty else []
    if not measured.empty and not WeatherWarning.objects.exists():
        recent = measured[pd.to_datetime(measured["date"]).dt.date >= ctx.today - dt.timedelta(days=45)]
        seed_forecasts(ctx, recent, set(window))
    seed_emergency_lists(officials)
    seed_warning(ctx, window, officials)
    logger.info("weather demo: warning window %s", window)


# --- rivers ---------------------------------------------------------------------------------------------------
# 茫溪河 in 井研县: one chief per level (the speech's example of a river run by its chiefs)
MANGXI_CHIEFS = [
    ("city", "副市长", "茫溪河全流域"),
    ("county", "井研县县长", "井研县境内段"),
    ("township", "研城镇镇长", "研城镇段"),
    ("village", "王村村主任", "王村段"),
]
PROBLEMS = [
    "",
    "",
    "",
    "岸边发现生活垃圾堆放约 2 立方米",
    "一处排口有浑浊污水排出，疑似养殖废水",
    "河道内有网箱残留，疑似非法捕捞",
]


def _person(unit: Unit, name: str, post: str) -> Person:
    person, _ = Person.objects.get_or_create(unit=unit, name=name, post=post)
    return person


def seed_river_chiefs(rng: random.Random) -> list[RiverChief]:
    from .demo_water import UNIT_RIVERS

    chiefs = []
    units = {u.code: u for u in Unit.objects.filter(code__in=UNIT_RIVERS)}
    mangxi = River.objects.filter(name="茫溪河").first()
    jingyan = units.get("511124")
    if mangxi and jingyan:
        for level, post, stretch in MANGXI_CHIEFS:
            person = _person(jingyan, person_name(rng), post)
            chief, _ = RiverChief.objects.get_or_create(
                river=mangxi, level=level, stretch=stretch, unit=jingyan,
                defaults={"person": person, "appointed_on": dt.date(2021, 3, 1)},
            )  # fmt: skip
            chiefs.append(chief)
    for code, rivers in UNIT_RIVERS.items():
        unit = units.get(code)
        if unit is None:
            continue
        for name in rivers:
            river = River.objects.filter(name=name).first()
            if river is None or (code == "511124" and name == "茫溪河"):
                continue
            stretch = f"{unit.name}境内段"
            existing = RiverChief.objects.filter(river=river, level="county", stretch=stretch, unit=unit).first()
            if existing is None:
                person = _person(unit, person_name(rng), f"{unit.name}副县（区）长")
                existing = RiverChief.objects.create(river=river, level="county", stretch=stretch, unit=unit,
                                                     person=person, appointed_on=dt.date(2021, 3, 1))  # fmt: skip
            chiefs.append(existing)
    return chiefs


def seed_patrols(ctx: DemoContext, chiefs: list[RiverChief], officials: dict[int, User], rng: random.Random) -> int:
    from .services.rivers import river_patrol_record

    if RiverPatrol.objects.exists():
        return 0
    every = {"city": 80, "county": 25, "township": 9, "village": 6}  # days between patrols, roughly
    n = 0
    for chief in chiefs:
        official = officials.get(chief.unit_id)
        if official is None:
            continue
        lazy = rng.random() < 0.3  # some chiefs fall behind their level's frequency
        day = dt.date(ctx.today.year, 1, 1) + dt.timedelta(days=rng.randint(0, 6))
        while day <= ctx.today:
            problems = rng.choice(PROBLEMS)
            river_patrol_record(
                user=official, chief_id=chief.pk, date=day, stretch=chief.stretch or chief.river.name,
                problems=problems, handled="已通知镇村清理，责令限期整改。" if problems else "",
            )  # fmt: skip
            n += 1
            gap = every[chief.level] * (2 if lazy else 1)
            day += dt.timedelta(days=max(1, gap + rng.randint(-2, 2)))
    return n


def seed_fishing_cases(ctx: DemoContext, officials: dict[int, User], rng: random.Random) -> int:
    from .services.rivers import fishing_case_record

    if FishingBanCase.objects.exists():
        return 0
    n = 0
    rivers = {r.name: r for r in River.objects.all()}
    for code, river_name, count in [("511123", "岷江", 4), ("511102", "大渡河", 3), ("511112", "岷江", 2),
                                    ("511124", "茫溪河", 1), ("511129", "马边河", 2)]:  # fmt: skip
        unit = Unit.objects.filter(code=code).first()
        official = officials.get(unit.pk) if unit else None
        if official is None:
            continue
        for k in range(count):
            day = ctx.today - dt.timedelta(days=rng.randint(5, 200))
            day = max(day, dt.date(ctx.today.year, 1, 1))
            fishing_case_record(
                user=official, unit_id=unit.pk, case_no=f"{code}-JY-{ctx.today.year}-{k + 1:03d}", date=day,
                kind=rng.choice(["fishing", "fishing", "gear", "trade"]),
                outcome=rng.choice(["penalty", "penalty", "criminal", "warning"]),
                river_id=rivers[river_name].pk if river_name in rivers else None,
                description="夜间巡查发现电鱼作业，现场收缴电鱼器具。" if k % 2 == 0
                else "市场检查发现销售长江野生鱼。",
            )  # fmt: skip
            n += 1
    return n


@transaction.atomic
def seed_rivers(ctx: DemoContext) -> None:
    rng = random.Random("river-chiefs")
    officials = _officials()
    chiefs = seed_river_chiefs(rng)
    patrols = seed_patrols(ctx, chiefs, officials, rng)
    cases = seed_fishing_cases(ctx, officials, rng)
    logger.info("rivers demo: %d chiefs, %d patrols, %d fishing cases", len(chiefs), patrols, cases)
