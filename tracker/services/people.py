"""Writes of the people register (责任人名册) and the links from tasks and outlets to a person.

The register itself is kept by admins (the admin site, or `person_ensure` for the demo and imports); a task's
person is set by whoever may assign tasks. A linked person always belongs to the record's unit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from tracker.common.audit import audited

from ..common.access import has_cap
from ..models import Measure, Person, Unit


@audited
def person_ensure(*, user, unit: Unit, name: str, post: str, phone: str = "") -> Person:
    """The person (unit, name, post) of the register, created if missing (idempotent). Admins only."""
    if not has_cap(user, "admin_site"):
        raise PermissionDenied(_("只有系统管理员可以维护责任人名册。"))
    name, post = name.strip(), post.strip()
    if not name or not post:
        raise ValidationError(_("请填写姓名和职务。"))
    person, _created = Person.objects.get_or_create(unit=unit, name=name, post=post, defaults={"phone": phone.strip()})
    return person


@audited
def measure_set_responsible(*, user, measure: Measure, person: Person | None) -> Measure:
    """Link a task (攻坚任务) to a person of its unit (or unlink it); the free-text title stays for the record."""
    if not has_cap(user, "assign_tasks"):
        raise PermissionDenied(_("只有市级部门和系统管理员可以指定任务责任人。"))
    if person is not None and person.unit_id != measure.unit_id:
        raise ValidationError({"responsible": _("责任人须为该记录责任单位的人员。")})
    Measure.objects.filter(pk=measure.pk).update(responsible=person)
    measure.responsible = person
    return measure
