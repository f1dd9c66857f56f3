"""Writes for master data entered in bulk (基础数据): air stations, water sections, sewage outlets.

Each service creates the row or updates the one with the same code, validates it as the model does (field
lengths, choices, constraints) and re-checks the person's capability. An outlet's step is never set here: a new
outlet is registered at 排查 with its first history row (`outlet_register`); later steps go through the workflow.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited

from ..common.access import has_cap
from ..models import AirStation, River, SewageOutlet, Unit, WarZone, WaterSection
from .water import outlet_register


def _check(user) -> None:
    if not has_cap(user, "import_master_data"):
        raise PermissionDenied(_("只有系统管理员可以维护站点、断面和排口。"))


@transaction.atomic
def station_save(
    *,
    user,
    code: str,
    name: str,
    level: str,
    unit: Unit,
    war_zone: WarZone | None,
    lon: float | None,
    lat: float | None,
    counts_for_assessment: bool,
    is_active: bool,
) -> AirStation:
    """Create or update (by code) an air monitoring station."""
    _check(user)
    station = AirStation.objects.filter(code=code).first() or AirStation(code=code)
    station.name, station.level, station.unit, station.war_zone = name, level, unit, war_zone
    station.lon, station.lat = lon, lat
    station.counts_for_assessment, station.is_active = counts_for_assessment, is_active
    station.full_clean()
    station.save()
    return station


@transaction.atomic
def section_save(
    *,
    user,
    code: str,
    name: str,
    river: River,
    level: str,
    unit: Unit,
    target_class: int,
    water_body: str,
    is_active: bool,
) -> WaterSection:
    """Create or update (by code) a water-quality assessment section."""
    _check(user)
    section = WaterSection.objects.filter(code=code).first() or WaterSection(code=code)
    section.name, section.river, section.level, section.unit = name, river, level, unit
    section.target_class, section.water_body, section.is_active = target_class, water_body, is_active
    section.full_clean()
    section.save()
    return section


@audited
def outlet_save(
    *,
    user,
    code: str,
    name: str,
    river: River,
    unit: Unit,
    outlet_type: str,
    deadline: dt.date,
) -> SewageOutlet:
    """Create (registered at 排查, with its first history row) or update (by code) a sewage outlet's register
    entry. The step is left alone: it moves only through the outlet workflow."""
    _check(user)
    outlet = SewageOutlet.objects.filter(code=code).first()
    new = outlet is None
    outlet = outlet or SewageOutlet(code=code)
    outlet.name, outlet.river, outlet.unit = name, river, unit
    outlet.outlet_type, outlet.deadline = outlet_type, deadline
    outlet.full_clean(exclude=["step", "version"])
    if new:
        return outlet_register(
            outlet=outlet, user=user, work_date=timezone.localdate(), note=_("批量导入登记，进入排查环节。")
        )
    outlet.save(update_fields=["name", "river", "unit", "outlet_type", "deadline"])
    return outlet
