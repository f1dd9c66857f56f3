"""Demo data of the assessment: indicators, this year's scheme (and last year's for improvement ranks),
targets for every territorial unit, entered values for the months so far, and a scored ranking at each
month end. Idempotent: rows are looked up by natural key and only what is missing is created.
"""

from __future__ import annotations

import calendar
import logging
import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tracker.choices import Role
from tracker.demo import DemoContext
from tracker.models import User
from tracker.selectors import territorial_units

from .choices import RunStatus, ValueStatus
from .models import AssessmentItem, AssessmentScheme, DataValue, DataValueEvent, Indicator, ScoringRun, Target
from .services import scores_compute

logger = logging.getLogger(__name__)

# code, name, measure, direction, area, source, aggregate, typical target, spread of actual values
INDICATORS = [
    ("air_good_day_rate", "优良天数率", "%", "higher", "air", "computed", "mean", 88.0, 6),
    ("air_pm25_mean", "PM2.5平均浓度", "µg/m³", "lower", "air", "computed", "mean", 35.0, 5),
    ("air_composite_index", "环境空气质量综合指数", "", "lower", "air", "computed", "mean", 3.8, 0),
    ("water_section_compliance_rate", "断面水质达标率", "%", "higher", "water", "computed", "mean", 100.0, 8),
    ("outlet_completion_rate", "入河排污口整治完成率", "%", "higher", "water", "computed", "mean", 80.0, 15),
    ("rectification_closure_rate", "督察整改销号率", "%", "higher", "rectification", "computed", "mean", 90.0, 10),
    ("rectification_overdue_count", "逾期未完成整改问题", "项", "lower", "rectification", "computed", "sum", None, 0),
    ("rectification_red_orange_count", "红橙色预警问题", "项", "lower", "rectification", "computed", "sum", None, 0),
    ("rectification_rebound_count", "整改反弹问题", "项", "lower", "rectification", "computed", "sum", None, 0),
    ("budget_execution_rate", "专项资金预算执行率", "%", "higher", "funds", "computed", "mean", 85.0, 12),
    ("stalled_project_count", "停滞项目", "个", "lower", "funds", "computed", "sum", None, 0),
    ("industrial_solid_waste_use", "工业固体废物综合利用率", "%", "higher", "wastefree", "entered", "mean", 75.0, 6),
    ("hazardous_waste_safe_disposal", "危险废物安全处置率", "%", "higher", "wastefree", "entered", "mean", 100.0, 2),
    ("household_waste_recycling", "生活垃圾回收利用率", "%", "higher", "wastefree", "entered", "mean", 36.0, 5),
    ("farmland_safe_use", "受污染耕地安全利用率", "%", "higher", "soil", "entered", "mean", 93.0, 4),
    ("construction_land_safe_use", "重点建设用地安全利用率", "%", "higher", "soil", "entered", "mean", 100.0, 2),
    ("rural_sewage_treatment", "农村生活污水治理率", "%", "higher", "water", "entered", "mean", 60.0, 10),
    ("rural_sewage_operation_rate", "农村生活污水处理设施运行率", "%", "higher", "water", "computed", "mean", 90.0, 0),
    ("innovation_bonus", "生态环境工作创新及国家省级表扬", "项", "higher", "wastefree", "entered", "sum", None, 0),
    ("major_env_incident", "重大及以上突发环境事件", "起", "lower", "water", "entered", "sum", None, 0),
]
# entered indicators the demo does not fill in (no demo unit had a major incident)
NOT_SEEDED = {"major_env_incident"}
# indicator code, max points, rule, params[, other item fields]
ITEMS = [
    ("air_good_day_rate", 12, "proportional", {}),
    ("air_pm25_mean", 10, "proportional", {}),
    # 状况排名 on the HJ 663 composite index (lower is better, 2 decimals)
    ("air_composite_index", 4, "rank", {"step": 0.25}),
    ("water_section_compliance_rate", 10, "threshold", {}),
    # 马边 and 峨边 have no sewage outlets: 不涉及, full marks
    ("outlet_completion_rate", 6, "linear", {}, {"na_policy": "full"}),
    ("rectification_closure_rate", 10, "proportional", {}),
    ("rectification_overdue_count", 0, "deduction", {"per": 0.5, "cap": 5}),
    ("rectification_red_orange_count", 0, "deduction", {"per": 1, "cap": 3}),
    ("rectification_rebound_count", 0, "deduction", {"per": 1, "cap": 3}),
    ("budget_execution_rate", 8, "linear", {}),
    ("stalled_project_count", 0, "deduction", {"per": 0.5, "cap": 2}),
    ("industrial_solid_waste_use", 8, "proportional", {}),
    ("hazardous_waste_safe_disposal", 8, "threshold", {}),
    ("household_waste_recycling", 6, "linear", {}),
    ("farmland_safe_use", 8, "proportional", {}),
    ("construction_land_safe_use", 4, "threshold", {}),
    ("rural_sewage_treatment", 10, "rank", {"step": 0.5}),
    # 运行率 of the village plants (computed from the monthly reports); a unit without plants is 不涉及: full marks
    ("rural_sewage_operation_rate", 4, "proportional", {}, {"na_policy": "full"}),
    ("innovation_bonus", 3, "bonus", {"per": 1}),
    # 一票否决: a unit with a major environmental incident ranks after every unit without one
    ("major_env_incident", 0, "deduction", {"per": 1, "cap": 1}, {"veto": True}),
]
# caps per area and overall: rectification deductions at most 5 points in all, bonuses at most 3
CAPS = {"deduction": {"rectification": 5}, "bonus": {"overall": 3}}
SPEC = {row[0]: row for row in INDICATORS}
NAMES_EN = {
    "air_good_day_rate": "Good-day rate",
    "air_pm25_mean": "PM2.5 mean",
    "air_composite_index": "Air quality composite index",
    "water_section_compliance_rate": "Section compliance rate",
    "outlet_completion_rate": "Sewage outlet rectification rate",
    "rectification_closure_rate": "Rectification closure rate",
    "rectification_overdue_count": "Overdue rectification items",
    "rectification_red_orange_count": "Red/orange warning items",
    "rectification_rebound_count": "Rebounded items",
    "budget_execution_rate": "Budget execution rate",
    "stalled_project_count": "Stalled projects",
    "industrial_solid_waste_use": "Industrial solid waste utilisation",
    "hazardous_waste_safe_disposal": "Hazardous waste safe disposal",
    "household_waste_recycling": "Household waste recycling",
    "farmland_safe_use": "Safe use of polluted farmland",
    "construction_land_safe_use": "Safe use of construction land",
    "rural_sewage_treatment": "Rural sewage treatment",
    "rural_sewage_operation_rate": "Rural sewage plant operation rate",
    "innovation_bonus": "Innovation and commendations",
    "major_env_incident": "Major environmental incidents",
}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def seed_targets(ctx: DemoContext) -> None:
    today = ctx.today
    with transaction.atomic():
        indicators = _indicators()
        units = list(territorial_units())
        for year in (today.year - 1, today.year):
            scheme = _scheme(year, indicators)
            _targets(year, units, indicators)
            last_month = 12 if year < today.year else today.month - 1
            if year == today.year and last_month < 1:
                last_month = 0
            _values(year, last_month, units, indicators, current=year == today.year)
    # score each month end so far, last year's same dates first (for the improvement rank)
    dates = [_month_end(today.year, m) for m in range(1, today.month)] + [today]
    # and a week ago, so the leaders' "changes since last week" compares with a real week-old ranking
    week_ago = today - timedelta(days=7)
    if week_ago.year == today.year and (len(dates) == 1 or week_ago > dates[-2]):
        dates.insert(len(dates) - 1, week_ago)
    for year in (today.year - 1, today.year):
        scheme = AssessmentScheme.objects.get(year=year, name=_scheme_name(year))
        for d in dates:
            try:
                as_of = d.replace(year=year)
            except ValueError:
                as_of = d.replace(year=year, day=28)
            if not ScoringRun.objects.filter(scheme=scheme, as_of=as_of, status=RunStatus.SUCCEEDED).exists():
                scores_compute(scheme_id=scheme.pk, as_of=as_of)
    logger.info("targets demo: %s indicators, %s months scored", len(indicators), len(dates))


