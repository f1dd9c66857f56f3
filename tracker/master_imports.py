"""Bulk imports of the tracker's master data from templates: air stations, water sections, sewage outlets and
user accounts. Each is an `Importer` (tracker.imports): the shared run validates, previews and writes all rows
or none, through `tracker.services.masterdata` and `tracker.services.units.user_save`."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import UNIT_SCOPED_ROLES, OutletType, Role, SectionLevel, StationLevel, WaterBody, WaterClass
from .imports import (
    Importer,
    choice_field,
    choice_labels,
    date_field,
    flag_field,
    label_of,
    parse_float,
    text_field,
    unit_field,
    yes_no,
    zh_labels,
)
from .models import AirStation, River, SewageOutlet, Unit, User, WarZone, WaterSection
from .services.masterdata import outlet_save, section_save, station_save
from .services.units import user_save

YES_NO = ["是", "否"]


def _units() -> list[tuple[str, str]]:
    return list(Unit.objects.order_by("sort_order", "code").values_list("code", "name"))


def _unit(rec: dict, lk: dict, errs: list, header: str, *, required: bool = True) -> Unit | None:
    return unit_field(rec, lk["units"], errs, header, required=required)


_text, _choice, _flag = text_field, choice_field, flag_field


# --- air stations ----------------------------------------------------------------------------------------


class StationImporter(Importer):
    """空气监测站点."""

    name = "stations"
    title = gettext_lazy("导入监测站点")
    filename = "空气监测站点导入模板.xlsx"
    headers = [
        "站点编码",
        "站点名称",
        "站点级别",
        "所在单位代码",
        "所在单位名称",
        "所属战区",
        "经度",
        "纬度",
        "考核点位",
        "启用",
    ]
    columns = {
        "code": ["站点编码"],
        "name": ["站点名称"],
        "level": ["站点级别"],
        "unit": ["所在单位代码"],
        "unit_name": ["所在单位名称"],
        "war_zone": ["所属战区"],
        "lon": ["经度"],
        "lat": ["纬度"],
        "counts_for_assessment": ["考核点位"],
        "is_active": ["启用"],
    }
    required = ["code", "name", "level", "unit"]
    compare = ("name", "level", "unit_id", "war_zone_id", "lon", "lat", "counts_for_assessment", "is_active")
    capability = "import_master_data"
    denied = "只有系统管理员可以导入监测站点"
    notes = [
        gettext_lazy("站点编码唯一：已有的站点按编码更新，其余新增；有一行出错则整表不导入。"),
        gettext_lazy("站点级别、所在单位代码、所属战区、考核点位、启用：从下拉列表选择；所在单位名称仅供核对。"),
        gettext_lazy("经度 −180～180、纬度 −90～90（可空）；考核点位、启用填“是”或“否”（空为“是”）。"),
    ]
    preview = [("code", "站点编码"), ("name", "站点名称"), ("level_label", "站点级别"), ("unit_code", "所在单位代码")]

    def export_rows(self, user) -> list[list]:
        return [
            [
                s.code,
                s.name,
                label_of(StationLevel, s.level),
                s.unit.code,
                s.unit.name,
                s.war_zone.name if s.war_zone else "",
                s.lon,
                s.lat,
                yes_no(s.counts_for_assessment),
                yes_no(s.is_active),
            ]
            for s in AirStation.objects.select_related("unit", "war_zone").order_by("code")
        ]

    def choices(self):
        return {
            2: zh_labels(StationLevel),
            3: [c for c, _n in _units()],
            5: list(WarZone.objects.order_by("sort_order").values_list("name", flat=True)),
            8: YES_NO,
            9: YES_NO,
        }

    def example(self):
        units = _units()
        unit = units[0] if units else ("511102", "市中区")
        return ["51110200001", "市监测站", "国控", unit[0], unit[1], "", 103.76, 29.57, "是", "是"]

    def lookups(self) -> dict[str, Any]:
        return {
            "units": {u.code: u for u in Unit.objects.all()},
            "zones": {z.name: z for z in WarZone.objects.all()},
            "levels": choice_labels(StationLevel),
        }

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        code = _text(rec, "code", errs, "站点编码", 20)
        name = _text(rec, "name", errs, "站点名称", 60)
        level = _choice(rec, "level", lk["levels"], errs, "站点级别")
        unit = _unit(rec, lk, errs, "所在单位代码")
        zone = None
        if rec.get("war_zone"):
            zone = lk["zones"].get(rec["war_zone"])
            if zone is None:
                errs.append(("所属战区", _("没有名为“%(v)s”的战区") % {"v": rec["war_zone"]}))
        lon = lat = None
        if rec.get("lon"):
            lon = parse_float(rec["lon"], -180, 180)
            if lon is None:
                errs.append(("经度", _("请填写 −180～180 的数字或留空")))
        if rec.get("lat"):
            lat = parse_float(rec["lat"], -90, 90)
            if lat is None:
                errs.append(("纬度", _("请填写 −90～90 的数字或留空")))
        values = {
            "code": code,
            "name": name,
            "level": level,
            "level_label": rec.get("level", ""),
            "unit": unit,
            "unit_id": unit.pk if unit else None,
            "unit_code": rec.get("unit", ""),
            "war_zone": zone,
            "war_zone_id": zone.pk if zone else None,
            "lon": lon,
            "lat": lat,
            "counts_for_assessment": _flag(rec, "counts_for_assessment", errs, "考核点位"),
            "is_active": _flag(rec, "is_active", errs, "启用"),
        }
        return values, errs

    def current(self, keys):
        return {r["code"]: r for r in AirStation.objects.filter(code__in=keys).values("pk", "code", *self.compare)}

    def save_row(self, *, user, row, lk):
        station_save(
            user=user,
            code=row["code"],
            name=row["name"],
            level=row["level"],
            unit=row["unit"],
            war_zone=row["war_zone"],
            lon=row["lon"],
            lat=row["lat"],
            counts_for_assessment=row["counts_for_assessment"],
            is_active=row["is_active"],
        )


# --- water sections --------------------------------------------------------------------------------------


class SectionImporter(Importer):
    """水质断面."""

    name = "sections"
    title = gettext_lazy("导入水质断面")
    filename = "水质断面导入模板.xlsx"
    headers = [
        "断面编码",
        "断面名称",
        "所在河流",
        "考核级别",
        "责任单位代码",
        "责任单位名称",
        "目标水质类别",
        "水体类型",
        "启用",
    ]
    columns = {
        "code": ["断面编码"],
        "name": ["断面名称"],
        "river": ["所在河流"],
        "level": ["考核级别"],
        "unit": ["责任单位代码"],
        "unit_name": ["责任单位名称"],
        "target_class": ["目标水质类别"],
        "water_body": ["水体类型"],
        "is_active": ["启用"],
    }
    required = ["code", "name", "river", "level", "unit", "target_class"]
    compare = ("name", "river_id", "level", "unit_id", "target_class", "water_body", "is_active")
    capability = "import_master_data"
    denied = "只有系统管理员可以导入水质断面"
    notes = [
        gettext_lazy("断面编码唯一：已有的断面按编码更新，其余新增；有一行出错则整表不导入。"),
        gettext_lazy(
            "所在河流、考核级别、责任单位代码、目标水质类别、水体类型、启用：从下拉列表选择；责任单位名称仅供核对。"
        ),
        gettext_lazy("水体类型留空则取所在河流（湖库）的水体类型；湖泊、水库按湖库总磷限值评价。"),
    ]
    preview = [("code", "断面编码"), ("name", "断面名称"), ("river_name", "所在河流"), ("unit_code", "责任单位代码")]

    def export_rows(self, user) -> list[list]:
        return [
            [
                s.code,
                s.name,
                s.river.name,
                label_of(SectionLevel, s.level),
                s.unit.code,
                s.unit.name,
                label_of(WaterClass, s.target_class),
                label_of(WaterBody, s.water_body) if s.water_body else "",
                yes_no(s.is_active),
            ]
            for s in WaterSection.objects.select_related("unit", "river").order_by("code")
        ]

    def choices(self):
        return {
            2: list(River.objects.order_by("sort_order", "name").values_list("name", flat=True)),
            3: zh_labels(SectionLevel),
            4: [c for c, _n in _units()],
            6: zh_labels(WaterClass),
            7: zh_labels(WaterBody),
            8: YES_NO,
        }

    def example(self):
        units = _units()
        unit = units[0] if units else ("511102", "市中区")
        river = River.objects.order_by("sort_order").values_list("name", flat=True).first() or "岷江"
        return ["SC-0001", "悦来渡口", river, "国考", unit[0], unit[1], "Ⅲ类", "", "是"]

    def lookups(self) -> dict[str, Any]:
        return {
            "units": {u.code: u for u in Unit.objects.all()},
            "rivers": {r.name: r for r in River.objects.all()},
            "levels": choice_labels(SectionLevel),
            "classes": {str(label): value for value, label in WaterClass.choices}
            | {str(v): v for v in WaterClass.values},
            "bodies": choice_labels(WaterBody),
        }

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        river = lk["rivers"].get(rec.get("river", ""))
        if river is None:
            errs.append(("所在河流", _("没有名为“%(v)s”的河流") % {"v": rec.get("river", "")}))
        unit = _unit(rec, lk, errs, "责任单位代码")
        target = lk["classes"].get(rec.get("target_class", ""))
        if target is None:
            errs.append(("目标水质类别", _("请从下拉列表选择（Ⅰ类～劣Ⅴ类）")))
        values = {
            "code": _text(rec, "code", errs, "断面编码", 30),
            "name": _text(rec, "name", errs, "断面名称", 60),
            "river": river,
            "river_id": river.pk if river else None,
            "river_name": rec.get("river", ""),
            "level": _choice(rec, "level", lk["levels"], errs, "考核级别"),
            "unit": unit,
            "unit_id": unit.pk if unit else None,
            "unit_code": rec.get("unit", ""),
            "target_class": target,
            "water_body": _choice(rec, "water_body", lk["bodies"], errs, "水体类型", required=False),
            "is_active": _flag(rec, "is_active", errs, "启用"),
        }
        return values, errs

    def current(self, keys):
        return {r["code"]: r for r in WaterSection.objects.filter(code__in=keys).values("pk", "code", *self.compare)}

    def save_row(self, *, user, row, lk):
        section_save(
            user=user,
            code=row["code"],
            name=row["name"],
            river=row["river"],
            level=row["level"],
            unit=row["unit"],
            target_class=row["target_class"],
            water_body=row["water_body"] or "",
            is_active=row["is_active"],
        )


# --- sewage outlets --------------------------------------------------------------------------------------


class OutletImporter(Importer):
    """入河排污口 (register entries; the step moves only through the workflow)."""

    name = "outlets"
    title = gettext_lazy("导入入河排污口")
    filename = "入河排污口导入模板.xlsx"
    headers = ["排口编码", "排口名称", "受纳水体", "责任单位代码", "责任单位名称", "排口类型", "整治时限"]
    columns = {
        "code": ["排口编码"],
        "name": ["排口名称"],
        "river": ["受纳水体"],
        "unit": ["责任单位代码"],
        "unit_name": ["责任单位名称"],
        "outlet_type": ["排口类型"],
        "deadline": ["整治时限"],
    }
    required = ["code", "name", "river", "unit", "outlet_type", "deadline"]
    compare = ("name", "river_id", "unit_id", "outlet_type", "deadline")
    capability = "import_master_data"
    denied = "只有系统管理员可以导入入河排污口"
    notes = [
        gettext_lazy("排口编码唯一：已有的排口按编码更新登记信息，其余新增并进入“排查”环节；有一行出错则整表不导入。"),
        gettext_lazy("当前环节不在表中：由责任单位在排口页面按“一口一策”逐步推进。"),
        gettext_lazy("受纳水体、责任单位代码、排口类型：从下拉列表选择；整治时限填日期，如 2026-12-31。"),
    ]
    preview = [("code", "排口编码"), ("name", "排口名称"), ("unit_code", "责任单位代码"), ("deadline", "整治时限")]

    def export_rows(self, user) -> list[list]:
        return [
            [o.code, o.name, o.river.name, o.unit.code, o.unit.name, label_of(OutletType, o.outlet_type), o.deadline]
            for o in SewageOutlet.objects.select_related("unit", "river").order_by("code")
        ]

    def choices(self):
        return {
            2: list(River.objects.order_by("sort_order", "name").values_list("name", flat=True)),
            3: [c for c, _n in _units()],
            5: zh_labels(OutletType),
        }

    def example(self):
        units = _units()
        unit = units[0] if units else ("511102", "市中区")
        river = River.objects.order_by("sort_order").values_list("name", flat=True).first() or "岷江"
        return ["PK-511102-001", "某污水处理厂排口", river, unit[0], unit[1], "城镇生活污水排污口", "2026-12-31"]

    def lookups(self) -> dict[str, Any]:
        return {
            "units": {u.code: u for u in Unit.objects.all()},
            "rivers": {r.name: r for r in River.objects.all()},
            "types": choice_labels(OutletType),
        }

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        river = lk["rivers"].get(rec.get("river", ""))
        if river is None:
            errs.append(("受纳水体", _("没有名为“%(v)s”的河流") % {"v": rec.get("river", "")}))
        unit = _unit(rec, lk, errs, "责任单位代码")
        deadline = date_field(rec, "deadline", errs, "整治时限")
        values = {
            "code": _text(rec, "code", errs, "排口编码", 40),
            "name": _text(rec, "name", errs, "排口名称", 80),
            "river": river,
            "river_id": river.pk if river else None,
            "unit": unit,
            "unit_id": unit.pk if unit else None,
            "unit_code": rec.get("unit", ""),
            "outlet_type": _choice(rec, "outlet_type", lk["types"], errs, "排口类型"),
            "deadline": deadline,
        }
        return values, errs

    def current(self, keys):
        return {r["code"]: r for r in SewageOutlet.objects.filter(code__in=keys).values("pk", "code", *self.compare)}

    def save_row(self, *, user, row, lk):
        outlet_save(
            user=user,
            code=row["code"],
            name=row["name"],
            river=row["river"],
            unit=row["unit"],
            outlet_type=row["outlet_type"],
            deadline=row["deadline"],
        )


# --- user accounts ---------------------------------------------------------------------------------------

USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
# a person holding several groups has the widest (the same order as tracker.common.access)
_ROLE_ORDER = (Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT_OFFICIAL, Role.COUNTY_OFFICIAL)


def roles_by_user() -> dict[int, Role]:
    """Each account's role from its groups, in one query."""
    names: dict[int, set[str]] = {}
    for uid, group in Group.user_set.through.objects.values_list("user_id", "group__name"):
        names.setdefault(uid, set()).add(group)
    return {
        uid: next(r for r in _ROLE_ORDER if r.value in held)
        for uid, held in names.items()
        if any(r.value in held for r in _ROLE_ORDER)
    }


