"""River chiefs (河湖长制): who chairs which river (and section) at which level, their patrols with findings and
photos, the patrol-frequency rule per level (data), and the fishing-ban (长江十年禁渔) enforcement cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ChiefLevel, FishingCaseKind, FishingCaseOutcome, PatrolPeriod
from ..common.scoping import RestrictedQuerySet


class PatrolRule(models.Model):
    """How often a river chief of a level must patrol: at least `min_count` patrols per `period` (admin data)."""

    level = models.CharField(_("河长级别"), max_length=10, choices=ChiefLevel.choices, unique=True)
    period = models.CharField(_("周期"), max_length=8, choices=PatrolPeriod.choices)
    min_count = models.PositiveSmallIntegerField(_("每周期至少巡河次数"), default=1)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("巡河频次规则")
        verbose_name_plural = _("巡河频次规则")
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(condition=Q(min_count__gte=1), name="patrol_rule_min_positive"),
            models.CheckConstraint(condition=Q(period__in=PatrolPeriod.values), name="patrol_rule_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_period_display()} ≥{self.min_count}"


class RiverChief(models.Model):
    """A person from the people register chairing a river (optionally one section or stretch) at one level.

    `unit` is the unit that answers for the stretch and enters its patrols (a county; for a city-level chief, the
    county the stretch lies in)."""

    river = models.ForeignKey("tracker.River", verbose_name=_("河流"), on_delete=models.PROTECT, related_name="chiefs")
    section = models.ForeignKey(
        "tracker.WaterSection",
        verbose_name=_("断面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chiefs",
    )
    stretch = models.CharField(_("河段"), max_length=80, blank=True, help_text=_("如：王村至研城段"))
    level = models.CharField(_("河长级别"), max_length=10, choices=ChiefLevel.choices)
    person = models.ForeignKey(
        "tracker.Person", verbose_name=_("河长"), on_delete=models.PROTECT, related_name="river_chiefships"
    )
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="river_chiefs"
    )
    appointed_on = models.DateField(_("任命日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("河长")
        verbose_name_plural = _("河长")
        ordering = ["river__sort_order", "level", "unit__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["river", "level", "person", "stretch"], name="river_chief_unique_post"),
            models.CheckConstraint(condition=Q(level__in=ChiefLevel.values), name="river_chief_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.river} {self.get_level_display()}河长 {self.person.name}"


class RiverPatrol(models.Model):
    """One patrol (巡河) of a chief: date, stretch walked, problems found; entered by the chief's unit. A finding
    can be turned into a rectification item once (the item points here: `RectificationItem.source_patrol`)."""

    chief = models.ForeignKey(RiverChief, verbose_name=_("河长"), on_delete=models.PROTECT, related_name="patrols")
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="river_patrols"
    )
    date = models.DateField(_("巡河日期"))
    stretch = models.CharField(_("巡查河段"), max_length=120)
    problems = models.TextField(_("发现问题"), blank=True, help_text=_("未发现问题可留空"))
    handled = models.TextField(_("现场处理情况"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡河记录")
        verbose_name_plural = _("巡河记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["chief", "date"])]

    def __str__(self) -> str:
        return f"{self.chief_id} {self.date}"

    @property
    def has_problems(self) -> bool:
        return bool(self.problems.strip())


class PatrolPhotoQuerySet(RestrictedQuerySet):
    unit_fields = ("patrol__unit",)


class PatrolPhoto(models.Model):
    """A photo taken on a patrol (type- and size-checked by `tracker.common.uploads`, stored outside the web root)."""

    patrol = models.ForeignKey(RiverPatrol, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), max_length=300)
    original_name = models.CharField(_("文件名"), max_length=200)
    mime = models.CharField(max_length=80)
    size = models.PositiveIntegerField()

    objects = PatrolPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡河照片")
        verbose_name_plural = _("巡河照片")
        ordering = ["patrol", "pk"]

    def __str__(self) -> str:
        return self.original_name


class FishingBanCase(models.Model):
    """A fishing-ban enforcement case (长江十年禁渔执法案件) of a unit, counted per unit."""

    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="fishing_cases"
    )
    case_no = models.CharField(_("案件编号"), max_length=40, unique=True)
    date = models.DateField(_("查处日期"))
    river = models.ForeignKey(
        "tracker.River", verbose_name=_("水域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("案件类型"), max_length=10, choices=FishingCaseKind.choices)
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=FishingCaseOutcome.choices, default=FishingCaseOutcome.PENDING
    )
    description = models.TextField(_("案情"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("禁渔执法案件")
        verbose_name_plural = _("禁渔执法案件")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FishingCaseKind.values), name="fishing_case_kind_valid"),
            models.CheckConstraint(
                condition=Q(outcome__in=FishingCaseOutcome.values), name="fishing_case_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.case_no
