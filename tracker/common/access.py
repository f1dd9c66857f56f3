"""Who may do what: roles → named capabilities, and the menu table that reads them.

Roles are Django groups (`tracker.choices.Role`). Nothing outside this module asks for a role by name: views
ask for a capability (`@capability_required("close_items")`), services ask `has_cap(user, "close_items")`,
templates ask `{% if caps.close_items %}` (the context processor below). A county or department official's
*reach* — which units — comes from django-guardian grants on Unit (`tracker.permissions.units_for_user`);
a capability says what kind of act a role may do at all, the grant says for which units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tracker.choices import Role

ALL = tuple(Role)
OFFICIALS = (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_OFFICIAL)

# Role precedence when a person holds several groups (the widest wins).
_ROLE_ORDER = (Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT_OFFICIAL, Role.COUNTY_OFFICIAL)


def user_role(user: Any) -> Role | None:
    """The person's role, from their groups (superusers are admins). Cached on the user object."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_eco_role", "unset")
    if cached != "unset":
        return cast("Role | None", cached)
    role: Role | None
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in _ROLE_ORDER if r.value in names), None)
    user._eco_role = role
    return role


# --- the capability table ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Capability:
    key: str
    label: str | Promise
    roles: tuple[Role, ...]


CAPABILITIES: dict[str, Capability] = {
    c.key: c
    for c in (
        Capability("use_site", _("使用平台"), ALL),
        # reads every unit's records; the others read only the units they hold a grant on
        Capability("read_city_wide", _("查看全市数据"), (Role.LEADER, Role.INSPECTOR, Role.ADMIN)),
        # enters data and reports progress for the units they hold a report grant on
        Capability("act_for_unit", _("为本单位填报"), OFFICIALS),
        # a lead department verifies a closing request before an inspector closes it
        Capability("verify_as_lead_department", _("牵头部门核验"), (Role.DEPARTMENT_OFFICIAL,)),
        # projects and money: inspectors have no part in them (menu, pages and dashboard panels alike)
        Capability("read_projects", _("查看项目资金"), (*OFFICIALS, Role.LEADER, Role.ADMIN)),
        Capability("close_items", _("销号、退回、回头看"), (Role.INSPECTOR,)),
        Capability("import_items", _("导入问题清单"), (Role.INSPECTOR, Role.ADMIN)),
        # city departments (and admins) hand tasks (攻坚任务) to units, one by one or from a template
        Capability("assign_tasks", _("交办攻坚任务"), (Role.DEPARTMENT_OFFICIAL, Role.ADMIN)),
        # city departments and admins take a unit's reserve proposal into the project reserve, or decline it
        Capability("decide_proposals", _("审核储备申报"), (Role.DEPARTMENT_OFFICIAL, Role.ADMIN)),
        # a monitoring warning the unit cannot settle becomes a rectification item (watch → rectifications)
        Capability("escalate_warnings", _("预警转整改"), (Role.INSPECTOR, Role.ADMIN)),
        # the city's heavy-pollution weather warning (黄/橙/红): issued, changed and lifted by the 环委办 / leaders
        Capability("issue_weather_warnings", _("发布重污染天气预警"), (Role.LEADER, Role.ADMIN)),
        Capability("review_values", _("查看数据审核队列"), (Role.LEADER, Role.ADMIN)),
        Capability("approve_values", _("审核数据、发布排名"), (Role.ADMIN,)),
        Capability("compute_scores", _("发起计分"), (Role.LEADER, Role.ADMIN)),
        Capability("import_readings", _("导入监测数据"), (Role.ADMIN,)),
        # master data in bulk (stations, sections, outlets): the city's register, kept by the admin
        Capability("import_master_data", _("导入站点、断面、排口"), (Role.ADMIN,)),
        # accounts, their role and unit (one at a time in the admin, or from a template)
        Capability("manage_users", _("管理用户和角色"), (Role.ADMIN,)),
        # allocating a fund's money to projects (资金下达) is the city's decision, entered by the admin
        Capability("allocate_funds", _("下达项目资金"), (Role.ADMIN,)),
        # numbering and issuing notices and bulletins as documents (公文, 文号) is the city offices' act
        Capability("issue_documents", _("制发通知、通报公文"), (Role.INSPECTOR, Role.LEADER, Role.ADMIN)),
        # assessment schemes and targets: next year's copy, targets from the province's ranking (超前谋划)
        Capability("manage_schemes", _("管理考核方案和目标值"), (Role.ADMIN,)),
        # 奖惩到人: commendations, criticism in bulletins, interviews and accountability decisions against a person
        Capability("record_accountability", _("记录奖惩问责"), (Role.LEADER, Role.ADMIN)),
        # 扣分风险跟踪督办: hand a deduction risk to a unit and a person with a deadline
        Capability("assign_risk_followups", _("交办扣分风险跟踪"), (Role.LEADER, Role.ADMIN)),
        Capability("view_system_status", _("查看系统运行状态"), (Role.ADMIN,)),
        Capability("admin_site", _("系统管理"), (Role.ADMIN,)),
    )
}