class UserImporter(Importer):
    """用户：用户名、姓名、角色、所属单位. Never a password: new accounts get a one-time password shown once."""

    name = "users"
    title = gettext_lazy("导入用户")
    filename = "用户导入模板.xlsx"
    headers = ["用户名", "姓名", "角色", "所属单位代码", "所属单位名称", "职务", "联系电话", "启用"]
    columns = {
        "username": ["用户名"],
        "full_name": ["姓名"],
        "role": ["角色"],
        "unit": ["所属单位代码"],
        "unit_name": ["所属单位名称"],
        "title": ["职务"],
        "phone": ["联系电话"],
        "is_active": ["启用"],
    }
    required = ["username", "full_name", "role"]
    key = "username"
    compare = ("full_name", "role", "unit_id", "title", "phone", "is_active")
    capability = "manage_users"
    denied = "只有系统管理员可以导入用户"
    notes = [
        gettext_lazy(
            "用户名唯一：已有的用户按用户名更新姓名、角色、单位，密码不变；其余新增，初始密码在导入后显示一次。"
        ),
        gettext_lazy(
            "表中不填密码。角色、所属单位代码、启用：从下拉列表选择；区县填报员和市级部门填报员必须填所属单位，"
            "市领导、督察员、系统管理员不填单位。"
        ),
    ]
    preview = [("username", "用户名"), ("full_name", "姓名"), ("role_label", "角色"), ("unit_code", "所属单位代码")]

    def export_rows(self, user) -> list[list]:
        roles = roles_by_user()
        return [
            [
                u.username,
                u.full_name,
                label_of(Role, roles[u.pk]) if u.pk in roles else "",
                u.unit.code if u.unit else "",
                u.unit.name if u.unit else "",
                u.title,
                u.phone,
                yes_no(u.is_active),
            ]
            for u in User.objects.filter(is_superuser=False, pk__in=roles).select_related("unit").order_by("username")
        ]

    def choices(self):
        return {2: zh_labels(Role), 3: [c for c, _n in _units()], 7: YES_NO}

    def example(self):
        units = _units()
        unit = units[0] if units else ("511102", "市中区")
        return [
            "zhangsan",
            "张三",
            label_of(Role, Role.COUNTY_OFFICIAL),
            unit[0],
            unit[1],
            "科员",
            "0833-1234567",
            "是",
        ]

    def lookups(self) -> dict[str, Any]:
        return {"units": {u.code: u for u in Unit.objects.all()}, "roles": choice_labels(Role)}

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        username = rec.get("username", "")
        if not USERNAME.match(username):
            errs.append(("用户名", _("用户名只能含字母、数字和 @ . + - _，不超过 150 个字符")))
        role = _choice(rec, "role", lk["roles"], errs, "角色")
        scoped = role in UNIT_SCOPED_ROLES
        unit = _unit(rec, lk, errs, "所属单位代码", required=False)
        if role and scoped and not rec.get("unit"):
            errs.append(("所属单位代码", _("区县填报员和市级部门填报员必须填所属单位")))
        if role and not scoped and rec.get("unit"):
            errs.append(("所属单位代码", _("市领导、督察员、系统管理员不属于单位，请留空")))
        values = {
            "username": username,
            "full_name": _text(rec, "full_name", errs, "姓名", 40),
            "role": role,
            "role_label": rec.get("role", ""),
            "unit": unit if scoped else None,
            "unit_id": unit.pk if unit and scoped else None,
            "unit_code": rec.get("unit", ""),
            "title": _text(rec, "title", errs, "职务", 60, required=False),
            "phone": _text(rec, "phone", errs, "联系电话", 30, required=False),
            "is_active": _flag(rec, "is_active", errs, "启用"),
        }
        return values, errs

    def current(self, keys):
        roles = roles_by_user()
        out = {}
        for r in User.objects.filter(username__in=keys).values(
            "pk", "username", "full_name", "unit_id", "title", "phone", "is_active"
        ):
            r["role"] = roles.get(r["pk"])
            out[r["username"]] = r
        return out

    def run(self, *, user, upload, dry_run=True):
        self._secrets: list[dict] = []
        result = super().run(user=user, upload=upload, dry_run=dry_run)
        if result.saved:
            result.secrets = self._secrets
        return result

    def save_row(self, *, user, row, lk):
        account, password = user_save(
            user=user,
            username=row["username"],
            full_name=row["full_name"],
            role=Role(row["role"]),
            unit=row["unit"],
            title=row["title"],
            phone=row["phone"],
            is_active=row["is_active"],
        )
        if password:
            self._secrets.append({"username": account.username, "name": account.full_name, "password": password})
