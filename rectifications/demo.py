"""Demo rectification data: a central inspection round (~80 items), a provincial round, unannounced-visit
findings; items in every status and colour, with history, progress reports, small generated evidence images
and the notices the daily job would send. Deterministic (own seeded Random, dates relative to ctx.today),
idempotent (items looked up by code; only missing ones are created), bulk inserts.
"""

from __future__ import annotations

import datetime
import random
import struct
import zlib

from django.db import transaction
from django.utils import timezone

from tracker.choices import Role, UnitKind
from tracker.models import Unit, User
from tracker.selectors.units import work_calendar

from .choices import Area, Colour, InspectionKind, Status, Term
from .models import Evidence, Inspection, Notice, ProgressReport, RectificationItem
from .services import ReplayStep, evidence_create_bytes, rectification_items_replay, rectification_notices_send

PROBLEMS = [
    ("water", "{place}生活污水直排入河，管网雨污混接问题突出", "完成雨污分流改造，截污纳管，建立巡查台账"),
    ("water", "{place}乡镇污水处理设施运行不正常，出水超标", "更换设备，委托第三方运维，加密出水监测"),
    ("air", "{place}建筑工地扬尘管控不到位，裸土未覆盖", "落实“六个百分之百”，安装在线监测和视频监控"),
    ("air", "{place}砖瓦窑企业废气治理设施不正常运行", "停产整治，完成脱硫除尘提标改造并验收"),
    ("air", "{place}秸秆露天焚烧问题反复出现", "网格化巡查，推广秸秆综合利用"),
    ("ecology", "{place}自然保护区内违规采砂采石", "关停取缔，拆除设施，实施生态修复"),
    ("ecology", "{place}历史遗留废弃矿山未修复", "编制修复方案，完成覆土复绿"),
    ("waste", "{place}垃圾填埋场渗滤液处理能力不足", "扩建渗滤液处理站，清运积存渗滤液"),
    ("waste", "{place}工业固体废物违规堆存", "清运处置，建立固废管理台账"),
    ("soil", "{place}涉重金属企业周边土壤污染风险管控不到位", "开展土壤详查，落实风险管控措施"),
    ("noise", "{place}夜间施工噪声扰民投诉集中", "规范夜间施工审批，加强执法检查"),
    ("water", "{place}畜禽养殖粪污直排，资源化利用率低", "配套建设粪污处理设施，关闭禁养区养殖场"),
]
PLACES = ["岷江沿岸", "茫溪河流域", "青衣江沿线", "马边河流域", "城区", "工业园区", "某乡镇", "沫溪河沿线"]
LEAD_BY_AREA = {"water": "D-SW", "air": "D-HJ", "ecology": "D-ZY", "waste": "D-ZJ", "soil": "D-HJ", "noise": "D-HJ"}
# Deadline offsets (days from today) cycled for open items so every colour appears.
OPEN_OFFSETS = [-75, -45, -20, -8, -2, 3, 6, 15, 40, 90, 180, 300]


