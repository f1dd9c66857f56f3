"""The people register (责任人名册): responsible persons by name, so that 奖惩到人 can point at a person."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..common.scoping import RestrictedQuerySet


class Person(models.Model):
    """A responsible person of a unit (a county head, a department chief, a river chief, a project lead).

    Records that used to carry a job title as free text (责任人 "分管副县长") can point at a person here; the
    person's unit decides who sees them (a county sees its own people, city-wide roles see everyone).
    """

    name = models.CharField(_("姓名"), max_length=40)
    post = models.CharField(_("职务"), max_length=80)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任人")
        verbose_name_plural = _("责任人名册")
        ordering = ["unit__sort_order", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name", "post"], name="person_unit_name_post_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="person_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）"


def check_responsible_unit(record, *unit_fields: str) -> None:
    """A record's linked person (`responsible`) must belong to one of the record's units (`unit` by default):
    a county's task cannot name another county's deputy head. Raises ValidationError on the `responsible` field."""
    from django.core.exceptions import ValidationError

    person_id = getattr(record, "responsible_id", None)
    if person_id is None:
        return
    allowed = {getattr(record, f"{f}_id", None) for f in (unit_fields or ("unit",))} - {None}
    unit_id = Person.objects.filter(pk=person_id).values_list("unit_id", flat=True).first()
    if unit_id not in allowed:
        raise ValidationError({"responsible": _("责任人须为该记录责任单位的人员。")})
