"""Demo funds and projects for `manage.py seed_demo`: three years of funds, ~120 projects across the pipeline.

Execution rates differ by unit (rural sewage money is paid slowest, as the speech complains), and the two
projects the speech names as stalled are stalled. Deterministic (own seeded Random, dates relative to
`ctx.today`), idempotent (funds by name, projects by code; history only for projects created now), bulk inserts.
"""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db import transaction

from tracker.demo import PINYIN, DemoContext, person_name
from tracker.models import Unit, User

from .choices import STAGE_ORDER, FundArea, FundLevel, PilotKind, PilotLevel, Stage
from .models import Fund, Payment, Pilot, PilotMilestone, ProgressReport, Project, StageChange

logger = logging.getLogger(__name__)

# (level, area, base amount in 万元)
FUND_PLAN = [
    (FundLevel.CENTRAL, FundArea.WATER, 5200),
    (FundLevel.CENTRAL, FundArea.AIR, 2600),
    (FundLevel.CENTRAL, FundArea.SOIL, 1800),
    (FundLevel.CENTRAL, FundArea.RURAL, 3000),
    (FundLevel.PROVINCIAL, FundArea.WATER, 2400),
    (FundLevel.PROVINCIAL, FundArea.RURAL, 1600),
    (FundLevel.PROVINCIAL, FundArea.WASTE, 900),
    (FundLevel.CITY, FundArea.ECOLOGY, 800),
]
AREA_NAME = {
    FundArea.WATER: "水污染防治",
    FundArea.AIR: "大气污染防治",
    FundArea.SOIL: "土壤污染防治",
    FundArea.RURAL: "农村环境整治",
    FundArea.WASTE: "固体废物污染防治",
    FundArea.ECOLOGY: "生态保护修复",
}
PROJECT_NAMES = {
    FundArea.WATER: [
        "{p}污水处理厂提标改造工程",
        "{p}河段水环境综合治理工程",
        "{p}城镇污水管网完善工程",
        "{p}入河排污口规范化整治",
    ],
    FundArea.AIR: ["{p}工业园区VOCs综合治理项目", "{p}餐饮油烟在线监控项目", "{p}扬尘污染智能监管项目"],
    FundArea.SOIL: ["{p}受污染耕地安全利用项目", "{p}尾矿库污染风险管控工程", "{p}地下水环境状况调查评估"],
    FundArea.RURAL: ["{p}农村生活污水治理工程", "{p}乡镇污水处理设施运维提升", "{p}农村黑臭水体整治"],
    FundArea.WASTE: ["{p}危险废物规范化管理提升", "{p}一般工业固废综合利用项目"],
    FundArea.ECOLOGY: ["{p}生态保护修复工程", "{p}湿地保护与恢复项目"],
}
PLACES = ["城区", "东片区", "西片区", "南片区", "北片区", "工业园区", "重点镇", "沿河乡镇"]
# How many projects of each stage to create, spread over the units round-robin.
STAGE_COUNTS = {
    Stage.RESERVE: 20,
    Stage.PACKAGING: 15,
    Stage.APPLICATION: 12,
    Stage.LIBRARY: 10,
    Stage.FUNDED: 14,
    Stage.STARTED: 36,
    Stage.COMPLETED: 13,
}
TERRITORIES = [
    "511102", "511111", "511112", "511113", "511123", "511124",
    "511126", "511129", "511132", "511133", "511181", "511171",
]  # fmt: skip
# Units' payment pace (share of the allocation paid, before the age and area factors): varied so rankings differ.
PACE = {
    "511102": 0.95, "511111": 0.8, "511112": 0.9, "511113": 0.55, "511123": 0.5, "511124": 0.85,
    "511126": 0.75, "511129": 0.45, "511132": 0.6, "511133": 0.65, "511181": 1.0, "511171": 0.7,
}  # fmt: skip
AREA_PACE = {FundArea.RURAL: 0.45}  # rural sewage money is paid slowest (speech: 全省倒数第3)
NAMED_STALLED = [
    ("511129", "沐川县沐溪河流域综合整治与生态建设工程", FundArea.WATER),
    ("511123", "犍为县罗城新店儿水库环境整治及生态修复", FundArea.ECOLOGY),
]


