"""River-chief writes: a patrol with its photos (entered by the chief's unit) and fishing-ban enforcement cases. A
patrol's finding becomes a rectification item in `rectifications.escalation` (tracker knows no other app)."""

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
