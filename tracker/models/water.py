"""Water: assessment sections and their monthly readings, sewage outlets (一口一策), drinking-water sources."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    OutletStep,
    OutletType,
    ProtectionZoneStatus,
    SectionLevel,
    SourceLevel,
    WaterBody,
    WaterClass,
)
from ..common.scoping import RestrictedQuerySet


class River(models.Model):
    """A river (or lake/reservoir) that sections sit on and outlets discharge into."""

    name = models.CharField(_("河流名称"), max_length=40, unique=True)
    water_body = models.CharField(_("水体类型"), max_length=10, choices=WaterBody.choices, default=WaterBody.RIVER)
    main_battlefield = models.BooleanField(
        _("主战场"), default=False, help_text=_("讲话点名的水污染防治主战场河流（岷江、大渡河、茫溪河等）")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("河流")
        verbose_name_plural = _("河流")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class WaterSection(models.Model):
    """A water-quality assessment section (水质断面) with its responsible unit and target class."""

    code = models.CharField(_("断面编码"), max_length=30, unique=True)
    name = models.CharField(_("断面名称"), max_length=60)
    river = models.ForeignKey(River, verbose_name=_("所在河流"), on_delete=models.PROTECT, related_name="sections")
    level = models.CharField(_("考核级别"), max_length=12, choices=SectionLevel.choices)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="water_sections"
    )
    target_class = models.PositiveSmallIntegerField(_("目标水质类别"), choices=WaterClass.choices)
    water_body = models.CharField(
        _("水体类型"),
        max_length=10,
        choices=WaterBody.choices,
        blank=True,
        help_text=_("留空则取所在河流（湖库）的水体类型；湖泊、水库按 GB 3838 表1 湖库总磷限值评价。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("水质断面")
        verbose_name_plural = _("水质断面")
        ordering = ["river__sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(target_class__gte=1, target_class__lte=6), name="water_section_target"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def assessed_as(self) -> str:
        """The water body the section is assessed as: its own type, else its river's (needs `river` loaded)."""
        return self.water_body or self.river.water_body


