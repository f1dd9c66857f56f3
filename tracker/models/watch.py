"""Environmental watch (水气土协同预警): warning rules as data, the warnings they fire, and each warning's readings.

A rule is evaluated set-based over the readings an ingest has just written (`tracker.services.watch`); a run of
consecutive exceeding periods at one station or section that reaches the rule's duration is one episode and
fires one warning, however often the same readings are sent again or the run goes on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    AIR_PARAMETERS,
    RURAL_PARAMETERS,
    WATER_PARAMETERS,
    WarningLevel,
    WarningStatus,
    WatchComparison,
    WatchParameter,
    WatchScope,
    WatchSource,
)
from ..common.scoping import RestrictedQuerySet


class WarningRule(models.Model):
    """An admin-edited rule: parameter, comparison, threshold, how many consecutive periods, and where it applies."""

    name = models.CharField(_("规则名称"), max_length=80, unique=True)
    source = models.CharField(_("数据来源"), max_length=10, choices=WatchSource.choices)
    parameter = models.CharField(_("指标"), max_length=20, choices=WatchParameter.choices)
    comparison = models.CharField(
        _("比较"), max_length=8, choices=WatchComparison.choices, default=WatchComparison.ABOVE
    )
    threshold = models.DecimalField(_("阈值"), max_digits=10, decimal_places=3)
    duration = models.PositiveSmallIntegerField(
        _("持续期数"), default=1, help_text=_("连续超限多少期才预警：空气按天，水质按月。")
    )
    scope = models.CharField(_("适用范围"), max_length=10, choices=WatchScope.choices, default=WatchScope.ALL)
    station = models.ForeignKey(
        "tracker.AirStation", verbose_name=_("站点"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    war_zone = models.ForeignKey(
        "tracker.WarZone", verbose_name=_("战区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.ForeignKey(
        "tracker.WaterSection",
        verbose_name=_("断面"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    drinking_source = models.ForeignKey(
        "tracker.DrinkingWaterSource",
        verbose_name=_("水源地"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    level = models.CharField(_("预警级别"), max_length=8, choices=WarningLevel.choices, default=WarningLevel.YELLOW)
    is_active = models.BooleanField(_("启用"), default=True)
    notes = models.TextField(_("依据与说明"), blank=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["source", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(source=WatchSource.AIR, parameter__in=AIR_PARAMETERS))
                | Q(source__in=(WatchSource.WATER, WatchSource.DRINKING), parameter__in=WATER_PARAMETERS)
                | Q(source=WatchSource.RURAL, parameter__in=RURAL_PARAMETERS),
                name="warningrule_parameter_fits_source_v2",
            ),
            models.CheckConstraint(condition=Q(duration__gte=1), name="warningrule_duration_positive"),
            models.CheckConstraint(
                condition=Q(comparison__in=WatchComparison.values), name="warningrule_comparison_valid"
            ),
            # exactly the object the scope names is set, and only where the source has such objects
            models.CheckConstraint(
                condition=(
                    Q(scope=WatchScope.ALL, station=None, unit=None, war_zone=None, section=None, drinking_source=None)
                    | Q(scope=WatchScope.STATION, source=WatchSource.AIR, unit=None, war_zone=None, section=None)
                    & Q(station__isnull=False, drinking_source=None)
                    | Q(scope=WatchScope.UNIT, station=None, war_zone=None, section=None, drinking_source=None)
                    & Q(unit__isnull=False)
                    | Q(scope=WatchScope.WAR_ZONE, source=WatchSource.AIR, station=None, unit=None, section=None)
                    & Q(war_zone__isnull=False, drinking_source=None)
                    | Q(scope=WatchScope.SECTION, source=WatchSource.WATER, station=None, unit=None, war_zone=None)
                    & Q(section__isnull=False, drinking_source=None)
                    | Q(scope=WatchScope.SOURCE, source=WatchSource.DRINKING, station=None, unit=None, war_zone=None)
                    & Q(section=None, drinking_source__isnull=False)
                ),
                name="warningrule_scope_object_v2",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_label(self) -> str:
        """Where the rule applies, in words: 全市, or the named station / unit / war zone / section."""
        target = self.station or self.unit or self.war_zone or self.section or self.drinking_source
        return str(target.name) if target is not None else str(WatchScope(self.scope).label)


class MonitoringWarning(models.Model):
    """One episode of a rule at one station or section, for the responsible unit; closed by a response or an item.

    `subject_key` ("air:<station id>" / "water:<section id>") with `episode_start` makes the episode unique.
    Status moves only through `tracker.services.watch` (compare-and-set on `version`, an event row per move).
    """

    rule = models.ForeignKey(WarningRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="warnings")
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="monitoring_warnings"
    )
    station = models.ForeignKey(
        "tracker.AirStation",
        verbose_name=_("站点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    section = models.ForeignKey(
        "tracker.WaterSection",
        verbose_name=_("断面"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    drinking_source = models.ForeignKey(
        "tracker.DrinkingWaterSource",
        verbose_name=_("水源地"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    rural_plant = models.ForeignKey(
        "tracker.RuralSewagePlant",
        verbose_name=_("农村污水设施"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    subject_key = models.CharField(_("对象"), max_length=30)
    episode_start = models.DateField(_("超限开始"))
    fired_on = models.DateField(_("触发日期"), help_text=_("连续超限达到规则期数的那一期"))
    last_date = models.DateField(_("最近超限"))
    periods = models.PositiveIntegerField(_("已连续超限期数"), default=0)
    peak_value = models.FloatField(_("峰值"))
    status = models.CharField(_("状态"), max_length=12, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    version = models.PositiveIntegerField(default=0, editable=False)
    response = models.TextField(_("处置情况"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["-fired_on", "-pk"]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["rule", "subject_key", "last_date"])]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_key", "episode_start"], name="warning_one_per_episode"),
            models.CheckConstraint(condition=Q(status__in=WarningStatus.values), name="warning_status_valid"),
            models.CheckConstraint(
                condition=Q(station__isnull=False, section=None, drinking_source=None, rural_plant=None)
                | Q(station=None, section__isnull=False, drinking_source=None, rural_plant=None)
                | Q(station=None, section=None, drinking_source__isnull=False, rural_plant=None)
                | Q(station=None, section=None, drinking_source=None, rural_plant__isnull=False),
                name="warning_one_subject_v3",
            ),
            models.CheckConstraint(
                condition=Q(status=WarningStatus.OPEN) | Q(closed_at__isnull=False), name="warning_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_name}"

    @property
    def subject_name(self) -> str:
        if self.station_id:
            return str(self.station.name)
        if self.section_id:
            return str(self.section.name)
        if self.drinking_source_id:
            return str(self.drinking_source.name)
        return str(self.rural_plant.name) if self.rural_plant_id else ""

    @property
    def is_open(self) -> bool:
        return self.status == WarningStatus.OPEN


class WarningReading(models.Model):
    """A reading that caused (or prolonged) a warning: the period, the compared value and the reading row."""

    warning = models.ForeignKey(MonitoringWarning, on_delete=models.CASCADE, related_name="readings")
    date = models.DateField(_("日期/月份"))
    value = models.FloatField(_("数值"))
    air_reading = models.ForeignKey(
        "tracker.AirDailyReading", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    water_reading = models.ForeignKey(
        "tracker.WaterMonthlyReading", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drinking_reading = models.ForeignKey(
        "tracker.DrinkingWaterReading", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rural_month = models.ForeignKey(
        "tracker.RuralPlantMonth", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("预警监测数据")
        verbose_name_plural = _("预警监测数据")
        ordering = ["warning", "date"]
        constraints = [models.UniqueConstraint(fields=["warning", "date"], name="warning_reading_one_per_period")]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.date}"


class WarningEvent(models.Model):
    """One move of a warning: who, when, from, to, and what they wrote."""

    warning = models.ForeignKey(MonitoringWarning, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12)
    from_status = models.CharField(_("原状态"), max_length=12, choices=WarningStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=WarningStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("预警处置记录")
        verbose_name_plural = _("预警处置记录")
        ordering = ["warning", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.warning_id}: {self.from_status} → {self.to_status}"
