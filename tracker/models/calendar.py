"""The working-day calendar an admin keeps: public holidays and make-up working days (tracker.workdays)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day that differs from the Monday–Friday rule: a public holiday, or a weekend made a working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")  # a weekday off (including 调休放假)
        WORKDAY = "workday", _("调休上班日")  # a Saturday or Sunday worked

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40, help_text=_("如：国庆节、春节调休上班"))

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["holiday", "workday"]), name="calendar_day_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
