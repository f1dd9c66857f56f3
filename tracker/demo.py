"""Demo city for `manage.py seed_demo`: 乐山市-like units, the five war zones and an account for every role.

Seeders are idempotent: they look rows up by natural key and only create what is missing, so running the
command twice changes nothing.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from .choices import Role, UnitKind
from .models import Unit, User, WarZone
from .services import roles_ensure_groups, user_set_role

logger = logging.getLogger(__name__)


@dataclass
class DemoContext:
    """What every seeder gets: the password for new accounts, today's date and a seeded random source."""

    password: str
    today: date
    rng: random.Random = field(default_factory=lambda: random.Random(20221128))
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, unit)


# (code, name, kind) — county-level units carry their administrative code, which matches the GeoJSON adcode.
UNITS = [
    ("511102", "市中区", UnitKind.DISTRICT),
    ("511111", "沙湾区", UnitKind.DISTRICT),
    ("511112", "五通桥区", UnitKind.DISTRICT),
    ("511113", "金口河区", UnitKind.DISTRICT),
    ("511123", "犍为县", UnitKind.COUNTY),
    ("511124", "井研县", UnitKind.COUNTY),
    ("511126", "夹江县", UnitKind.COUNTY),
    ("511129", "沐川县", UnitKind.COUNTY),
    ("511132", "峨边彝族自治县", UnitKind.COUNTY),
    ("511133", "马边彝族自治县", UnitKind.COUNTY),
    ("511181", "峨眉山市", UnitKind.COUNTY_CITY),
    ("511171", "乐山高新区", UnitKind.DEV_ZONE),
    ("D-HJ", "市生态环境局", UnitKind.DEPARTMENT),
    ("D-JX", "市经济和信息化局", UnitKind.DEPARTMENT),
    ("D-ZJ", "市住房和城乡建设局", UnitKind.DEPARTMENT),
    ("D-NY", "市农业农村局", UnitKind.DEPARTMENT),
    ("D-SW", "市水务局", UnitKind.DEPARTMENT),
    ("D-ZY", "市自然资源和规划局", UnitKind.DEPARTMENT),
]

# The speech names eight units in five zones around the national stations; the rest of the city sits outside.
WAR_ZONES = [
    # (code, name, lead unit code, member unit codes)
    ("east", "东部战区", "511124", ["511124"]),
    ("west", "西部战区", "511181", ["511181", "511111"]),
    ("south", "南部战区", "511112", ["511112", "511123"]),
    ("north", "北部战区", "511126", ["511126"]),
    ("central", "中部战区", "511102", ["511102", "511171"]),
]

PINYIN = {
    "511102": "shizhong",
    "511111": "shawan",
    "511112": "wutongqiao",
    "511113": "jinkouhe",
    "511123": "qianwei",
    "511124": "jingyan",
    "511126": "jiajiang",
    "511129": "muchuan",
    "511132": "ebian",
    "511133": "mabian",
    "511181": "emeishan",
    "511171": "gaoxin",
    "D-HJ": "sthjj",
    "D-JX": "jxj",
    "D-ZJ": "zjj",
    "D-NY": "nyncj",
    "D-SW": "swj",
    "D-ZY": "zrzyj",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "建国志强海燕丽华永红明辉伟杰晓东秀英文斌小军玉兰德明春梅国平宏伟俊峰"


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name, deterministic for a seeded `rng`."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


@transaction.atomic
def seed_units_and_people(ctx: DemoContext) -> None:
    roles_ensure_groups()
    units: dict[str, Unit] = {}
    for order, (code, name, kind) in enumerate(UNITS, start=1):
        unit, _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "sort_order": order})
        units[code] = unit
    for order, (code, name, lead, members) in enumerate(WAR_ZONES, start=1):
        zone, _ = WarZone.objects.get_or_create(
            code=code, defaults={"name": name, "lead_unit": units[lead], "sort_order": order}
        )
        Unit.objects.filter(code__in=members, war_zone__isnull=True).update(war_zone=zone)

    rng = random.Random(7)  # names do not depend on what other seeders drew
    _account(ctx, "admin", Role.ADMIN, None, "系统管理员", superuser=True)
    _account(ctx, "leader", Role.LEADER, None, person_name(rng), title="市环委办主任")
    _account(ctx, "inspector", Role.INSPECTOR, None, person_name(rng), title="市生态环境保护督察员")
    _account(ctx, "inspector2", Role.INSPECTOR, None, person_name(rng), title="市生态环境保护督察员")
    for code, _name, kind in UNITS:
        role = Role.DEPARTMENT_OFFICIAL if kind == UnitKind.DEPARTMENT else Role.COUNTY_OFFICIAL
        _account(ctx, PINYIN[code], role, units[code], person_name(rng), title="环保专干")