def _indicators() -> dict[str, Indicator]:
    existing = {i.code: i for i in Indicator.objects.all()}
    new = [
        Indicator(
            code=code,
            name=name,
            unit_of_measure=measure,
            direction=direction,
            area=area,
            source=source,
            aggregate=aggregate,
            name_en=NAMES_EN.get(code, ""),
            sort_order=n,
            description="由各单位按月填报年初至当月累计值，经市级审核后计入考核" if source == "entered" else "",
        )
        for n, (code, name, measure, direction, area, source, aggregate, _, _) in enumerate(INDICATORS)
        if code not in existing
    ]
    Indicator.objects.bulk_create(new)
    return {i.code: i for i in Indicator.objects.filter(code__in=SPEC)}


def _scheme_name(year: int) -> str:
    return f"{year}年度生态环境保护党政同责考核"


def _scheme(year: int, indicators: dict[str, Indicator]) -> AssessmentScheme:
    scheme, _ = AssessmentScheme.objects.get_or_create(
        year=year, name=_scheme_name(year), defaults={"published": True, "caps": CAPS}
    )
    have = set(AssessmentItem.objects.filter(scheme=scheme).values_list("indicator__code", flat=True))
    AssessmentItem.objects.bulk_create(
        [
            AssessmentItem(
                scheme=scheme,
                indicator=indicators[code],
                max_points=pts,
                rule=rule,
                params=params,
                sort_order=n,
                **(rest[0] if rest else {}),
            )
            for n, (code, pts, rule, params, *rest) in enumerate(ITEMS)
            if code not in have
        ]
    )
    return scheme


