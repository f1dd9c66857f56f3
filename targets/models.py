"""The assessment: indicators, targets, entered values, schemes, scoring runs and their frozen snapshots."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.common.scoping import RestrictedQuerySet

from .choices import (
    Accrual,
    Aggregate,
    Area,
    Direction,
    FollowUpStatus,
    ItemStatus,
    NaPolicy,
    Rule,
    RunStatus,
    Source,
    ValueStatus,
)

# Bound of any value a person types for an indicator (a target, a baseline, an entered value): larger than every
# real quantity a city reports (yuan, tonnes, µg/m³, counts), small enough that the scoring arithmetic never
# overflows a float. One approved 1e155 once took every leader's home page down.
MAX_ENTERED_VALUE = 1e12
BOUNDED = [MinValueValidator(-MAX_ENTERED_VALUE), MaxValueValidator(MAX_ENTERED_VALUE)]


class Indicator(models.Model):
    """An assessment indicator (考核指标): computed from another app's data or entered by units."""

    code = models.SlugField(_("指标代码"), max_length=60, unique=True)
    name = models.CharField(_("指标名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True, help_text=_("英文界面的计分说明使用"))
    unit_of_measure = models.CharField(_("计量单位"), max_length=20, blank=True, help_text=_("如 %、µg/m³、项"))
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    area = models.CharField(_("领域"), max_length=20, choices=Area.choices)
    source = models.CharField(_("数据来源"), max_length=10, choices=Source.choices)
    aggregate = models.CharField(_("年度汇总方式"), max_length=10, choices=Aggregate.choices, default=Aggregate.MEAN)
    accrual = models.CharField(
        _("累积方式"),
        max_length=10,
        choices=Accrual.choices,
        default=Accrual.AUTO,
        blank=True,
        help_text=_("决定年末预测与挽回所需：期间均值、存量比率、累计次数或当日状态"),
    )
    precision = models.PositiveSmallIntegerField(
        _("发布精度（小数位）"),
        null=True,
        blank=True,
        help_text=_("按此精度比较与显示；留空按计量单位：% 为 1 位，浓度为整数，综合指数为 2 位"),
    )
    description = models.TextField(_("口径说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    # The range a typed value must fall in (填报值域). Empty: 0 … 100 for a percentage, 0 … MAX otherwise.
    min_value = models.FloatField(_("填报下限"), null=True, blank=True, validators=BOUNDED)
    max_value = models.FloatField(_("填报上限"), null=True, blank=True, validators=BOUNDED)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["area", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def entry_range(self) -> tuple[float, float]:
        """(lowest, highest) value a unit may enter for this indicator."""
        low = self.min_value if self.min_value is not None else 0.0
        if self.max_value is not None:
            return low, self.max_value
        return low, (100.0 if self.unit_of_measure == "%" else MAX_ENTERED_VALUE)


class Target(models.Model):
    """The value a unit promised for an indicator in a year (目标值), with last year's baseline (基数)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.FloatField(_("目标值"), validators=BOUNDED)
    baseline = models.FloatField(_("基数"), null=True, blank=True, validators=BOUNDED)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        constraints = [models.UniqueConstraint(fields=["indicator", "unit", "year"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.year}"


class DataValueQuerySet(RestrictedQuerySet):
    action_capabilities = {"approve": "approve_values"}  # approving reaches every unit's values


class DataValue(models.Model):
    """A value a unit entered for an indicator and period (month 0 = the whole year).

    Approved values are locked. A correction is a new row pointing at the one it replaces (`replaces`);
    when it is approved the old row gets `superseded_at` and stays as history.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), default=0, help_text=_("0 表示全年"))
    value = models.FloatField(_("数值"), validators=BOUNDED)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    verified = models.BooleanField(_("已核定"), default=False, help_text=_("否：快报数（暂定）；是：核定数"))
    status = models.CharField(_("状态"), max_length=10, choices=ValueStatus.choices, default=ValueStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    replaces = models.ForeignKey(
        "self", verbose_name=_("更正的原值"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    superseded_at = models.DateTimeField(_("被更正时间"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = DataValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报数据")
        verbose_name_plural = _("填报数据")
        ordering = ["-year", "-month", "indicator__sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=-MAX_ENTERED_VALUE, value__lte=MAX_ENTERED_VALUE), name="datavalue_bounded"
            ),
            # one live approved value per key, and at most one open (not yet approved) value per key
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "month"],
                condition=Q(status="approved", superseded_at__isnull=True),
                name="datavalue_one_current",
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "month"],
                condition=~Q(status="approved"),
                name="datavalue_one_open",
            ),
            models.CheckConstraint(condition=Q(month__gte=0, month__lte=12), name="datavalue_month_range"),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(reason=""), name="datavalue_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"


class DataValueEvent(models.Model):
    """Who moved an entered value from which status to which, when and why."""

    value = models.ForeignKey(DataValue, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=10, choices=ValueStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ValueStatus.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class AssessmentScheme(models.Model):
    """A year's party-government joint-responsibility assessment (党政同责考核方案)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("方案名称"), max_length=100)
    published = models.BooleanField(_("已发布"), default=False, help_text=_("已发布的方案每晚自动计分"))
    caps = models.JSONField(
        _("加减分上限"),
        default=dict,
        blank=True,
        help_text=_('如 {"bonus": {"overall": 5, "air": 2}, "deduction": {"overall": 10, "rectification": 3}}'),
    )

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="scheme_unique")]

    def __str__(self) -> str:
        return self.name


class AssessmentItem(models.Model):
    """One scored item of a scheme: an indicator, its maximum points, its rule and the rule's parameters."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    max_points = models.FloatField(_("分值"), help_text=_("按次扣分项可为 0（只扣不加）"))
    rule = models.CharField(_("计分规则"), max_length=20, choices=Rule.choices)
    params = models.JSONField(_("规则参数"), default=dict, blank=True)
    na_policy = models.CharField(
        _("不涉及时"),
        max_length=10,
        choices=NaPolicy.choices,
        default=NaPolicy.ZERO,
        help_text=_("单位无考核对象（无排污口、断面、站点或资金）或经认定不涉及时如何计分"),
    )
    veto = models.BooleanField(_("一票否决"), default=False, help_text=_("未达标的单位排在所有未被否决的单位之后"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核项")
        verbose_name_plural = _("考核项")
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["scheme", "indicator"], name="item_unique")]

    def __str__(self) -> str:
        return f"{self.indicator}（{self.max_points:g} 分）"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .scoring import validate_params

        errors = validate_params(self.rule, self.params)
        if errors:
            raise ValidationError({"params": errors})


class NotApplicable(models.Model):
    """An admin's finding that a unit has nothing to assess on an indicator in a year (不涉及认定), with the reason."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    reason = models.CharField(_("认定理由"), max_length=200)
    created_at = models.DateTimeField(_("认定时间"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("不涉及认定")
        verbose_name_plural = _("不涉及认定")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "year"], name="notapplicable_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="notapplicable_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.year}"


class ScoringRun(models.Model):
    """One computation of a scheme's scores as of a date: status, progress and the Celery task id."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="runs")
    as_of = models.DateField(_("计分截止日"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The run row is its own outbox: a queued run with no `sent_at` was never handed to the broker (Redis was
    # down at commit) and the sweeper sends it. `heartbeat_at` is renewed by the computing process; a running
    # run whose heartbeat stops (the whole worker died) is re-queued by the watchdog, at most MAX_REQUEUES times.
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    supersedes = models.ForeignKey(
        "self", verbose_name=_("更正的已发布排名"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.TextField(_("更正说明"), blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("被替代为"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_run = models.ForeignKey(
        "self", verbose_name=_("对比的上期"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    items_frozen = models.JSONField(_("计分时的考核项"), default=list, blank=True)

    class Meta:
        verbose_name = _("计分批次")
        verbose_name_plural = _("计分批次")
        ordering = ["-as_of", "-created_at"]
        constraints = [
            # a burst of requests for the same scheme and date coalesces into one queued run
            models.UniqueConstraint(
                fields=["scheme", "as_of"], condition=Q(status="queued"), name="run_one_queued_per_date"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.as_of}"


class ScoreSnapshot(models.Model):
    """Immutable: every fact of a unit × item in one run, decided by the engine; readers only read them.

    `raw_value` is the source's value, `value` the one compared at the published precision; the explanation is
    rendered from these numbers and the run's frozen items (`ScoringRun.items_frozen`), in Chinese or English.

    The four references have no database constraint: a national run writes 142,200 rows at once, and checking
    four foreign keys row by row at commit cost more than writing them. The one writer (`services._write`) holds
    what the rows point at instead, in the same transaction — the run locked for update, the scheme, its items and
    the units locked against deletion (FOR KEY SHARE, what a foreign-key check takes) after checking they all
    exist — and deletions go through Django, which still cascades or protects (`on_delete`).

    On PostgreSQL the table is partitioned by the year of `as_of` (`partitions`, migration 0012); Django still sees
    `id` as the primary key (the database's is (id, as_of); only the identity hands out ids).
    """

    # no index of their own: the unique (run, unit, item, as_of) and the (scheme, as_of) index lead with them
    run = models.ForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="snapshots", db_constraint=False, db_index=False
    )
    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    unit = models.ForeignKey("tracker.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    item = models.ForeignKey(AssessmentItem, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    as_of = models.DateField()
    raw_value = models.FloatField(null=True)
    value = models.FloatField(null=True)
    target = models.FloatField(null=True)
    baseline = models.FloatField(null=True)
    applicable = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.NEUTRAL)
    points = models.FloatField()
    max_points = models.FloatField(default=0)
    item_rank = models.PositiveIntegerField(null=True)
    detail = models.CharField(max_length=300, blank=True)
    na_reason = models.CharField(max_length=200, blank=True)
    projected = models.FloatField(null=True)
    points_lost = models.FloatField(default=0)
    points_at_risk = models.FloatField(default=0)
    need_kind = models.CharField(max_length=12, blank=True)
    need_amount = models.FloatField(null=True)
    need_total = models.FloatField(null=True)
    # the stored text of runs computed before the facts were stored (shown as it was); blank for newer runs
    legacy_explanation = models.TextField(blank=True, default="", db_default="")

    class Meta:
        # as_of is part of the rule only because PostgreSQL partitions the table by it (`partitions`): a unique index
        # of a partitioned table must hold the partition key. A run has one as_of, so the rule is the same.
        constraints = [models.UniqueConstraint(fields=["run", "unit", "item", "as_of"], name="snapshot_unique")]
        indexes = [models.Index(fields=["scheme", "as_of"])]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.item_id}: {self.points}"

    @property
    def met(self) -> bool | None:
        """The stored status as met / missed / neither (for templates and charts)."""
        return {ItemStatus.MET: True, ItemStatus.MISSED: False}.get(self.status)

    @property
    def explanation(self) -> str:
        """Rendered from the stored numbers (Chinese); pages use `selectors.explain_rows` for the active language."""
        from .selectors import render_explanation

        return render_explanation(self)


class UnitScore(models.Model):
    """A unit's total in a run, its level rank and its improvement rank against the same date last year."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="totals")
    unit = models.ForeignKey("tracker.Unit", on_delete=models.PROTECT, related_name="+")
    total = models.FloatField()
    rank = models.PositiveIntegerField()
    previous_total = models.FloatField(null=True)
    improvement = models.FloatField(null=True)
    improvement_rank = models.PositiveIntegerField(null=True)
    base = models.FloatField(null=True)
    scale = models.FloatField(default=1.0)
    bonus = models.FloatField(default=0)
    deduction = models.FloatField(default=0)
    vetoed = models.BooleanField(default=False)
    previous_rank = models.PositiveIntegerField(null=True)
    movement = models.IntegerField(null=True)
    points_lost = models.FloatField(default=0)
    points_at_risk = models.FloatField(default=0)

    class Meta:
        ordering = ["rank", "unit__sort_order"]
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="unitscore_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total} #{self.rank}"


class Publication(models.Model):
    """A ranking published in a bulletin (通报): its run is frozen, corrections make a new run."""

    run = models.OneToOneField(ScoringRun, on_delete=models.PROTECT, related_name="publication")
    title = models.CharField(_("通报标题"), max_length=120)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("排名通报")
        verbose_name_plural = _("排名通报")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class GeoBoundary(models.Model):
    """The city's county boundaries (GeoJSON FeatureCollection) for the dashboard maps.

    Each feature's `properties.adcode` is matched to `Unit.code`; units without a feature (a development zone,
    the departments) are listed beside the map. The newest active boundary is the one drawn.
    """

    name = models.CharField(_("名称"), max_length=60)
    geojson = models.JSONField(_("边界数据"))
    feature_count = models.PositiveIntegerField(_("区域数"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("行政区划边界")
        verbose_name_plural = _("行政区划边界")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name


class ProvincialRanking(models.Model):
    """The province's view of the city (全省排名): the city's place and score on one indicator for a period.

    Entered by admins from the province's notices (e.g. 预算执行率 全省第19名/21). `value` is the city's figure and
    `next_value` the figure of the city one place above, so the gap to the next place can be shown
    (`targets.province.gap_to_next`) and a target proposed from it (`targets.planning.targets_propose_from_ranking`).
    """

    indicator = models.ForeignKey(Indicator, verbose_name=_("考核指标"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("截至月份"), default=0, validators=[MaxValueValidator(12)], help_text=_("0 表示全年")
    )
    rank = models.PositiveSmallIntegerField(_("全省名次"), validators=[MinValueValidator(1)])
    total = models.PositiveSmallIntegerField(_("参评市州数"), default=21, validators=[MinValueValidator(1)])
    score = models.FloatField(_("省考核得分"), null=True, blank=True, validators=BOUNDED)
    value = models.FloatField(_("我市数值"), null=True, blank=True, validators=BOUNDED)
    next_value = models.FloatField(
        _("前一名数值"), null=True, blank=True, validators=BOUNDED, help_text=_("排在我市前一名的市州的数值")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("全省排名")
        verbose_name_plural = _("全省排名")
        ordering = ["-year", "-month", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "month"], name="provincial_ranking_unique"),
            models.CheckConstraint(condition=Q(rank__lte=models.F("total")), name="provincial_rank_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} {self.rank}/{self.total}"


class QuarterTarget(models.Model):
    """A first-quarter target (一季度“开门红”目标): indicator × unit × year, the value due by the end of March.

    Kept apart from the year's `Target` (which the scoring engine reads) so a quarter's figure never enters the
    annual score; `targets.selectors.first_quarter` compares it with the quarter's actual value.
    """

    indicator = models.ForeignKey(Indicator, verbose_name=_("考核指标"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value = models.FloatField(_("目标值"), validators=BOUNDED)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("季度目标（开门红）")
        verbose_name_plural = _("季度目标（开门红）")
        ordering = ["-year", "quarter", "indicator__sort_order", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "year", "quarter"], name="quarter_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.year}Q{self.quarter}"


class RiskFollowUp(models.Model):
    """扣分风险跟踪督办: a deduction risk (unit × assessment item of a year's scheme) handed to the unit and a person
    with a deadline; the unit reports back until it says it is done.

    Keyed to (year, unit, item), not to a run: a re-run (nightly, or after approved values) replaces the run and its
    risk rows but not the follow-up. `status` moves only through `targets.services` (FOLLOWUP_WORKFLOW, compare-and-
    set on `version`, an event row per move).
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        AssessmentItem, verbose_name=_("考核项"), on_delete=models.PROTECT, related_name="followups"
    )
    person = models.ForeignKey(
        "tracker.Person",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_followups",
    )
    deadline = models.DateField(_("办结时限"))
    note = models.TextField(_("督办要求"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.ASSIGNED)
    version = models.PositiveIntegerField(_("版本"), default=0)
    points_at_risk = models.FloatField(_("交办时可能失分"), default=0)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("交办时间"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("扣分风险跟踪督办")
        verbose_name_plural = _("扣分风险跟踪督办")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "item"], name="followup_one_per_risk"),
            models.CheckConstraint(condition=Q(status__in=FollowUpStatus.values), name="followup_status_valid"),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | ~Q(status="done"), name="followup_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id}/{self.item_id}"

    def is_overdue(self, today) -> bool:
        """Not done and past its deadline."""
        return self.status != FollowUpStatus.DONE and self.deadline < today


class RiskFollowUpReport(models.Model):
    """What the unit reports it did about a followed-up risk; `final` marks the report that says it is done."""

    followup = models.ForeignKey(RiskFollowUp, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("落实情况"))
    final = models.BooleanField(_("已完成"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_on = models.DateField(_("填报日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跟踪督办报告")
        verbose_name_plural = _("跟踪督办报告")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="followup_report_has_text")]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.reported_on}"


class RiskFollowUpEvent(models.Model):
    """Who moved a follow-up from which status to which, when and why (assignments and reports alike)."""

    followup = models.ForeignKey(RiskFollowUp, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=10, choices=FollowUpStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=FollowUpStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