def has_cap(user, key: str) -> bool:
    """May this person do `key` at all? (Which units they may do it for is the grant's business.)"""
    return user_role(user) in CAPABILITIES[key].roles


class Caps:
    """`caps.close_items` in a template: True/False per capability (an unknown name raises in Python)."""

    def __init__(self, user):
        self._role = user_role(user)

    def __getattr__(self, key: str) -> bool:
        try:
            return self._role in CAPABILITIES[key].roles
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key: str) -> bool:  # the template engine tries item lookup first
        if key not in CAPABILITIES:
            raise KeyError(key)
        return self._role in CAPABILITIES[key].roles


def capability_required(key: str) -> Callable:
    """View decorator: logged-in people without capability `key` get 403 (anonymous go to log in)."""
    roles = CAPABILITIES[key].roles

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user_role(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.capability = key
        wrapped.allowed_roles = roles
        return wrapped

    return decorator


# --- the menu table: one entry per area, each admitting the holders of one capability ----------------------
@dataclass(frozen=True)
class MenuEntry:
    """A menu entry (an *area* of the site — not the environmental areas 大气/水/土壤, see ARCHITECTURE.md)."""

    key: str
    label: str | Promise
    url_name: str
    capability: str

    @property
    def roles(self) -> tuple[Role, ...]:
        return CAPABILITIES[self.capability].roles


AREAS: tuple[MenuEntry, ...] = (
    MenuEntry("dashboard", _("调度看板"), "targets:dashboard", "use_site"),
    MenuEntry("air", _("大气污染防治"), "tracker:air_index", "use_site"),
    MenuEntry("water", _("水环境"), "tracker:water_index", "use_site"),
    MenuEntry("wastefree", _("无废城市"), "targets:wastefree_index", "use_site"),
    MenuEntry("measures", _("攻坚任务"), "tracker:measure_list", "use_site"),
    MenuEntry("watch", _("监测预警"), "tracker:warning_list", "use_site"),
    MenuEntry("weather", _("重污染天气"), "tracker:weather_warning_list", "use_site"),
    MenuEntry("rivers", _("河湖长制"), "tracker:river_chief_list", "use_site"),
    MenuEntry("enterprises", _("重点企业"), "tracker:enterprise_list", "use_site"),
    MenuEntry("rural", _("农村污水设施"), "tracker:rural_plant_list", "use_site"),
    MenuEntry("projects", _("项目资金"), "projects:index", "read_projects"),
    MenuEntry("rectifications", _("问题整改"), "rectifications:index", "use_site"),
    MenuEntry("assessment", _("党政同责考核"), "targets:index", "use_site"),
    MenuEntry("units", _("责任单位"), "tracker:unit_list", "use_site"),
    MenuEntry("people", _("责任人名册"), "tracker:person_list", "use_site"),
    MenuEntry("admin", _("系统管理"), "admin:index", "admin_site"),
)
AREAS_BY_KEY = {area.key: area for area in AREAS}


def area_required(key: str) -> Callable:
    """View decorator admitting exactly the holders of the capability the area table gives `key`."""
    return capability_required(AREAS_BY_KEY[key].capability)


def _url(area: MenuEntry) -> str | None:
    try:
        return reverse(area.url_name)
    except NoReverseMatch:
        return None


def navigation(request) -> dict:
    """Context processor: the menu entries this person may use, which one is active, and `caps`."""
    user = getattr(request, "user", None)
    role = user_role(user)
    caps = Caps(user)
    if role is None:
        return {"nav_items": [], "user_role": None, "caps": caps}
    items = []
    for area in AREAS:
        if role not in area.roles:
            continue
        url = _url(area)
        if url is None:
            continue
        items.append({"key": area.key, "label": area.label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items, "user_role": role, "caps": caps}