def tiny_png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A small solid-colour PNG written with zlib (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


# status path to reach each final status (actions in order)
PATHS = {
    Status.OPEN: [],
    Status.IN_PROGRESS: ["start"],
    Status.CLOSING_REQUESTED: ["start", "request_close"],
    Status.CLOSED: ["start", "request_close", "close"],
    Status.REBOUNDED: ["start", "request_close", "close", "rebound"],
}
# Who takes each step in the demo and what they write; which moves exist and what they do is the services' business.
STEP = {
    "start": ("unit", "已制定整改方案，启动整改。"),
    "request_close": ("unit", "经自查，整改措施已全部落实，申请销号。"),
    "verify": ("dept", "牵头部门现场核查属实。"),
    "reject": ("inspector", "佐证材料不足以证明整改到位，退回。"),
    "close": ("inspector", "现场核查整改到位，同意销号。"),
    "rebound": ("inspector", "回头看发现问题反弹。"),
    "restart": ("unit", "重新组织整改。"),
}


def _plan(n: int) -> list[str]:
    """Final statuses for n items, deterministic: mostly closed or in progress, some of everything."""
    cycle = [
        Status.CLOSED, Status.IN_PROGRESS, Status.CLOSED, Status.OPEN, Status.CLOSING_REQUESTED,
        Status.IN_PROGRESS, Status.CLOSED, Status.REBOUNDED, Status.IN_PROGRESS, Status.CLOSED,
    ]  # fmt: skip
    return [cycle[i % len(cycle)] for i in range(n)]


@transaction.atomic
def seed_rectifications(ctx) -> None:
    today = ctx.today
    rng = random.Random(20260107)
    units = list(Unit.objects.exclude(kind=UnitKind.DEPARTMENT).order_by("sort_order", "code"))
    depts = {u.code: u for u in Unit.objects.filter(kind=UnitKind.DEPARTMENT)}
    if not units:
        return
    officials = {}
    for u in User.objects.filter(unit__isnull=False, groups__name__in=[Role.COUNTY_OFFICIAL, Role.DEPARTMENT_OFFICIAL]):
        officials.setdefault(u.unit_id, u)
    inspectors = list(User.objects.filter(groups__name=Role.INSPECTOR).order_by("username"))
    if not inspectors:
        return

    rounds = [
        ("ZY", InspectionKind.CENTRAL, "第三轮中央生态环境保护督察反馈问题", today - datetime.timedelta(days=420), 80),
        ("SJ", InspectionKind.PROVINCIAL, "四川省生态环境保护督察反馈问题", today - datetime.timedelta(days=200), 25),
        (
            "AF",
            InspectionKind.UNANNOUNCED,
            "四不两直暗查暗访发现问题（第一批）",
            today - datetime.timedelta(days=60),
            12,
        ),
    ]
    existing = set(RectificationItem.objects.values_list("code", flat=True))
    calendar = work_calendar()
    # one open item falls due on a public holiday: its deadline moves to the next working day (民法典 §203)
    holiday = next(
        (d for d in sorted(calendar.holidays) if d >= today and d.weekday() < 5),
        next((d for d in sorted(calendar.holidays, reverse=True) if d.weekday() < 5), None),
    )
    plans = []  # (item, final status)
    for prefix, kind, name, day, count in rounds:
        inspection, _ = Inspection.objects.get_or_create(name=name, defaults={"kind": kind, "date": day})
        for i, status in enumerate(_plan(count), start=1):
            code = f"{prefix}-{day.year}-{i:03d}"
            area, text, measures = rng.choice(PROBLEMS)
            unit = rng.choice(units)
            lead = depts.get(LEAD_BY_AREA.get(area, "")) if i % 3 == 0 else None
            if prefix == "AF" and i == 2 and holiday is not None:
                deadline = holiday  # the holiday deadline of the demo (status IN_PROGRESS by _plan)
            elif status in (Status.OPEN, Status.IN_PROGRESS, Status.CLOSING_REQUESTED, Status.REBOUNDED):
                deadline = today + datetime.timedelta(days=OPEN_OFFSETS[(i + len(prefix)) % len(OPEN_OFFSETS)])
            else:
                deadline = day + datetime.timedelta(days=rng.randint(30, max(31, (today - day).days)))
            term = Term.SHORT if (deadline - day).days < 365 else (Term.MEDIUM if i % 4 else Term.LONG)
            item = RectificationItem(
                code=code,
                inspection=inspection,
                description=text.format(place=f"{unit.name}{rng.choice(PLACES)}"),
                area=Area(area),
                unit=unit,
                lead_department=lead,
                responsible_person=f"{unit.name}分管副县长" if i % 2 else f"{unit.name}生态环境分局局长",
                deadline=deadline,
                measures=measures,
                term=term,
            )
            if code not in existing:
                plans.append((item, status, day))
    if not plans:
        _seed_review_plan(today, inspectors[0])
        return

    for item, _status, _found in plans:
        item.status = Status.OPEN
    RectificationItem.objects.bulk_create([p[0] for p in plans], batch_size=500)

    reports, evidence, histories = [], [], []
    for n, (item, final, found) in enumerate(plans):
        actions = list(PATHS[final])
        if final == Status.IN_PROGRESS and n % 4 == 1:
            actions = ["start", "request_close", "reject"]  # rejected once, back to work
        if item.lead_department_id and "close" in actions:
            actions.insert(actions.index("close"), "verify")
        if final == Status.CLOSING_REQUESTED and item.lead_department_id and (n // 10) % 2 == 0:
            actions.append("verify")
        span = max((today - found).days - 5, len(actions) + 1)
        days = sorted(rng.sample(range(1, span), len(actions))) if actions else []
        official = officials.get(item.unit_id)
        dept_user = officials.get(item.lead_department_id)
        inspector = inspectors[n % len(inspectors)]
        if official is None or (dept_user is None and "verify" in actions):
            continue
        steps = []
        for action, offset in zip(actions, days, strict=True):
            who, note = STEP[action]
            actor = {"unit": official, "dept": dept_user, "inspector": inspector}[who]
            when = _at(found + datetime.timedelta(days=offset), 9 + offset % 8)
            steps.append(ReplayStep(action=action, user=actor, when=when, comment=note))
            if action == "start":
                for k, pct in enumerate((30, 60) if final != Status.OPEN else ()):
                    reports.append(
                        ProgressReport(
                            item=item,
                            text=f"第{k + 1}阶段：{item.measures.split('，')[0]}，完成约{pct}%。",
                            progress=pct if final not in (Status.CLOSED,) else pct + 20 * k,
                            reported_by=official,
                            reported_on=timezone.localdate(when) + datetime.timedelta(days=3 + 10 * k),
                        )
                    )
            if action == "request_close":
                colour = ((n * 53) % 200 + 40, (n * 97) % 200 + 40, (n * 31) % 200 + 40)
                evidence.append(
                    evidence_create_bytes(
                        item=item,
                        user=official,
                        name=f"{item.code}-整改后现场.png",
                        content=tiny_png(colour),
                        mime="image/png",
                    )
                )
        histories.append((item, steps))
    Evidence.objects.bulk_create(evidence, batch_size=500)
    ProgressReport.objects.bulk_create(reports, batch_size=1000)
    # the real workflow, its rules and side effects (closed late, colours on the working-day calendar), in bulk
    rectification_items_replay(histories=histories, today=today)
    # the notices of the last two weeks' daily runs: one escalation step per item per working day
    for back in range(14, -1, -1):
        rectification_notices_send(on=today - datetime.timedelta(days=back))
    _seed_review_plan(today, inspectors[0])
    # a third of the notices already signed for by the unit
    Notice.objects.filter(item_id__in=[p[0].pk for p in plans if p[0].pk % 3 == 0]).update(read_at=timezone.now())


REVIEW_PLAN_NAME = "第三轮中央督察反馈问题“回头看”（演示）"


def _seed_review_plan(today: datetime.date, inspector) -> None:
    """A 回头看 plan over the central inspection's closed items (a 30 % sample, through the service), with two
    re-checks already recorded as passed. Idempotent: skipped when the plan exists."""
    from .models import ReviewPlan
    from .services import WorkflowError, review_check_record, review_plan_create

    if ReviewPlan.objects.filter(name=REVIEW_PLAN_NAME).exists():
        return
    central = Inspection.objects.filter(kind=InspectionKind.CENTRAL).order_by("date").first()
    try:
        plan = review_plan_create(
            user=inspector,
            name=REVIEW_PLAN_NAME,
            inspection_id=central.pk if central else None,
            closed_before=today - datetime.timedelta(days=30),
            due=today + datetime.timedelta(days=45),
            rule=ReviewPlan.Rule.SAMPLE,
            sample_percent=30,
        )
    except WorkflowError:
        return  # nothing closed yet
    for check in plan.checks.order_by("item__code")[:2]:
        review_check_record(check=check, user=inspector, result="passed", note="现场复核，整改成效保持，未见反弹。")


def seed_special_inspection(ctx) -> None:
    """One special inspection (专项督查) of the stalled projects and an overdue task, through the services, with
    findings: an item at a place for each stalled project the speech names, a directive with a deadline for the
    others. Skipped when the round exists."""
    from projects.models import Project
    from projects.selectors import stalled_ids  # the demo reads the projects app through its selectors
    from tracker.models import Measure

    from . import special
    from .choices import Area, FindingKind

    today = ctx.today
    name = f"{today.year}年停滞项目专项督查"
    if Inspection.objects.filter(name=name).exists():
        return
    # projects are not the inspectors' part: the city office (the admin account) draws up a round over projects
    inspector = User.objects.filter(is_superuser=True).order_by("pk").first()
    if inspector is None:
        return
    stalled = stalled_ids(Project.objects.all(), as_of=today)[:6]
    task = Measure.objects.filter(progress__lt=100, deadline__lt=today).order_by("deadline", "code").first()
    if not stalled:
        return
    with transaction.atomic():
        inspection = special.special_inspection_create(
            user=inspector, name=name, date=today - datetime.timedelta(days=10), project_ids=stalled,
            measure_ids=[task.pk] if task else [], reason="停滞、进度滞后或节点逾期",
        )  # fmt: skip
        for n, target in enumerate(inspection.targets.select_related("project", "measure").order_by("pk")):
            subject = target.project.name if target.project_id else target.measure.title
            person = target.project.responsible_person if target.project_id else target.measure.responsible_person
            if n % 2 == 0 and target.project_id:
                special.special_finding_record(
                    user=inspector, target=target, kind=FindingKind.ITEM,
                    description=f"{subject}征地拆迁协调滞后，现场停工，未按倒排工期推进",
                    responsible_person=person or "项目负责人", deadline=today + datetime.timedelta(days=30),
                    area=Area.WATER, place=f"{subject}施工现场",
                )  # fmt: skip
            else:
                special.special_finding_record(
                    user=inspector, target=target, kind=FindingKind.DIRECTIVE,
                    description=f"{subject}：倒排工期，明确节点，每周报送进展",
                    responsible_person=person or "项目负责人", deadline=today + datetime.timedelta(days=15),
                )  # fmt: skip


def seed_accountability(ctx) -> None:
    """奖惩到人 in the demo: items point at the person their title names, one criticism by name in the last
    month's bulletin and one interview (约谈) on a supervision notice (督办函). Idempotent; through the services."""
    from tracker.demo import deputy_of
    from tracker.models import Person

    from .accountability import accountability_record, rectification_item_set_responsible
    from .choices import AccountabilityKind, NoticeLevel
    from .documents import bulletin_number, notice_number
    from .models import AccountabilityRecord

    admin = User.objects.filter(username="admin").first()
    leader = User.objects.filter(username="leader").first()
    if admin is None or leader is None:
        return
    for item in RectificationItem.objects.filter(responsible__isnull=True).order_by("pk"):
        if "分管副" in item.responsible_person:
            person = deputy_of(item.unit_id)
        elif item.responsible_person.endswith("局长"):
            person = Person.objects.filter(unit_id=item.unit_id, post__endswith="局长").first()
        else:  # a name, not a post: left to the inspector who knows who it is
            continue
        if person is not None:
            rectification_item_set_responsible(user=admin, item=item, person=person)

    today = ctx.today
    # the last full month's bulletin names the deputy in charge of the unit with a red (long overdue) item
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    red = (
        RectificationItem.objects.filter(colour=Colour.RED, responsible__isnull=False)
        .exclude(status=Status.CLOSED)
        .select_related("responsible", "unit")
        .order_by("deadline", "code")
        .first()
    )
    if red is not None and not AccountabilityRecord.objects.filter(kind=AccountabilityKind.CRITICISM).exists():
        number = bulletin_number(start=start, end=end, user=leader)
        accountability_record(
            user=leader,
            person=red.responsible,
            kind=AccountabilityKind.CRITICISM,
            date=min(today, end + datetime.timedelta(days=5)),
            description=(
                f"{red.unit.name}{red.code}号问题（{red.description[:30]}）超过整改时限仍未完成，"
                f"在{start:%Y年%m月}整改通报中点名批评。"
            ),
            document_number=number,
            item=red,
        )
    # an interview (约谈) of a unit's head on the supervision notice (督办函) its unit received
    notice = Notice.objects.filter(level=NoticeLevel.SUPERVISION).select_related("item", "unit").order_by("pk").first()
    if notice is not None and not AccountabilityRecord.objects.filter(kind=AccountabilityKind.INTERVIEW).exists():
        head = Person.objects.filter(unit_id=notice.unit_id).exclude(post__startswith="分管").order_by("pk").first()
        if head is not None:
            number = notice_number(notice=notice, user=leader)
            accountability_record(
                user=leader,
                person=head,
                kind=AccountabilityKind.INTERVIEW,
                date=today,
                description=(
                    f"督办函（{number.text}）所列{notice.item.code}号问题逾期未整改，"
                    "市环委办约谈该单位主要负责人，要求限期整改到位并书面报告。"
                ),
                document_number=number,
                item=notice.item,
                notice=notice,
            )


@transaction.atomic
def seed_watch_items(ctx) -> None:
    """The watch's side of the items (after `tracker.demo_watch.seed_watch`): each key enterprise linked to one air or
    water item of its unit, and the warning the watch demo left open escalated by the inspector. Idempotent."""
    from tracker.choices import WarningStatus
    from tracker.demo_watch import ENTERPRISES, warning_to_escalate
    from tracker.models import Enterprise

    from .escalation import warning_escalate

    firms = {f.name: f for f in Enterprise.objects.filter(name__in=[e[0] for e in ENTERPRISES])}
    # in the register's order: two firms of one unit take its first two free items
    for firm in (firms[e[0]] for e in ENTERPRISES if e[0] in firms):
        items = RectificationItem.objects.filter(unit_id=firm.unit_id, area__in=(Area.AIR, Area.WATER))
        if not items.filter(enterprise=firm).exists():
            pick = items.filter(enterprise__isnull=True).order_by("pk").first()
            if pick is not None:
                RectificationItem.objects.filter(pk=pick.pk).update(enterprise=firm)

    if RectificationItem.objects.filter(source_warning__isnull=False).exists():
        return  # escalated on an earlier run (later runs add warnings: the candidate would move)
    inspector = User.objects.filter(username="inspector").first()
    warning = warning_to_escalate()
    if inspector is None or warning is None or warning.status != WarningStatus.OPEN:
        return
    warning_escalate(
        user=inspector, warning_id=warning.pk, expected_version=warning.version,
        deadline=ctx.today + datetime.timedelta(days=45), responsible_person="王建国",
        measures="排查上游生活污水直排和畜禽养殖排口，限期整治。", note="多次超限，转整改。",
    )  # fmt: skip


@transaction.atomic
def seed_patrol_item(ctx) -> None:
    """The 茫溪河 village chief's latest finding about an outlet becomes a rectification item (once; after
    `tracker.demo_weather.seed_rivers`)."""
    from tracker.models import RiverPatrol

    from .escalation import river_patrol_to_item

    inspector = User.objects.filter(username="inspector").first()
    patrol = (
        RiverPatrol.objects.filter(chief__river__name="茫溪河", problems__contains="排口", rectification_item=None)
        .order_by("-date")
        .first()
    )
    if inspector is None or patrol is None or RectificationItem.objects.filter(source_patrol__isnull=False).exists():
        return
    river_patrol_to_item(
        user=inspector, patrol_id=patrol.pk, deadline=ctx.today + datetime.timedelta(days=30),
        responsible_person="井研县水务局", measures="溯源排查上游养殖场，封堵直排口，建设粪污收集设施。",
        note="河长巡河发现，转整改跟踪。",
    )  # fmt: skip