def _yuan(wan: float) -> Decimal:
    return (Decimal(str(round(wan, 2))) * 10000).quantize(Decimal("0.01"))


@transaction.atomic
def seed_projects(ctx: DemoContext) -> None:
    """Create the demo funds, projects, stage history, payments and progress reports that are missing."""
    rng = random.Random(2022)  # independent of what other seeders drew
    today = ctx.today
    years = [today.year - 2, today.year - 1, today.year]
    units = {u.code: u for u in Unit.objects.filter(code__in=[*TERRITORIES, "D-HJ", "D-NY"])}
    if not units:
        logger.warning("projects demo: no units; run the units seeder first")
        return
    officials = {u.unit_id: u for u in User.objects.filter(username__in=PINYIN.values(), unit__isnull=False)}
    fallback_user = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.order_by("pk").first()

    # Funds: three years × eight lines. Each fund's amount is what its planned projects get plus an unassigned
    # remainder (money that reached the city without a ready project — the speech's complaint), set below.
    fund_specs = {}
    for year in years:
        for level, area, base in FUND_PLAN:
            name = f"{year}年{level.label}{AREA_NAME[area]}专项资金"
            fund_specs[name] = {"level": level, "year": year, "area": area, "base": base, "assigned": Decimal("0")}
    by_area: dict[str, list[str]] = {}
    for name, spec in fund_specs.items():
        by_area.setdefault(spec["area"], []).append(name)

    # Projects: deterministic plan, created only when their code is missing.
    plan = []
    n = 0
    for stage, count in STAGE_COUNTS.items():
        for _ in range(count):
            code = TERRITORIES[n % len(TERRITORIES)]
            area = rng.choice(list(PROJECT_NAMES))
            plan.append((code, area, stage, None))
            n += 1
    for code, name, area in NAMED_STALLED:
        plan.append((code, area, Stage.STARTED, name))
    plan.append(("D-HJ", FundArea.SOIL, Stage.STARTED, "市级土壤污染重点监管单位隐患排查项目"))
    plan.append(("D-NY", FundArea.RURAL, Stage.FUNDED, "全市农村生活污水处理设施运行监管平台"))

    existing_codes = set(Project.objects.values_list("code", flat=True))
    new_projects: list[Project] = []
    extras: dict[str, dict] = {}
    for i, (unit_code, area, stage, fixed_name) in enumerate(plan, start=1):
        unit = units.get(unit_code)
        pcode = f"XM-{unit_code}-{i:03d}"
        # Draw every random value even for existing projects, so the plan stays the same on a second run.
        template = rng.choice(PROJECT_NAMES[area])
        place = rng.choice(PLACES)
        investment = rng.randint(80, 3000)
        share = rng.uniform(0.4, 0.9)
        fund_pick = rng.random()
        start_offset = rng.randint(60, 700)
        duration = rng.randint(240, 720)
        lag = rng.random()
        name = fixed_name or ((unit.name if unit else "") + template.format(p=place))
        funded = STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.FUNDED)
        fund = None
        allocated = Decimal("0")
        if funded:
            candidates = sorted(by_area[area], key=lambda f: (fund_specs[f]["year"], fund_specs[f]["level"]))
            fund = candidates[int(fund_pick * len(candidates))]
            allocated = _yuan(investment * share)
            fund_specs[fund]["assigned"] += allocated
        if stage in (Stage.STARTED, Stage.COMPLETED):
            planned_start = today - timedelta(days=start_offset)
            fund_year = fund_specs[fund]["year"]
            if planned_start.year < fund_year:
                planned_start = date(fund_year, 3, 1) if date(fund_year, 3, 1) < today else today - timedelta(days=60)
        else:  # not started yet: the planned start lies ahead
            planned_start = today + timedelta(days=10 + start_offset // 6)
        planned_completion = planned_start + timedelta(days=duration)
        started = stage in (Stage.STARTED, Stage.COMPLETED)
        completed = stage == Stage.COMPLETED
        actual_start = planned_start + timedelta(days=int(lag * 40)) if started else None
        if actual_start and actual_start > today:
            actual_start = today - timedelta(days=10)
        actual_completion = None
        if completed:
            planned_completion = min(planned_completion, today - timedelta(days=20))
            if planned_completion < planned_start:
                planned_completion = planned_start + timedelta(days=5)
            actual_completion = planned_completion
        if unit is None or pcode in existing_codes:
            continue
        project = Project(
            code=pcode,
            name=name,
            unit=unit,
            fund=None,
            stage=stage,
            investment=_yuan(investment),
            allocated_amount=allocated,
            planned_start=planned_start,
            planned_completion=planned_completion,
            actual_start=actual_start,
            actual_completion=actual_completion,
            progress=100 if completed else 0,
            responsible_person=person_name(rng),
            version=STAGE_ORDER.index(stage),
        )
        project._fund_name = fund
        new_projects.append(project)
        extras[pcode] = {"area": area, "named": fixed_name is not None, "lag": lag, "unit_code": unit_code}
    existing_funds = set(Fund.objects.filter(name__in=list(fund_specs)).values_list("name", flat=True))
    Fund.objects.bulk_create(
        [
            Fund(
                name=name,
                level=spec["level"],
                year=spec["year"],
                area=spec["area"],
                # assigned money plus 10–40 % not yet assigned (at least a base sum for a fund with no project)
                amount=(
                    spec["assigned"] * Decimal(str(1.1 + (spec["base"] % 7) * 0.05)) + _yuan(spec["base"] / 20)
                ).quantize(Decimal("10000")),
            )
            for name, spec in fund_specs.items()
            if name not in existing_funds
        ]
    )
    funds = {f.name: f for f in Fund.objects.filter(name__in=list(fund_specs))}
    for project in new_projects:
        if project.fund_id is None and getattr(project, "_fund_name", None):
            project.fund = funds[project._fund_name]
    if not new_projects:
        return
    Project.objects.bulk_create(new_projects)
    created = list(Project.objects.filter(code__in=[p.code for p in new_projects]).select_related("fund"))

    changes, payments, reports = [], [], []
    for project in created:
        info = extras[project.code]
        user = officials.get(project.unit_id) or fallback_user
        # Stage history: one forward step at a time up to the current stage, spread over the last months.
        steps = STAGE_ORDER[: STAGE_ORDER.index(project.stage) + 1]
        for a, b in pairwise(steps):
            changes.append(StageChange(project=project, from_stage=a, to_stage=b, reason="", changed_by=user))
        if project.fund is None:
            continue
        # Payments: share paid depends on the unit's pace, the fund's age and the area (rural slowest).
        age_factor = {0: 0.3, 1: 0.65, 2: 0.9}[min(2, today.year - project.fund.year)]
        rate = PACE.get(info["unit_code"], 0.7) * age_factor * AREA_PACE.get(info["area"], 1.0)
        if project.stage == Stage.COMPLETED:
            rate = max(rate, 0.92)
        if project.stage == Stage.FUNDED:
            rate *= 0.3
        if info["named"]:
            rate = 0.18
        total = (project.allocated_amount * Decimal(str(round(min(rate, 1.0), 3)))).quantize(Decimal("0.01"))
        parts = rng.randint(1, 4)
        first_day = project.actual_start or project.planned_start or today - timedelta(days=90)
        first_day = max(first_day, date(project.fund.year, 1, 1))
        span = max(1, (today - first_day).days)
        paid = Decimal("0")
        for k in range(parts):
            amount = (total / parts).quantize(Decimal("0.01")) if k < parts - 1 else total - paid
            if amount <= 0:
                continue
            paid += amount
            paid_on = first_day + timedelta(days=int(span * (k + 1) / (parts + 1)))
            payments.append(
                Payment(
                    project=project,
                    amount=amount,
                    paid_on=min(paid_on, today),
                    voucher_no=f"PZ{project.fund.year}-{project.pk:04d}-{k + 1}",
                    note="拨付工程进度款",
                    entered_by=user,
                )
            )
        # Progress reports every ~30 days since the start; a few projects stop reporting or fall behind.
        if project.stage in (Stage.STARTED, Stage.COMPLETED) and project.actual_start:
            stalled = info["named"] or info["lag"] > 0.9
            stop = (
                today - timedelta(days=rng.randint(45, 90)) if stalled else today - timedelta(days=rng.randint(3, 20))
            )
            total_days = max(1, (project.planned_completion - project.planned_start).days)
            days = []
            day = project.actual_start + timedelta(days=30)
            while day < stop:
                days.append(day)
                day += timedelta(days=30)
            if not stalled and stop >= project.actual_start:
                days.append(stop)  # a recent report: this project is moving
            for day in days:
                planned = min(100, (day - project.planned_start).days / total_days * 100)
                progress = int(planned * (0.35 if stalled else rng.uniform(0.98, 1.08)))
                reports.append(
                    ProgressReport(
                        project=project,
                        reported_on=day,
                        progress=max(0, min(100, progress)),
                        note="按计划推进施工" if not stalled else "征地拆迁协调未完成，施工进展缓慢",
                        reported_by=user,
                    )
                )
            if project.stage == Stage.COMPLETED:
                reports.append(
                    ProgressReport(
                        project=project,
                        reported_on=project.actual_completion or today,
                        progress=100,
                        note="项目已完工，待验收",
                        reported_by=user,
                    )
                )
    StageChange.objects.bulk_create(changes)
    Payment.objects.bulk_create(payments)
    ProgressReport.objects.bulk_create(reports)
    # The project's visible progress is its latest report's.
    latest: dict[int, ProgressReport] = {}
    for r in reports:
        if r.project_id not in latest or r.reported_on >= latest[r.project_id].reported_on:
            latest[r.project_id] = r
    for project in created:
        if project.pk in latest:
            project.progress = latest[project.pk].progress
    Project.objects.bulk_update([p for p in created if p.pk in latest], ["progress"])
    logger.info("projects demo: %d projects, %d payments, %d reports", len(created), len(payments), len(reports))


# The speech's pilots (开篇, 四(三)): 国家试点 and 省级试点 won this year, and the 五通桥区 soil pilots of 二(二).
# (name, level, kind, lead unit code, fund area of its supporting projects, goal, milestones as (name, months from
# the approval date), months to completion)
PILOTS = [
    ("十四五时期全国“无废城市”建设", PilotLevel.NATIONAL, PilotKind.WASTE_FREE, "D-HJ", FundArea.WASTE,
     "围绕“无废城市”创建标准，细化市级总体方案，加快固废基础设施建设和运营提质增效。",
     [("市级总体方案印发", 2), ("固废信息化监管平台上线", 6), ("一般工业固废综合利用项目开工", 9),
      ("中期评估", 18)], 36),
    ("“三线一单”减污降碳协同试点", PilotLevel.NATIONAL, PilotKind.THREE_LINES, "D-HJ", FundArea.AIR,
     "在生态环境分区管控中纳入碳排放管控要求，形成减污降碳协同管控清单。",
     [("试点工作方案报批", 1), ("管控单元碳排放核算", 5), ("协同管控清单发布", 10)], 18),
    ("第二批EOD模式试点项目", PilotLevel.NATIONAL, PilotKind.EOD, "511112", FundArea.WATER,
     "以生态环境治理带动产业开发，实现治理投入与产业收益平衡。",
     [("实施方案获批", 1), ("项目入库并落实融资", 4), ("主体工程开工", 8), ("生态治理工程完工", 20)], 30),
    ("省级近零碳园区试点", PilotLevel.PROVINCIAL, PilotKind.NEAR_ZERO_CARBON, "511171", FundArea.AIR,
     "园区能源结构清洁化、碳排放监测核算体系建成。",
     [("园区碳排放清单编制", 3), ("分布式光伏项目并网", 9), ("试点验收申请", 24)], 24),
    ("长江黄河上游土壤风险管控试点", PilotLevel.PROVINCIAL, PilotKind.SOIL_RISK, "511112", FundArea.SOIL,
     "五通桥区开展土壤风险管控，排查整治“三磷”和尾矿库生态环境问题。",
     [("重点地块风险排查", 3), ("风险管控实施方案评审", 5), ("风险管控工程实施", 10), ("效果评估", 20)], 24),
    ("耕地土壤重金属成因排查分析试点", PilotLevel.PROVINCIAL, PilotKind.HEAVY_METAL, "511112", FundArea.SOIL,
     "查明耕地土壤重金属超标成因，提出分类管控措施。",
     [("布点采样方案评审", 2), ("样品检测分析", 6), ("成因分析报告", 12)], 15),
]  # fmt: skip


def _months_after(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, min(day.day, 28))


@transaction.atomic
def seed_pilots(ctx: DemoContext) -> None:
    """The speech's pilots with milestone plans: approved early this year, the first milestones done (one late),
    and the projects of their fund area in their lead unit (or anywhere, for department-led pilots) behind them."""
    units = {u.code: u for u in Unit.objects.filter(code__in=[p[3] for p in PILOTS])}
    if len(units) < len({p[3] for p in PILOTS}):
        logger.warning("pilots demo: units missing; run the units seeder first")
        return
    recorder = User.objects.filter(is_superuser=True).order_by("pk").first()
    approved = date(ctx.today.year, 1, 15)
    for name, level, kind, unit_code, area, goal, steps, months in PILOTS:
        pilot, created = Pilot.objects.get_or_create(
            name=name,
            defaults={
                "level": level, "kind": kind, "lead_unit": units[unit_code], "goal": goal,
                "approved_on": approved, "due_on": _months_after(approved, months),
            },
        )  # fmt: skip
        if not created:
            continue
        for i, (step, after) in enumerate(steps):
            planned = _months_after(approved, after)
            done = None
            # Done: milestones planned before today, except the second of the soil-risk pilot (late, shown red).
            if planned < ctx.today and not (kind == PilotKind.SOIL_RISK and i == 1):
                done = min(planned + timedelta(days=(i * 7) % 20), ctx.today)
            PilotMilestone.objects.create(
                pilot=pilot, name=step, planned_on=planned, done_on=done,
                evidence="已完成，相关文件已归档。" if done else "", recorded_by=recorder if done else None,
            )  # fmt: skip
        projects = Project.objects.filter(fund__area=area)
        if not unit_code.startswith("D-"):
            projects = projects.filter(unit=units[unit_code])
        pilot.projects.set(projects.order_by("code")[:3])
        pilot.funds.set(Fund.objects.filter(area=area, year=ctx.today.year).order_by("name")[:2])
    logger.info("pilots demo: %d pilots", Pilot.objects.count())


@transaction.atomic
def seed_milestones(ctx: DemoContext) -> None:
    """Milestone plans (倒排工期) on a few projects, through the service as their unit's official: a funded project
    that missed its 开工 node (behind), one under way on plan, one in the library and one reserve project to start
    next year (it shows in next year's project reserve). Projects that already have a plan are left alone."""
    from .services import project_milestones_set

    today = ctx.today
    y = today.year
    plans = [
        # (stage, plan) — the speech's example: 开工 by 3月31日, 竣工 by 11月30日
        (Stage.FUNDED, {Stage.STARTED: date(y, 3, 31), Stage.COMPLETED: date(y, 11, 30)}),
        (Stage.STARTED, {Stage.STARTED: date(y, 3, 31), Stage.COMPLETED: date(y + 1, 6, 30)}),
        (Stage.LIBRARY, {Stage.FUNDED: today + timedelta(days=30), Stage.STARTED: today + timedelta(days=90),
                         Stage.COMPLETED: date(y + 1, 11, 30)}),
        (Stage.PACKAGING, {Stage.APPLICATION: today + timedelta(days=45), Stage.STARTED: date(y + 1, 3, 31),
                           Stage.COMPLETED: date(y + 1, 11, 30)}),
    ]  # fmt: skip
    named = [name for _code, name, _area in NAMED_STALLED]
    done = 0
    for stage, plan in plans:
        project = (
            Project.objects.filter(stage=stage, unit__code__in=TERRITORIES, proposal_status="")
            .exclude(name__in=named)
            .order_by("code")
            .first()
        )
        if project is None or project.milestones.exists():
            continue
        official = User.objects.filter(unit=project.unit, is_active=True).order_by("pk").first()
        if official is None:
            continue
        project_milestones_set(project=project, plan=plan, user=official)
        done += 1
    logger.info("projects demo: %d milestone plans", done)
