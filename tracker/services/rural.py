"""Rural sewage plant writes: a unit's monthly operating report (insert or correct one plant-month)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import PlantState, WatchSource
from ..models import RuralPlantMonth
from ..permissions import can_act_for_unit, is_unit_scoped
from ..selectors.rural import get_plant_for_user


@transaction.atomic
def rural_plant_month_report(
    *,
    user,
    plant_id: int,
    month: dt.date,
    state: str,
    flow: Decimal | None,
    funds: Decimal,
    note: str = "",
) -> RuralPlantMonth:
    """Record (or correct) one plant's month. Only an official of the plant's unit reports; not for future months."""
    plant = get_plant_for_user(user, plant_id)
    if not is_unit_scoped(user) or not can_act_for_unit(user, plant.unit_id, "report"):
        raise PermissionDenied(_("只有该设施所属单位的填报员可以填报运行情况。"))
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("不能填报未来月份。")})
    if state not in PlantState.values:
        raise ValidationError({"state": _("请选择运行状态。")})
    if state == PlantState.RUNNING and not flow:
        raise ValidationError({"flow": _("正常运行的设施须填写日均处理水量。")})
    if flow is not None and flow > plant.capacity * 2:
        raise ValidationError({"flow": _("处理水量超过设计规模的两倍，请核对单位（吨/日）。")})
    row, _created = RuralPlantMonth.objects.update_or_create(
        plant=plant,
        month=month,
        defaults={"state": state, "flow": flow, "funds": funds, "note": note.strip(), "reported_by": user},
    )
    # a stopped (or under-repair) month is judged by the watch rules like a reading: one warning per episode
    from .watch import watch_evaluate

    watch_evaluate(source=WatchSource.RURAL, subject_ids=[plant.pk], first=month, last=month)
    return row
