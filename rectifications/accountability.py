"""奖惩到人: the service that records a commendation, a criticism, an interview or an accountability decision.

Only leaders and admins record them (`record_accountability`); the basis must concern the person's unit, so a
bulletin entry cannot be pinned on another county's deputy head by a slip of the mouse.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import has_cap
from tracker.common.audit import audited
from tracker.models import Person

from .choices import AccountabilityKind
from .models import AccountabilityRecord, DocumentNumber, Notice, RectificationItem


def can_record_accountability(user) -> bool:
    return has_cap(user, "record_accountability")


@audited
def accountability_record(
    *,
    user,
    person: Person,
    kind: str,
    date: datetime.date,
    description: str,
    document_number: DocumentNumber | None = None,
    item: RectificationItem | None = None,
    notice: Notice | None = None,
) -> AccountabilityRecord:
    """Record one act against a named person, with its basis; the recorder and the time are kept with it."""
    if not can_record_accountability(user):
        raise PermissionDenied(_("只有市领导和系统管理员可以记录奖惩问责。"))
    errors: dict[str, str] = {}
    if kind not in AccountabilityKind.values:
        errors["kind"] = _("请选择类别。")
    if date > timezone.localdate():
        errors["date"] = _("日期不能晚于今天。")
    if not description.strip():
        errors["description"] = _("请填写事由。")
    if document_number is None and item is None and notice is None:
        errors["__all__"] = _("请至少选择一项依据：通报或函件文号、整改问题、预警通知。")
    units = {person.unit_id}
    if item is not None and item.unit_id not in units and item.lead_department_id not in units:
        errors["item"] = _("依据的整改问题不属于该责任人所在单位。")
    if notice is not None and notice.unit_id not in units:
        errors["notice"] = _("依据的预警通知不是发给该责任人所在单位的。")
    if document_number is not None and document_number.notice_id is not None:
        if Notice.objects.filter(pk=document_number.notice_id).values_list("unit_id", flat=True).first() not in units:
            errors["document_number"] = _("该文号的函件不是发给该责任人所在单位的。")
    if errors:
        raise ValidationError(errors)
    return AccountabilityRecord.objects.create(
        person=person,
        unit_id=person.unit_id,
        kind=kind,
        date=date,
        description=description.strip(),
        document_number=document_number,
        item=item,
        notice=notice,
        recorded_by=user,
        recorded_at=timezone.now(),
    )


@audited
def rectification_item_set_responsible(*, user, item: RectificationItem, person: Person | None) -> RectificationItem:
    """Name the person of the register who answers for an item (its unit's or its lead department's); the old
    free-text title stays. Inspectors and admins, who keep the item lists, set it."""
    if not has_cap(user, "import_items"):
        raise PermissionDenied(_("只有督察员和系统管理员可以指定整改问题的责任人。"))
    if person is not None and person.unit_id not in (item.unit_id, item.lead_department_id):
        raise ValidationError({"responsible": _("责任人须为该记录责任单位的人员。")})
    RectificationItem.objects.filter(pk=item.pk).update(responsible=person)
    item.responsible = person
    return item
