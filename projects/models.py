"""Special funds (专项资金), the projects they pay for, payments, stage history and progress reports."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tracker.common.scoping import RestrictedQuerySet

from .choices import FundArea, FundLevel, PilotKind, PilotLevel, PilotStatus, ProposalStatus, Stage

MONEY = {"max_digits": 16, "decimal_places": 2}


class Fund(models.Model):
    """A special fund allocated to the city for one year (e.g. 2021年中央水污染防治资金), in yuan."""

    level = models.CharField(_("资金级别"), max_length=20, choices=FundLevel.choices)
    year = models.PositiveSmallIntegerField(_("资金年度"))
    area = models.CharField(_("资金领域"), max_length=20, choices=FundArea.choices)
    name = models.CharField(_("资金名称"), max_length=120, unique=True)
    amount = models.DecimalField(_("下达我市金额（元）"), **MONEY)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("专项资金")
        verbose_name_plural = _("专项资金")
        ordering = ["-year", "level", "area", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_amount_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="fund_year_sane"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(RestrictedQuerySet):
    view_capability = "read_projects"  # inspectors have no part in projects and money


class Project(models.Model):
    """A project in the pipeline (储备 → … → 竣工), owned by a unit and (once funded) paid from one fund.

    `stage` changes only through `projects.services.project_change_stage` (compare-and-set on `version`).
    """

    code = models.CharField(_("项目编号"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="projects"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("资金来源"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    stage = models.CharField(_("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.RESERVE)
    investment = models.DecimalField(_("估算总投资（元）"), default=Decimal("0"), **MONEY)
    allocated_amount = models.DecimalField(_("下达资金（元）"), default=Decimal("0"), **MONEY)
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工日期"), null=True, blank=True)
    actual_completion = models.DateField(_("实际竣工日期"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("形象进度（%）"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    responsible_person = models.CharField(_("责任人"), max_length=40, blank=True)
    responsible = models.ForeignKey(
        "tracker.Person",
        verbose_name=_("责任人（名册）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        help_text=_("从责任人名册中选择本单位的责任人；原“责任人”文字保留供旧记录使用"),
    )
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # A unit's own reserve proposal (项目储备申报): proposed by its official, accepted or declined by a city
    # department or an admin. Projects entered by the city carry no proposal status.
    proposal_status = models.CharField(
        _("储备申报状态"), max_length=10, choices=ProposalStatus.choices, blank=True, default=""
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["unit__sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(allocated_amount__gte=0), name="project_allocated_not_negative"),
            models.CheckConstraint(condition=Q(investment__gte=0), name="project_investment_not_negative"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_completion__isnull=True)
                | Q(planned_completion__gte=F("planned_start")),
                name="project_planned_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["unit", "stage"])]

    def __str__(self) -> str:
        return self.name

    @property
    def responsible_label(self) -> str:
        """The linked person of the register (name and post), else the old free-text title (责任人)."""
        return str(self.responsible) if self.responsible_id else self.responsible_person

    def clean(self):
        from tracker.models.people import check_responsible_unit

        check_responsible_unit(self)


class ProjectMilestone(models.Model):
    """One node of a project's milestone plan (倒排工期): the stage it must reach by a date (开工 by 3月31日).

    A node is reached when the project stands at its stage or beyond; `projects.rules.next_milestone` picks the
    node still ahead and `stall_flags` counts the project behind once that node's date has passed. The plan is
    set as a whole by `projects.services.project_milestones_set` (the project's unit).
    """

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones")
    stage = models.CharField(_("节点（阶段）"), max_length=20, choices=Stage.choices)
    planned_on = models.DateField(_("计划完成日期"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("制定时间"), auto_now=True)

    class Meta:
        verbose_name = _("项目节点计划")
        verbose_name_plural = _("项目节点计划")
        ordering = ["project", "planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="project_milestone_one_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.planned_on}"


class Payment(models.Model):
    """A payment (资金支付) from a project's allocation. Corrections are reversing entries, never edits.

    A reversal has a negative amount and points at the payment it corrects (`reverses`); a payment can be
    reversed once, by at most its own amount. The database refuses a second reversal and the wrong signs.
    """

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("支付金额（元）"), **MONEY)
    paid_on = models.DateField(_("支付日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=60)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("冲销的支付"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金支付")
        verbose_name_plural = _("资金支付")
        ordering = ["paid_on", "pk"]
        # the payment ledger pages newest first: read backwards, a page is 50 index entries, not a sort of all
        indexes = [models.Index(fields=["paid_on", "id"], name="payment_ledger_order")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0)) | (Q(reverses__isnull=False) & Q(amount__lt=0)),
                name="payment_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="payment_reversed_once"
            ),
            models.UniqueConstraint(fields=["project", "voucher_no"], name="payment_voucher_unique_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class StageChange(models.Model):
    """One move of a project through the pipeline: who, when, from, to and why."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阶段变更记录")
        verbose_name_plural = _("阶段变更记录")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class ProgressReport(models.Model):
    """A progress report (进展报告): the visible progress on a date, with a note and optional photos."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="progress_reports"
    )
    reported_on = models.DateField(_("报告日期"))
    progress = models.PositiveSmallIntegerField(
        _("形象进度（%）"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("进展情况"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("项目进展")
        verbose_name_plural = _("项目进展")
        ordering = ["reported_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_report_at_most_100"),
        ]
        indexes = [
            models.Index(fields=["project", "reported_on"]),
            # the latest report per project in index order (the stalled-projects window, no sort)
            models.Index(fields=["project", "-reported_on", "-id"], name="progress_latest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.reported_on} {self.progress}%"


class ProgressPhoto(models.Model):
    """A photo or PDF attached to a progress report; stored outside the web root, served after a permission check."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("进展报告"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)

    class Meta:
        verbose_name = _("进展照片")
        verbose_name_plural = _("进展照片")

    def __str__(self) -> str:
        return self.original_name


class Pilot(models.Model):
    """A pilot or demonstration programme (试点示范) the city won or runs: 无废城市, EOD, 近零碳园区 …

    The speech asks to build them into replicable models; the portfolio tracks each one's milestones, lead unit,
    the projects and funds behind it and the evidence of what was done.
    """

    name = models.CharField(_("试点名称"), max_length=120, unique=True)
    level = models.CharField(_("级别"), max_length=20, choices=PilotLevel.choices)
    kind = models.CharField(_("类别"), max_length=20, choices=PilotKind.choices)
    lead_unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="pilots"
    )
    status = models.CharField(_("状态"), max_length=20, choices=PilotStatus.choices, default=PilotStatus.BUILDING)
    approved_on = models.DateField(_("获批日期"), null=True, blank=True)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    goal = models.TextField(_("建设目标"), blank=True)
    projects = models.ManyToManyField(Project, verbose_name=_("支撑项目"), blank=True, related_name="pilots")
    funds = models.ManyToManyField(Fund, verbose_name=_("支撑资金"), blank=True, related_name="pilots")

    class Meta:
        verbose_name = _("试点示范")
        verbose_name_plural = _("试点示范")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class PilotMilestone(models.Model):
    """One step of a pilot's plan with its planned date; done when the lead unit records it with evidence."""

    pilot = models.ForeignKey(Pilot, verbose_name=_("试点"), on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("节点"), max_length=120)
    planned_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    evidence = models.TextField(_("完成情况及佐证"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("试点节点")
        verbose_name_plural = _("试点节点")
        ordering = ["pilot", "planned_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | ~Q(evidence=""), name="pilot_milestone_done_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return self.name