# Linear items score from a baseline to the target; where the work starts far from the target (outlets being
# rectified one by one, funds paid slowly — the speech's complaint) the baseline is where the year began.
LINEAR_BASELINES = {"outlet_completion_rate": 0.0, "budget_execution_rate": 30.0}


def _targets(year: int, units, indicators: dict[str, Indicator]) -> None:
    rng = random.Random(f"targets-{year}")
    rows = []
    for unit in units:
        for code, *_rest in INDICATORS:
            typical = SPEC[code][7]
            if typical is None:
                continue
            step = 0.5 if SPEC[code][3] == "higher" else -0.5
            value = min(100.0, typical + rng.choice([-2, -1, 0, 0, 1]) * step * 2) if SPEC[code][2] == "%" else typical
            value = round(value, 1)
            baseline = round(value - step * rng.randint(2, 8), 1)
            baseline = LINEAR_BASELINES.get(code, baseline)
            rows.append(Target(indicator=indicators[code], unit=unit, year=year, value=value, baseline=baseline))
    Target.objects.bulk_create(rows, ignore_conflicts=True)


def _values(year: int, last_month: int, units, indicators: dict[str, Indicator], *, current: bool) -> None:
    if last_month < 1:
        return
    rng = random.Random(f"targets-values-{year}")
    officials = {
        u.unit_id: u for u in User.objects.filter(groups__name=Role.COUNTY_OFFICIAL, unit__isnull=False).order_by("pk")
    }
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    have = set(DataValue.objects.filter(year=year).values_list("indicator__code", "unit_id", "month").distinct())
    targets = {
        (t.indicator.code, t.unit_id): t.value for t in Target.objects.filter(year=year).select_related("indicator")
    }
    rows = []
    for unit in units:
        who = officials.get(unit.pk, admin)
        skill = rng.uniform(-1.2, 0.8)  # some units run behind, most near target
        for code, *_rest in INDICATORS:
            if SPEC[code][5] != "entered" or code in NOT_SEEDED:
                continue
            spread = SPEC[code][8]
            bonus_count = 0
            for month in range(1, last_month + 1):
                if (code, unit.pk, month) in have:
                    continue
                if code == "innovation_bonus":
                    bonus_count += 1 if rng.random() < 0.06 else 0
                    value = float(bonus_count)
                else:
                    target = targets.get((code, unit.pk), SPEC[code][7])
                    value = round(
                        min(100.0, max(0.0, target + skill * spread / 2 + rng.uniform(-1, 1) * spread / 4)), 1
                    )
                status = ValueStatus.APPROVED
                if current and month == last_month:
                    roll = rng.random()
                    status = (
                        ValueStatus.DRAFT
                        if roll < 0.12
                        else ValueStatus.SUBMITTED
                        if roll < 0.3
                        else ValueStatus.APPROVED
                    )
                approved = status == ValueStatus.APPROVED
                reviewed = _approved_time(year, month) if approved else None
                rows.append(
                    DataValue(
                        indicator=indicators[code],
                        unit=unit,
                        year=year,
                        month=month,
                        value=value,
                        status=status,
                        verified=not current or month < last_month - 2,
                        entered_by=who,
                        approved_by=admin if approved else None,
                        approved_at=reviewed,
                        note="",
                    )
                )
    created = DataValue.objects.bulk_create(rows, batch_size=2000)
    # the history of each value, as the workflow would have written it
    events = []
    for v in created:
        events.append(DataValueEvent(value=v, actor=v.entered_by, from_status="", to_status=ValueStatus.DRAFT))
        if v.status in (ValueStatus.SUBMITTED, ValueStatus.APPROVED):
            events.append(
                DataValueEvent(
                    value=v, actor=v.entered_by, from_status=ValueStatus.DRAFT, to_status=ValueStatus.SUBMITTED
                )
            )
        if v.status == ValueStatus.APPROVED:
            events.append(
                DataValueEvent(value=v, actor=admin, from_status=ValueStatus.SUBMITTED, to_status=ValueStatus.APPROVED)
            )
    DataValueEvent.objects.bulk_create(events, batch_size=5000)