class WaterMonthlyReading(models.Model):
    """One section's monthly monitoring result (mg/L); class and compliance are computed on write."""

    section = models.ForeignKey(WaterSection, verbose_name=_("断面"), on_delete=models.CASCADE, related_name="readings")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    do = models.DecimalField(_("溶解氧"), max_digits=7, decimal_places=3, null=True, blank=True)
    codmn = models.DecimalField(_("高锰酸盐指数"), max_digits=7, decimal_places=3, null=True, blank=True)
    cod = models.DecimalField(_("化学需氧量"), max_digits=7, decimal_places=3, null=True, blank=True)
    bod5 = models.DecimalField(_("五日生化需氧量"), max_digits=7, decimal_places=3, null=True, blank=True)
    nh3n = models.DecimalField(_("氨氮"), max_digits=7, decimal_places=3, null=True, blank=True)
    tp = models.DecimalField(_("总磷"), max_digits=7, decimal_places=3, null=True, blank=True)
    tn = models.DecimalField(
        _("总氮"), max_digits=7, decimal_places=3, null=True, blank=True, help_text=_("湖库单独评价，不参与定类")
    )
    chla = models.DecimalField(
        _("叶绿素a"), max_digits=7, decimal_places=3, null=True, blank=True, help_text=_("mg/m³，湖库营养状态评价")
    )
    sd = models.DecimalField(
        _("透明度"), max_digits=7, decimal_places=3, null=True, blank=True, help_text=_("m，湖库营养状态评价")
    )
    water_class = models.PositiveSmallIntegerField(_("水质类别"), choices=WaterClass.choices, null=True)
    compliant = models.BooleanField(_("达标"), null=True)
    data_complete = models.BooleanField(_("数据齐全"), default=True)
    limiting_factors = models.CharField(_("定类因子"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    PARAMETERS = ("do", "codmn", "cod", "bod5", "nh3n", "tp")

    class Meta:
        verbose_name = _("断面月度监测")
        verbose_name_plural = _("断面月度监测")
        ordering = ["section", "month"]
        constraints = [
            models.UniqueConstraint(fields=["section", "month"], name="water_reading_section_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="water_reading_month_first_day"),
            models.CheckConstraint(
                condition=Q(water_class__isnull=True) | Q(water_class__gte=1, water_class__lte=6),
                name="water_reading_class_range",
            ),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.section_id} {self.month:%Y-%m}"


class SewageOutlet(models.Model):
    """A sewage outlet into a river (入河排污口), worked through the 一口一策 steps by its unit."""

    code = models.CharField(_("排口编码"), max_length=40, unique=True)
    name = models.CharField(_("排口名称"), max_length=80)
    river = models.ForeignKey(River, verbose_name=_("受纳水体"), on_delete=models.PROTECT, related_name="outlets")
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="sewage_outlets"
    )
    outlet_type = models.CharField(_("排口类型"), max_length=16, choices=OutletType.choices)
    step = models.CharField(_("当前环节"), max_length=12, choices=OutletStep.choices, default=OutletStep.SURVEY)
    deadline = models.DateField(_("整治时限"))
    enterprise = models.ForeignKey(
        "tracker.Enterprise",
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outlets",
    )
    responsible = models.ForeignKey(
        "tracker.Person",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outlets",
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("入河排污口")
        verbose_name_plural = _("入河排污口")
        ordering = ["unit__sort_order", "code"]
        indexes = [models.Index(fields=["unit", "step"])]
        constraints = [
            models.CheckConstraint(condition=Q(step__in=OutletStep.values), name="sewage_outlet_step_valid"),
            models.CheckConstraint(condition=Q(outlet_type__in=OutletType.values), name="sewage_outlet_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def is_overdue(self, today) -> bool:
        """Not finished and past its deadline."""
        return self.step != OutletStep.DONE and self.deadline < today

    def clean(self):
        from .people import check_responsible_unit

        check_responsible_unit(self)


class OutletStepChange(models.Model):
    """One move of an outlet between steps: who, when, from, to, the dated note and the plan/evidence file."""

    outlet = models.ForeignKey(SewageOutlet, verbose_name=_("排口"), on_delete=models.CASCADE, related_name="changes")
    from_step = models.CharField(_("原环节"), max_length=12, choices=OutletStep.choices, blank=True)
    to_step = models.CharField(_("新环节"), max_length=12, choices=OutletStep.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("操作时间"))
    work_date = models.DateField(_("工作日期"))
    note = models.TextField(_("说明"))
    document = models.FileField(_("方案/佐证材料"), max_length=255, blank=True)
    document_name = models.CharField(_("原文件名"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("排口环节变更")
        verbose_name_plural = _("排口环节变更")
        ordering = ["outlet", "created_at", "pk"]
        indexes = [models.Index(fields=["to_step", "work_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(to_step__in=OutletStep.values), name="outlet_change_to_step_valid"),
            models.CheckConstraint(
                condition=Q(from_step="") | Q(from_step__in=OutletStep.values), name="outlet_change_from_step_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet_id}: {self.from_step} → {self.to_step}"


class DrinkingWaterSource(models.Model):
    """A centralised drinking-water source (集中式饮用水水源地) and its protection-zone status."""

    name = models.CharField(_("水源地名称"), max_length=80, unique=True)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="drinking_sources"
    )
    level = models.CharField(_("级别"), max_length=12, choices=SourceLevel.choices)
    protection_status = models.CharField(_("保护区状态"), max_length=12, choices=ProtectionZoneStatus.choices)
    last_inspection = models.DateField(_("最近检查日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("饮用水水源地")
        verbose_name_plural = _("饮用水水源地")
        ordering = ["unit__sort_order", "level", "name"]

    def __str__(self) -> str:
        return self.name
