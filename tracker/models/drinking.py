"""Drinking-water sources' monthly quality (饮用水水源地水质月报): class and compliance computed on write."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import WaterClass


class DrinkingWaterReading(models.Model):
    """One source's monthly result (mg/L); class by GB 3838-2002, compliant when no worse than Ⅲ."""

    source = models.ForeignKey(
        "tracker.DrinkingWaterSource", verbose_name=_("水源地"), on_delete=models.CASCADE, related_name="readings"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    do = models.DecimalField(_("溶解氧"), max_digits=7, decimal_places=3, null=True, blank=True)
    codmn = models.DecimalField(_("高锰酸盐指数"), max_digits=7, decimal_places=3, null=True, blank=True)
    cod = models.DecimalField(_("化学需氧量"), max_digits=7, decimal_places=3, null=True, blank=True)
    bod5 = models.DecimalField(_("五日生化需氧量"), max_digits=7, decimal_places=3, null=True, blank=True)
    nh3n = models.DecimalField(_("氨氮"), max_digits=7, decimal_places=3, null=True, blank=True)
    tp = models.DecimalField(_("总磷"), max_digits=7, decimal_places=3, null=True, blank=True)
    water_class = models.PositiveSmallIntegerField(_("水质类别"), choices=WaterClass.choices)
    compliant = models.BooleanField(_("达标"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("水源地月度水质")
        verbose_name_plural = _("水源地月度水质")
        ordering = ["source", "month"]
        constraints = [
            models.UniqueConstraint(fields=["source", "month"], name="drinking_reading_source_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="drinking_reading_first_day"),
            models.CheckConstraint(condition=Q(water_class__gte=1, water_class__lte=6), name="drinking_reading_class"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.month:%Y-%m}"