def _approved_time(year: int, month: int) -> datetime:
    """Values of a month are approved around the 8th of the next month (never in the future)."""
    nxt = date(year + (month == 12), month % 12 + 1, 8)
    when = datetime(nxt.year, nxt.month, nxt.day, 10, 0, tzinfo=timezone.get_current_timezone())
    return min(when, timezone.now())


def seed_geo_boundary(ctx: DemoContext) -> None:
    """The demo city's county boundaries (乐山市, adcodes matching the unit codes) for the dashboard map."""
    from django.conf import settings

    from .geo import parse_boundary
    from .models import GeoBoundary
    from .services import geo_boundary_save

    if GeoBoundary.objects.filter(name="乐山市区县边界").exists():
        return
    doc = parse_boundary(settings.DEMO_GEOJSON.read_bytes())
    geo_boundary_save(boundary=GeoBoundary(name="乐山市区县边界"), doc=doc)


# The province's ranking of 乐山 as the speech gives it: budget execution 全省排名倒数, rural-sewage payments
# 全省倒数第3 (21 cities and prefectures). Figures: the city's value and the value of the city one place above.
PROVINCE = [
    ("budget_execution_rate", 21, 68.0, 52.3, 58.6, "省财政厅通报：预算执行率全省排名倒数"),
    ("rural_sewage_payment_rate", 19, 71.5, 41.5, 47.2, "省生态环境厅通报：农村污水治理资金支付率全省倒数第3"),
]
# First-quarter (开门红) targets, this year's (compared with the first quarter's actuals) and next year's.
QUARTER = {"air_good_day_rate": 85.0, "budget_execution_rate": 25.0}


