"""Heavy-pollution weather (重污染天气应对): forecasts per unit and day, the city's warning (黄/橙/红) with its
events, each unit's emergency list (应急减排清单) and the responses units report while a warning is in force."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ForecastLevel, ForecastPollutant, WarningLevel, WeatherWarningStatus
from ..common.scoping import RestrictedQuerySet


class AirForecast(models.Model):
    """One unit's air-quality forecast for one day: AQI range, primary pollutant and level (ingested, idempotent)."""

    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.CASCADE, related_name="air_forecasts"
    )
    date = models.DateField(_("预报日期"))
    aqi_low = models.PositiveSmallIntegerField(_("AQI 下限"))
    aqi_high = models.PositiveSmallIntegerField(_("AQI 上限"))
    primary_pollutant = models.CharField(_("首要污染物"), max_length=8, choices=ForecastPollutant.choices, blank=True)
    level = models.CharField(_("预报等级"), max_length=8, choices=ForecastLevel.choices)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("空气质量预报")
        verbose_name_plural = _("空气质量预报")
        ordering = ["-date", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="forecast_one_per_unit_day"),
            models.CheckConstraint(condition=Q(aqi_low__lte=models.F("aqi_high")), name="forecast_range_ordered"),
            models.CheckConstraint(condition=Q(aqi_high__lte=500), name="forecast_aqi_at_most_500"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date} {self.aqi_low}-{self.aqi_high}"

    @property
    def aqi_mid(self) -> float:
        return (self.aqi_low + self.aqi_high) / 2


class WeatherWarning(models.Model):
    """The city's heavy-pollution weather warning: level, start, planned end, lift. City-wide: every role reads it.

    Status moves only through `tracker.services.weather` (compare-and-set on `version`, an event row per move); at
    most one warning is in force at a time.
    """

    title = models.CharField(_("预警名称"), max_length=120)
    level = models.CharField(_("预警级别"), max_length=8, choices=WarningLevel.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=WeatherWarningStatus.choices, default=WeatherWarningStatus.ISSUED
    )
    starts_on = models.DateField(_("开始日期"))
    planned_end = models.DateField(_("预计结束日期"))
    lifted_on = models.DateField(_("解除日期"), null=True, blank=True)
    reason = models.TextField(_("预警依据"), blank=True, help_text=_("预报的污染过程、气象条件、区域传输等"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("发布时间"))
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("重污染天气预警")
        verbose_name_plural = _("重污染天气预警")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=WeatherWarningStatus.values), name="weather_status_valid"),
            models.CheckConstraint(condition=Q(level__in=WarningLevel.values), name="weather_level_valid"),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("starts_on")), name="weather_end_after_start"),
            models.CheckConstraint(
                condition=Q(status=WeatherWarningStatus.ISSUED, lifted_on=None)
                | Q(status=WeatherWarningStatus.LIFTED, lifted_on__gte=models.F("starts_on")),
                name="weather_lifted_has_date",
            ),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=WeatherWarningStatus.ISSUED), name="weather_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def in_force(self) -> bool:
        return self.status == WeatherWarningStatus.ISSUED

    @property
    def last_day(self):
        """The warning's last day: the lift date once lifted, else the planned end."""
        return self.lifted_on or self.planned_end


class WeatherWarningEvent(models.Model):
    """One act on a city warning: issued, level changed, lifted — who, when, and the levels before and after."""

    warning = models.ForeignKey(WeatherWarning, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12)
    from_status = models.CharField(_("原状态"), max_length=8, choices=WeatherWarningStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=8, choices=WeatherWarningStatus.choices)
    from_level = models.CharField(_("原级别"), max_length=8, choices=WarningLevel.choices, blank=True)
    to_level = models.CharField(_("新级别"), max_length=8, choices=WarningLevel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("预警操作记录")
        verbose_name_plural = _("预警操作记录")
        ordering = ["warning", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.warning_id}: {self.action}"


class EmergencyMeasure(models.Model):
    """One line of a unit's emergency list (应急减排清单): a source, what it does at which level, the expected
    reductions (t/d). Maintained by the unit's officials."""

    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="emergency_measures"
    )
    enterprise = models.ForeignKey(
        "tracker.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emergency_measures",
    )
    source = models.CharField(_("污染源"), max_length=80, help_text=_("企业名称、工地、道路或其他源"))
    measure = models.TextField(_("减排措施"))
    from_level = models.CharField(
        _("启动级别"), max_length=8, choices=WarningLevel.choices, default=WarningLevel.YELLOW,
        help_text=_("达到此级别及以上时执行"),
    )  # fmt: skip
    pm25_reduction = models.DecimalField(_("PM2.5 减排量（吨/日）"), max_digits=8, decimal_places=3, default=0)
    nox_reduction = models.DecimalField(_("NOx 减排量（吨/日）"), max_digits=8, decimal_places=3, default=0)
    vocs_reduction = models.DecimalField(_("VOCs 减排量（吨/日）"), max_digits=8, decimal_places=3, default=0)
    is_active = models.BooleanField(_("有效"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急减排措施")
        verbose_name_plural = _("应急减排清单")
        ordering = ["unit__sort_order", "source", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pm25_reduction__gte=0, nox_reduction__gte=0, vocs_reduction__gte=0),
                name="emergency_reductions_not_negative",
            ),
            models.CheckConstraint(condition=Q(from_level__in=WarningLevel.values), name="emergency_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source}：{self.measure[:30]}"


class EmergencyResponse(models.Model):
    """What a unit did on a day of a warning (应急响应落实情况), optionally for one list line or enterprise."""

    warning = models.ForeignKey(
        WeatherWarning, verbose_name=_("预警"), on_delete=models.CASCADE, related_name="responses"
    )
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="emergency_responses"
    )
    measure = models.ForeignKey(
        EmergencyMeasure,
        verbose_name=_("清单措施"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    enterprise = models.ForeignKey(
        "tracker.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emergency_responses",
    )
    date = models.DateField(_("落实日期"))
    action = models.TextField(_("落实情况"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急响应落实")
        verbose_name_plural = _("应急响应落实")
        ordering = ["warning", "unit__sort_order", "date", "pk"]
        indexes = [models.Index(fields=["warning", "unit"])]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.unit_id} {self.date}"
