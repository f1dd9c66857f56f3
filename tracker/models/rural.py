"""Rural sewage plants (农村生活污水处理设施): the register and each plant's monthly operating report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import PlantProcess, PlantState


class RuralSewagePlant(models.Model):
    """One village plant of a unit, with its design capacity and process."""

    name = models.CharField(_("设施名称"), max_length=80, unique=True)
    township = models.CharField(_("乡镇"), max_length=40, blank=True)
    village = models.CharField(_("村"), max_length=40)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="rural_plants"
    )
    capacity = models.DecimalField(_("设计规模（吨/日）"), max_digits=8, decimal_places=1)
    process = models.CharField(_("处理工艺"), max_length=12, choices=PlantProcess.choices)
    commissioned_on = models.DateField(_("投运日期"), null=True, blank=True)
    is_active = models.BooleanField(_("纳入考核"), default=True)

    class Meta:
        verbose_name = _("农村生活污水处理设施")
        verbose_name_plural = _("农村生活污水处理设施")
        ordering = ["unit__sort_order", "township", "village", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="rural_plant_capacity_positive"),
            models.CheckConstraint(condition=Q(process__in=PlantProcess.values), name="rural_plant_process_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class RuralPlantMonth(models.Model):
    """A plant's month: operating state, mean daily flow and the running funds spent (运维资金, yuan)."""

    plant = models.ForeignKey(RuralSewagePlant, verbose_name=_("设施"), on_delete=models.CASCADE, related_name="months")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    state = models.CharField(_("运行状态"), max_length=10, choices=PlantState.choices)
    flow = models.DecimalField(_("日均处理水量（吨/日）"), max_digits=8, decimal_places=1, null=True, blank=True)
    funds = models.DecimalField(_("运维资金（元）"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("填报时间"), auto_now=True)

    class Meta:
        verbose_name = _("设施月度运行")
        verbose_name_plural = _("设施月度运行")
        ordering = ["plant", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["plant", "month"], name="rural_month_one_per_plant"),
            models.CheckConstraint(condition=Q(month__day=1), name="rural_month_first_day"),
            models.CheckConstraint(condition=Q(state__in=PlantState.values), name="rural_month_state_valid"),
            models.CheckConstraint(condition=Q(flow__isnull=True) | Q(flow__gte=0), name="rural_month_flow"),
            models.CheckConstraint(condition=Q(funds__gte=0), name="rural_month_funds"),
        ]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.month:%Y-%m}"
