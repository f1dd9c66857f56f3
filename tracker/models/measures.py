"""攻坚任务: tasks on a list with an owner unit, a responsible person, a deadline and visible progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import MeasureArea, SourceType
from ..common.scoping import RestrictedQuerySet


class Measure(models.Model):
    """A measure (攻坚任务) of an area; air measures also belong to a war zone and a source type.

    Status (未启动/推进中/临近期限/已逾期/已完成) is derived from progress and deadline, never stored.
    """

    code = models.CharField(_("任务编号"), max_length=30, unique=True)
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("工作要求"), blank=True)
    area = models.CharField(_("领域"), max_length=12, choices=MeasureArea.choices)
    war_zone = models.ForeignKey(
        "WarZone", verbose_name=_("所属战区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="measures"
    )
    source_type = models.CharField(_("污染源类型"), max_length=12, choices=SourceType.choices, blank=True)
    unit = models.ForeignKey("Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="measures")
    responsible_person = models.CharField(_("责任人"), max_length=40)
    responsible = models.ForeignKey(
        "tracker.Person",
        verbose_name=_("责任人（名册）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        help_text=_("从责任人名册中选择本单位的责任人；原“责任人”文字保留供旧记录使用"),
    )
    deadline = models.DateField(_("完成时限"))
    enterprise = models.ForeignKey(
        "tracker.Enterprise",
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    progress = models.PositiveSmallIntegerField(_("形象进度 (%)"), default=0)
    last_report_date = models.DateField(_("最近报告日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # who assigned it to the unit (a city department or an admin through the site); empty for imported lists
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("攻坚任务")
        verbose_name_plural = _("攻坚任务")
        ordering = ["deadline", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="measure_progress_max_100"),
            models.CheckConstraint(
                condition=Q(area="air") | Q(source_type=""), name="measure_source_type_only_for_air"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def responsible_label(self) -> str:
        """The linked person of the register (name and post), else the old free-text title (责任人)."""
        return str(self.responsible) if self.responsible_id else self.responsible_person

    def clean(self):
        from tracker.models.people import check_responsible_unit

        check_responsible_unit(self)


class MeasureProgressReport(models.Model):
    """A dated progress report (进展报告) on a measure by its unit; the latest sets the measure's progress."""

    measure = models.ForeignKey(Measure, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reports")
    date = models.DateField(_("报告日期"))
    progress = models.PositiveSmallIntegerField(_("形象进度 (%)"))
    note = models.TextField(_("进展情况"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务进展报告")
        verbose_name_plural = _("任务进展报告")
        ordering = ["-date", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="measurereport_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.date} {self.progress}%"
