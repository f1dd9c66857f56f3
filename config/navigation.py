"""The site's areas: one table decides both the menu a role sees and which roles a view admits.

A view of an area is wrapped in `area_required("projects")`, so hiding a menu entry and refusing the
page on the server can never drift apart. An entry whose URL does not exist yet is left out of the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from tracker.choices import Role
from tracker.permissions import role_required, user_role

ALL = tuple(Role)
OFFICIALS = (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_OFFICIAL)


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    url_name: str
    roles: tuple[Role, ...]


AREAS: tuple[Area, ...] = (
    Area("dashboard", _("调度看板"), "targets:dashboard", ALL),
    Area("air", _("大气污染防治"), "tracker:air_index", ALL),
    Area("water", _("水环境"), "tracker:water_index", ALL),
    Area("wastefree", _("无废城市"), "targets:wastefree_index", ALL),
    Area("measures", _("攻坚任务"), "tracker:measure_list", ALL),
    Area("watch", _("监测预警"), "tracker:warning_list", ALL),
    Area("enterprises", _("重点企业"), "tracker:enterprise_list", ALL),
    Area("rural", _("农村污水设施"), "tracker:rural_plant_list", ALL),
    Area("projects", _("项目资金"), "projects:index", (*OFFICIALS, Role.LEADER, Role.ADMIN)),
    Area("rectifications", _("问题整改"), "rectifications:index", ALL),
    Area("assessment", _("党政同责考核"), "targets:index", ALL),
    Area("units", _("责任单位"), "tracker:unit_list", ALL),
    Area("admin", _("系统管理"), "admin:index", (Role.ADMIN,)),
)
AREAS_BY_KEY = {area.key: area for area in AREAS}


def area_required(key: str):
    """View decorator admitting exactly the roles the area table gives `key`."""
    return role_required(*AREAS_BY_KEY[key].roles)


def _url(area: Area) -> str | None:
    try:
        return reverse(area.url_name)
    except NoReverseMatch:
        return None


def navigation(request) -> dict:
    """Context processor: the menu entries this person may use, and which one is active."""
    user = getattr(request, "user", None)
    role = user_role(user)
    if role is None:
        return {"nav_items": [], "user_role": None}
    items = []
    for area in AREAS:
        if role not in area.roles:
            continue
        url = _url(area)
        if url is None:
            continue
        items.append({"key": area.key, "label": area.label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items, "user_role": role}