def seed_province_and_next_year(ctx: DemoContext) -> None:
    """The province's ranking of the city, first-quarter targets and next year's scheme copied (超前谋划).

    Run after `seed_targets`. Idempotent: rankings and quarter targets by their keys; the copy only when next
    year's scheme is missing; through `targets.planning` as the admin.
    """
    from .models import ProvincialRanking, QuarterTarget
    from .planning import next_year_name, scheme_copy_to_next_year

    today = ctx.today
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    with transaction.atomic():
        Indicator.objects.get_or_create(
            code="rural_sewage_payment_rate",
            defaults={
                "name": "农村污水治理资金支付率", "unit_of_measure": "%", "direction": "higher", "area": "funds",
                "source": "computed", "aggregate": "mean", "name_en": "Rural sewage fund payment rate",
                "sort_order": 40,
            },
        )  # fmt: skip
        month = today.month - 1 if today.month > 1 else 0
        for code, rank, score, value, next_value, note in PROVINCE:
            ProvincialRanking.objects.update_or_create(
                indicator=Indicator.objects.get(code=code), year=today.year, month=month,
                defaults={"rank": rank, "total": 21, "score": score, "value": value, "next_value": next_value,
                          "note": note},
            )  # fmt: skip
        units = list(territorial_units())
        for year in (today.year, today.year + 1):
            for code, value in QUARTER.items():
                indicator = Indicator.objects.filter(code=code).first()
                if indicator is None:
                    continue
                for unit in units:
                    QuarterTarget.objects.get_or_create(
                        indicator=indicator, unit=unit, year=year, quarter=1, defaults={"value": value}
                    )
    scheme = AssessmentScheme.objects.filter(year=today.year, name=_scheme_name(today.year)).first()
    if scheme is not None and admin is not None:
        if not AssessmentScheme.objects.filter(
            year=today.year + 1, name=next_year_name(scheme.name, scheme.year)
        ).exists():
            scheme_copy_to_next_year(scheme=scheme, user=admin)
    logger.info("targets demo: province rankings, first-quarter targets, next year's scheme")


def seed_risk_followups(ctx: DemoContext) -> None:
    """One deduction-risk follow-up in progress (扣分风险跟踪督办): the leader hands this year's largest risk to its
    unit's deputy in charge; the unit's official reports a first step. Idempotent; through the services."""
    from tracker.demo import deputy_of
    from tracker.services.inbox import unit_reporters

    from .followups import risk_followup_assign, risk_followup_report
    from .models import RiskFollowUp
    from .selectors import current_scheme, deduction_risks, latest_run

    leader = User.objects.filter(username="leader").first()
    scheme = current_scheme(ctx.today.year)
    run = latest_run(scheme) if scheme else None
    if leader is None or run is None or RiskFollowUp.objects.filter(year=scheme.year).exists():
        return
    risks = deduction_risks(run)
    if risks.empty:
        return
    top = risks.iloc[0]
    unit_id, item_id = int(top["unit_id"]), int(top["item_id"])
    person = deputy_of(unit_id)
    followup = risk_followup_assign(
        user=leader,
        unit_id=unit_id,
        item_id=item_id,
        deadline=ctx.today + timedelta(days=20),
        note=(
            f"{top['indicator']}按目前趋势年末可能失分 {top['points_at_risk']:.2f} 分，请制定挽回措施，每半月报告进展。"
        ),
        person_id=person.pk if person else None,
    )
    reporters = sorted(unit_reporters([unit_id]).get(unit_id, []))
    official = User.objects.filter(pk__in=reporters[:1]).first()
    if official is not None:
        risk_followup_report(
            user=official,
            followup=followup,
            text="已召开专题会议分析失分原因，制定挽回方案：加密调度、逐项销号，本月底前完成第一批整改。",
            final=False,
            expected_version=followup.version,
        )