def _account(
    ctx: DemoContext,
    username: str,
    role: Role,
    unit: Unit | None,
    full_name: str,
    *,
    title: str = "",
    superuser: bool = False,
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, title=title, is_superuser=superuser)
        user.set_password(ctx.password)
        user.save()
        user_set_role(user=user, role=role, unit=unit)
    ctx.accounts.append((username, role.label, unit.name if unit else "—"))
    return user


def generate_password() -> str:
    return "Eco-" + secrets.token_urlsafe(9)


# 国务院办公厅关于节假日安排的通知 (2025, 2026): the days off (whole breaks) and the weekend days worked.
HOLIDAYS = {
    "元旦": ["2025-01-01", "2026-01-01", "2026-01-02", "2026-01-03"],
    "春节": [f"2025-01-{d}" for d in range(28, 32)]
    + [f"2025-02-0{d}" for d in range(1, 5)]
    + [f"2026-02-{d}" for d in range(15, 24)],
    "清明节": ["2025-04-04", "2025-04-05", "2025-04-06", "2026-04-04", "2026-04-05", "2026-04-06"],
    "劳动节": [f"2025-05-0{d}" for d in range(1, 6)] + [f"2026-05-0{d}" for d in range(1, 6)],
    "端午节": ["2025-05-31", "2025-06-01", "2025-06-02", "2026-06-19", "2026-06-20", "2026-06-21"],
    "中秋节": ["2026-09-25", "2026-09-26", "2026-09-27"],
    "国庆节": [f"2025-10-0{d}" for d in range(1, 9)] + [f"2026-10-0{d}" for d in range(1, 8)],
}
MAKEUP_WORKDAYS = {
    "春节调休上班": ["2025-01-26", "2025-02-08", "2026-02-14", "2026-02-28"],
    "劳动节调休上班": ["2025-04-27", "2026-05-09"],
    "国庆节调休上班": ["2025-09-28", "2025-10-11", "2026-09-20", "2026-10-10"],
    "元旦调休上班": ["2026-01-04"],
}


def seed_calendar(ctx: DemoContext) -> None:
    """Public holidays and make-up working days of 2025–2026 (idempotent), for deadlines and warning colours."""
    from .models import CalendarDay

    rows = [
        CalendarDay(date=date.fromisoformat(d), kind=CalendarDay.Kind.HOLIDAY, name=name)
        for name, days in HOLIDAYS.items()
        for d in days
    ] + [
        CalendarDay(date=date.fromisoformat(d), kind=CalendarDay.Kind.WORKDAY, name=name)
        for name, days in MAKEUP_WORKDAYS.items()
        for d in days
    ]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


# Posts of each unit's people (奖惩到人): the head, the deputy in charge of ecology and environment, the bureau chief.
POSTS = {
    UnitKind.DISTRICT: ("区长", "分管副区长", "生态环境分局局长"),
    UnitKind.COUNTY: ("县长", "分管副县长", "生态环境分局局长"),
    UnitKind.COUNTY_CITY: ("市长", "分管副市长", "生态环境分局局长"),
    UnitKind.DEV_ZONE: ("管委会主任", "分管副主任", "生态环境和城市管理局局长"),
    UnitKind.DEPARTMENT: ("局长", "分管副局长", "科长"),
}


def seed_people(ctx: DemoContext) -> None:
    """Three people per unit (县长, 分管副县长, 生态环境分局局长 …) through the register's service (idempotent)."""
    from .services.people import person_ensure

    admin = User.objects.get(username="admin")
    rng = random.Random(17)  # names do not depend on what other seeders drew
    for unit in Unit.objects.order_by("sort_order", "code"):
        posts = POSTS.get(unit.kind, POSTS[UnitKind.COUNTY])
        for i, post in enumerate(posts):
            name = person_name(rng)
            phone = f"0833-{2100000 + unit.sort_order * 100 + i}"
            existing = unit.people.filter(post=post).first()  # idempotent on (unit, post): names are drawn
            if existing is None:
                person_ensure(user=admin, unit=unit, name=name, post=post, phone=phone)


def deputy_of(unit_id: int):
    """The demo's deputy in charge (分管副县长 …) of a unit, the person most tasks and items name."""
    from .models import Person

    return Person.objects.filter(unit_id=unit_id, post__startswith="分管副").first()


def seed_people_links(ctx: DemoContext) -> None:
    """Tasks (攻坚任务) point at the deputy in charge of their unit (through the service; only unlinked ones)."""
    from .models import Measure
    from .services.people import measure_set_responsible

    admin = User.objects.get(username="admin")
    for measure in Measure.objects.filter(responsible__isnull=True).order_by("pk"):
        person = deputy_of(measure.unit_id)
        if person is not None:
            measure_set_responsible(user=admin, measure=measure, person=person)
