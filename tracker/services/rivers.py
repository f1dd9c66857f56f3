"""River-chief writes: a patrol with its photos (entered by the chief's unit), a patrol finding turned into a
rectification item in one step, and fishing-ban enforcement cases."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited
from tracker.common.uploads import check_upload_quota, delete_on_rollback, storage_name, typed_filename, validate_upload

from ..choices import FishingCaseKind, FishingCaseOutcome
from ..common.access import has_cap
from ..common.workflow import Stale
from ..models import FishingBanCase, PatrolPhoto, River, RiverChief, RiverPatrol
from ..permissions import can_act_for_unit, is_unit_scoped

logger = logging.getLogger(__name__)


def _require_reporter(user, unit_id: int, message: str) -> None:
    if not is_unit_scoped(user) or not can_act_for_unit(user, unit_id, "report"):
        raise PermissionDenied(message)


@audited
def river_patrol_record(
    *, user, chief_id: int, date: dt.date, stretch: str, problems: str = "", handled: str = "", photos=()
) -> RiverPatrol:
    """Record one patrol of a chief (entered by the unit that answers for the stretch), with checked photos."""
    chief = RiverChief.objects.select_related("unit").filter(pk=chief_id, is_active=True).first()
    if chief is None:
        raise ValidationError({"chief": _("请选择在任的河长。")})
    _require_reporter(user, chief.unit_id, _("只有该河段责任单位的填报员可以填报巡河记录。"))
    if date > timezone.localdate():
        raise ValidationError({"date": _("巡河日期不能晚于今天。")})
    if not stretch.strip():
        raise ValidationError({"stretch": _("请填写巡查河段。")})
    photos = list(photos)
    check_upload_quota(photos)
    checked = [(upload, validate_upload(upload, kinds=("image",))) for upload in photos]
    patrol = RiverPatrol.objects.create(
        chief=chief,
        unit_id=chief.unit_id,
        date=date,
        stretch=stretch.strip(),
        problems=problems.strip(),
        handled=handled.strip(),
        entered_by=user,
    )
    rows = []
    with delete_on_rollback() as files:
        for upload, mime in checked:
            photo = PatrolPhoto(
                patrol=patrol, original_name=typed_filename(upload.name, mime), mime=mime, size=upload.size
            )
            files.save(photo.file, storage_name(f"rivers/{patrol.pk}", upload.name, mime), upload)
            rows.append(photo)
        PatrolPhoto.objects.bulk_create(rows)
    return patrol


@audited
def river_patrol_to_item(
    *, user, patrol_id: int, deadline: dt.date, responsible_person: str, measures: str = "", note: str = ""
):
    """转为整改问题: open a rectification item for the patrol's unit from its finding (rectifications' own service)
    and link it to the patrol — once; a second attempt is refused."""
    from rectifications.choices import Area, InspectionKind
    from rectifications.services import WorkflowError, rectification_item_create

    if not has_cap(user, "escalate_warnings"):
        raise PermissionDenied(_("只有督察员或系统管理员可以将巡河发现的问题转为整改问题。"))
    patrol = (
        RiverPatrol.objects.select_for_update()
        .select_related("chief__river", "chief__person", "unit")
        .get(pk=patrol_id)
    )
    if patrol.item_id is not None:
        raise Stale(_("该巡河记录已转为整改问题。"))
    if not patrol.has_problems:
        raise ValidationError(_("该次巡河未发现问题，无需转办。"))
    today = timezone.localdate()
    if deadline < today:
        raise ValidationError(_("整改时限不能早于今天。"))
    description = _("%(river)s %(stretch)s：%(level)s河长 %(person)s %(date)s 巡河发现：%(problems)s %(note)s") % {
        "river": patrol.chief.river.name,
        "stretch": patrol.stretch,
        "level": patrol.chief.get_level_display(),
        "person": patrol.chief.person.name,
        "date": patrol.date.isoformat(),
        "problems": patrol.problems,
        "note": note.strip(),
    }
    try:
        item = rectification_item_create(
            user=user,
            inspection_kind=InspectionKind.MONITORING,
            inspection_name=_("河湖长巡河发现问题转办（%(y)d年）") % {"y": today.year},
            inspection_date=today,
            code=f"HZ{today.year}-{patrol.pk:05d}",
            description=description.strip(),
            area=Area.WATER,
            unit=patrol.unit,
            responsible_person=responsible_person,
            deadline=deadline,
            measures=measures,
        )
    except WorkflowError as exc:
        raise ValidationError(str(exc)) from exc
    if RiverPatrol.objects.filter(pk=patrol.pk, item__isnull=True).update(item=item) != 1:
        raise Stale()
    patrol.item = item
    return patrol, item


@audited
def fishing_case_record(
    *,
    user,
    unit_id: int,
    case_no: str,
    date: dt.date,
    kind: str,
    outcome: str,
    river_id: int | None = None,
    description: str = "",
) -> FishingBanCase:
    """Record a fishing-ban enforcement case of the unit (长江十年禁渔)."""
    _require_reporter(user, unit_id, _("只有本单位的填报员可以填报禁渔执法案件。"))
    if not case_no.strip():
        raise ValidationError({"case_no": _("请填写案件编号。")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("查处日期不能晚于今天。")})
    if kind not in FishingCaseKind.values or outcome not in FishingCaseOutcome.values:
        raise ValidationError(_("案件类型或处理结果无效。"))
    if river_id and not River.objects.filter(pk=river_id).exists():
        raise ValidationError({"river": _("水域不存在。")})
    try:
        with transaction.atomic():
            return FishingBanCase.objects.create(
                unit_id=unit_id,
                case_no=case_no.strip(),
                date=date,
                kind=kind,
                outcome=outcome,
                river_id=river_id,
                description=description.strip(),
                entered_by=user,
            )
    except IntegrityError as exc:
        raise ValidationError({"case_no": _("案件编号 %(c)s 已存在。") % {"c": case_no.strip()}}) from exc
