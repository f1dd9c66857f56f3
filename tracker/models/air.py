"""Air monitoring: stations and their daily readings (the computed AQI is stored with each reading)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import StationLevel
from ..common.scoping import RestrictedQuerySet


class AirStation(models.Model):
    """An air-quality monitoring station (空气监测站点) of a level, in a unit and (often) a war zone."""

    code = models.CharField(_("站点编码"), max_length=20, unique=True)
    name = models.CharField(_("站点名称"), max_length=60)
    level = models.CharField(_("站点级别"), max_length=12, choices=StationLevel.choices)
    unit = models.ForeignKey("Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="air_stations")
    war_zone = models.ForeignKey(
        "WarZone",
        verbose_name=_("所属战区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="air_stations",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    counts_for_assessment = models.BooleanField(
        _("考核点位"),
        default=True,
        help_text=_("计入所在单位空气质量考核的点位（区县：本级考核点位；全市：国控站点）"),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("空气监测站点")
        verbose_name_plural = _("空气监测站点")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180), name="airstation_lon"
            ),
            models.CheckConstraint(condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="airstation_lat"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"


class AirDailyReading(models.Model):
    """One station's daily values (µg/m³; CO mg/m³; O₃ the day's max 8-hour mean). A missing value is NULL.

    `aqi`, `category` and `primary_pollutants` are computed by `tracker.standards` at ingest and stored, so
    lists and rankings never recompute them.
    """

    station = models.ForeignKey(AirStation, verbose_name=_("站点"), on_delete=models.CASCADE, related_name="readings")
    date = models.DateField(_("日期"))
    so2 = models.FloatField("SO₂", null=True, blank=True)
    no2 = models.FloatField("NO₂", null=True, blank=True)
    pm10 = models.FloatField("PM10", null=True, blank=True)
    co = models.FloatField(_("CO (mg/m³)"), null=True, blank=True)
    o3_8h = models.FloatField(_("O₃ 日最大8小时"), null=True, blank=True)
    pm25 = models.FloatField("PM2.5", null=True, blank=True)
    aqi = models.PositiveSmallIntegerField("AQI", null=True, blank=True)
    category = models.CharField(_("类别"), max_length=8, blank=True)
    primary_pollutants = models.CharField(_("首要污染物"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("空气日数据")
        verbose_name_plural = _("空气日数据")
        ordering = ["station", "date"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="airreading_one_per_station_day"),
            models.CheckConstraint(
                condition=(
                    (Q(so2__isnull=True) | Q(so2__gte=0))
                    & (Q(no2__isnull=True) | Q(no2__gte=0))
                    & (Q(pm10__isnull=True) | Q(pm10__gte=0))
                    & (Q(co__isnull=True) | Q(co__gte=0))
                    & (Q(o3_8h__isnull=True) | Q(o3_8h__gte=0))
                    & (Q(pm25__isnull=True) | Q(pm25__gte=0))
                ),
                name="airreading_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="airreading_date")]

    def __str__(self) -> str:
        return f"{self.station.code} {self.date}"


class AirUnitDay(models.Model):
    """A unit's daily mean over its assessment points (`AirStation.counts_for_assessment`): the six pollutants
    rounded to their published precision, the AQI of those means and whether the day is valid — the input of
    every per-period air statistic of a unit (`tracker.selectors.air.unit_days_frame`), kept at ingest.

    Sand-dust days are not applied here: each row also holds the day's AQI and validity without PM10 and PM2.5,
    and a reader takes those on a flagged date, so flagging a day needs no rewrite. Never
    written by hand: database triggers mark a unit-day stale when a reading of one of its points is written or
    deleted, or a station changes unit or assessment flag (`AirUnitDayStale`); `air_unit_days_refresh` recomputes
    the stale ones set-based, with the same rule as everywhere else (`daily_means`)."""

    unit = models.ForeignKey("Unit", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    so2 = models.FloatField(null=True)
    no2 = models.FloatField(null=True)
    pm10 = models.FloatField(null=True)
    co = models.FloatField(null=True)
    o3_8h = models.FloatField(null=True)
    pm25 = models.FloatField(null=True)
    aqi = models.FloatField(null=True)
    valid = models.BooleanField()
    # the same day were it a sand-dust day (PM10 and PM2.5 dropped): what a reader uses on a flagged date
    aqi_dust = models.FloatField(null=True)
    valid_dust = models.BooleanField()
    stations = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("单位日均值（考核点位）")
        verbose_name_plural = _("单位日均值（考核点位）")
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="airunitday_one_per_unit_day")]
        indexes = [models.Index(fields=["date"], name="airunitday_date")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date}"


class AirUnitDayStale(models.Model):
    """A unit-day whose `AirUnitDay` must be recomputed, written by the database triggers (tracker 0020) in the
    writer's own transaction. Append-only and without a unique key, so writers never wait for each other; the
    refresh takes the rows it can see with one DELETE … RETURNING (a writer's rows that are not committed yet
    stay for the next refresh)."""

    unit_id = models.IntegerField()
    date = models.DateField()

    class Meta:
        verbose_name = _("待重算的单位日均值")
        verbose_name_plural = _("待重算的单位日均值")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date}"


class SandDustDay(models.Model):
    """A day an admin marks as affected by a sand-dust process (沙尘天气过程), city-wide.

    《受沙尘天气过程影响城市空气质量评价补充规定》(环办监测〔2016〕120号): on such a day PM10 and PM2.5 are
    treated as invalid for assessment, ranking and target evaluation; the other pollutants still count."""

    date = models.DateField(_("日期"), unique=True)
    note = models.CharField(_("依据"), max_length=200, help_text=_("如：省生态环境厅沙尘过程认定文件"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("沙尘天气影响日")
        verbose_name_plural = _("沙尘天气影响日")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} 沙尘"
