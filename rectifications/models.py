"""Inspections, the items they found, their progress, evidence, history and reminder notices."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from tracker.choices import UnitKind
from tracker.common.scoping import RestrictedQuerySet

from .choices import AccountabilityKind, Area, Colour, DirectiveStatus, InspectionKind, NoticeLevel, Status, Term

# 0 for an item still open, 1 once closed: the ledger lists open items first (an index below follows it).
OPEN_FIRST = Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0))


class Inspection(models.Model):
    """One inspection round or batch (督察/检查批次) whose findings become rectification items."""

    kind = models.CharField(_("类型"), max_length=20, choices=InspectionKind.choices)
    name = models.CharField(_("批次名称"), max_length=120, unique=True)
    date = models.DateField(_("日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("督察检查批次")
        verbose_name_plural = _("督察检查批次")
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return self.name


class InspectionTarget(models.Model):
    """What a special inspection (专项督查) looks at: one project or one task (攻坚任务), in its unit.

    The unit is copied from the project or task when the round is drawn up, so the target is scoped like any
    unit-owned row (a county sees the targets in its units).
    """

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督查批次"), on_delete=models.CASCADE, related_name="targets"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measure = models.ForeignKey(
        "tracker.Measure", verbose_name=_("攻坚任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("督查原因"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项督查对象")
        verbose_name_plural = _("专项督查对象")
        ordering = ["inspection", "unit__sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, measure__isnull=True)
                | Q(project__isnull=True, measure__isnull=False),
                name="rect_target_project_or_task",
            ),
            models.UniqueConstraint(fields=["inspection", "project"], name="rect_target_project_once"),
            models.UniqueConstraint(fields=["inspection", "measure"], name="rect_target_task_once"),
        ]

    def __str__(self) -> str:
        return str(self.project or self.measure)


class RectificationItemQuerySet(RestrictedQuerySet):
    unit_fields = ("unit", "lead_department")  # the responsible unit, and the department that leads it


class RectificationItem(models.Model):
    """A problem to fix (整改问题): a person, a deadline and a closing step. Status moves only through services."""

    code = models.CharField(_("问题编号"), max_length=40, unique=True)
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("来源批次"), on_delete=models.PROTECT, related_name="items"
    )
    description = models.TextField(_("问题描述"))
    area = models.CharField(_("领域"), max_length=20, choices=Area.choices, default=Area.OTHER)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="rectification_items"
    )
    lead_department = models.ForeignKey(
        "tracker.Unit",
        verbose_name=_("牵头部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_rectification_items",
        limit_choices_to={"kind": UnitKind.DEPARTMENT},
    )
    responsible_person = models.CharField(_("责任人"), max_length=60)
    responsible = models.ForeignKey(
        "tracker.Person",
        verbose_name=_("责任人（名册）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectification_items",
        help_text=_("从责任人名册中选择本单位的责任人；原“责任人”文字保留供旧记录使用"),
    )
    deadline = models.DateField(_("整改时限"))
    measures = models.TextField(_("整改措施"), blank=True)
    term = models.CharField(_("整改期限类型"), max_length=10, choices=Term.choices, default=Term.SHORT)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    colour = models.CharField(_("预警颜色"), max_length=10, choices=Colour.choices, default=Colour.GREEN)
    version = models.PositiveIntegerField(_("版本"), default=0)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_late = models.BooleanField(
        _("逾期销号"), default=False, help_text=_("销号日期晚于整改时限（按工作日顺延后的时限）")
    )
    rebound_count = models.PositiveIntegerField(_("反弹次数"), default=0)
    dept_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("牵头部门核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dept_verified_at = models.DateTimeField(_("牵头部门核验时间"), null=True, blank=True)
    enterprise = models.ForeignKey(
        "tracker.Enterprise",
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectification_items",
    )
    source_warning = models.OneToOneField(
        "tracker.MonitoringWarning",
        verbose_name=_("来源监测预警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_item",
    )
    source_patrol = models.OneToOneField(
        "tracker.RiverPatrol",
        verbose_name=_("来源巡河记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectification_item",
    )
    place = models.CharField(
        _("点位"), max_length=120, blank=True, help_text=_("问题所在的具体点位，通报见人见事时列出")
    )
    special_target = models.ForeignKey(
        "InspectionTarget",
        verbose_name=_("专项督查对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RectificationItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改问题")
        verbose_name_plural = _("整改问题")
        ordering = ["deadline", "code"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["colour"]),
            # the ledger's default order (open items first, nearest deadline first): a page of 50 reads 50
            # index entries instead of sorting every item in reach
            models.Index(OPEN_FIRST, F("deadline"), F("code"), F("id"), name="rect_item_ledger_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, closed_on__isnull=False) | (~Q(status=Status.CLOSED)),
                name="rect_item_closed_has_date",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="rect_item_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:30]}"

    @property
    def responsible_label(self) -> str:
        """The linked person of the register (name and post), else the old free-text title (责任人)."""
        return str(self.responsible) if self.responsible_id else self.responsible_person

    def clean(self):
        from tracker.models.people import check_responsible_unit

        check_responsible_unit(self, "unit", "lead_department")

    @property
    def needs_dept_verification(self) -> bool:
        """A closing request on an item with a lead department waits for that department first."""
        return (
            self.status == Status.CLOSING_REQUESTED
            and self.lead_department_id is not None
            and self.dept_verified_at is None
        )


class ProgressReport(models.Model):
    """What the responsible unit reports it has done, with a progress percentage and evidence."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("进展情况"))
    progress = models.PositiveSmallIntegerField(_("完成进度(%)"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_on = models.DateField(_("填报日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="rect_report_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.reported_on} {self.progress}%"


class Evidence(models.Model):
    """An evidence file (photo or PDF), stored under MEDIA_ROOT and served only through a checked view."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey(ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    mime = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Transition(models.Model):
    """One step in an item's history: who moved it from where to where, when and why."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))
    comment = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("整改流转记录")
        verbose_name_plural = _("整改流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["to_status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Notice(models.Model):
    """A reminder notice (提醒函/警示函/督办函/约谈) for an item, addressed to its unit and responsible person."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="notices")
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("责任人"), max_length=60)
    level = models.CharField(_("等级"), max_length=20, choices=NoticeLevel.choices)
    created_at = models.DateTimeField(_("发出时间"))
    sent_on = models.DateField(_("发出日期"), null=True, help_text=_("预警作业的日期：每个问题每个工作日最多升级一级"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警通知")
        verbose_name_plural = _("预警通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["item", "level"], name="rect_notice_once_per_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.item_id}"


class Directive(models.Model):
    """A directive (督办事项) from a special inspection: what the unit must do about a project or task, by a date.

    Opened by an inspector or an admin (`rectifications.special.directive_create`); the unit's official reports
    it done once (`directive_complete`, compare-and-set on `version`; who, when and what are kept on the row).
    """

    target = models.ForeignKey(
        InspectionTarget, verbose_name=_("督查对象"), on_delete=models.PROTECT, related_name="directives"
    )
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("督办事项"))
    responsible_person = models.CharField(_("责任人"), max_length=60)
    deadline = models.DateField(_("办结时限"))
    status = models.CharField(_("状态"), max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.OPEN)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("交办时间"), auto_now_add=True)
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    done_note = models.TextField(_("办理情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报结人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DirectiveStatus.DONE, done_on__isnull=False) | ~Q(status=DirectiveStatus.DONE),
                name="rect_directive_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]


class DocumentKind(models.TextChoices):
    """The documents an office issues from the platform; each keeps its own number sequence per year."""

    REMINDER = "reminder", _("提醒函")
    WARNING = "warning", _("警示函")
    SUPERVISION = "supervision", _("督办函")
    INTERVIEW = "interview", _("约谈通知")
    BULLETIN = "bulletin", _("整改通报")


class DocumentTemplate(models.Model):
    """The admin-editable wording of one kind of document: issuing office, number prefix, title and body.

    The body is plain text, one paragraph a line, with placeholders in braces: {unit} {person} {code}
    {description} {deadline} {days_overdue} {level} for notices; {start} {end} {units} {overdue} {rebounded}
    {closed} for bulletins. Unknown placeholders are left as written. Without a row the built-in wording
    (`rectifications.documents.DEFAULTS`) is used.
    """

    kind = models.CharField(_("文种"), max_length=20, choices=DocumentKind.choices, unique=True)
    issuer = models.CharField(_("发文机关"), max_length=80)
    prefix = models.CharField(_("发文字号前缀"), max_length=20, help_text=_("如“乐环督办”，文号为 乐环督办〔2026〕3号"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), help_text=_("每行一段；可用 {unit}、{person}、{code} 等占位符。"))

    class Meta:
        verbose_name = _("公文模板")
        verbose_name_plural = _("公文模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class DocumentNumber(models.Model):
    """One issued document number (发文字号): kind × year × serial, never reused, never skipped by a retry.

    A notice or a bulletin period gets its number the first time its document is produced and keeps it.
    """

    kind = models.CharField(_("文种"), max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    prefix = models.CharField(_("发文字号前缀"), max_length=20)
    notice = models.OneToOneField(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="document_number"
    )
    period_start = models.DateField(_("通报起始日"), null=True, blank=True)
    period_end = models.DateField(_("通报截止日"), null=True, blank=True)
    issued_at = models.DateTimeField(_("编号时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("编号人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("发文字号")
        verbose_name_plural = _("发文字号")
        ordering = ["-year", "kind", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "serial"], name="rect_docnum_unique_serial"),
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end"],
                condition=Q(notice__isnull=True),
                name="rect_docnum_one_per_bulletin_period",
            ),
            models.CheckConstraint(
                condition=Q(notice__isnull=False) | Q(period_start__isnull=False, period_end__isnull=False),
                name="rect_docnum_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """乐环督办〔2026〕3号"""
        return f"{self.prefix}〔{self.year}〕{self.serial}号"


class ReviewPlan(models.Model):
    """A 回头看 plan: which closed items are re-checked, by when, chosen by rule (all closed items of an
    inspection, or all) or by a reproducible random sample. Its checks are recorded as passed or rebound."""

    class Rule(models.TextChoices):
        ALL = "all", _("全部复查")  # every closed item in scope
        SAMPLE = "sample", _("随机抽查")  # a seeded random share of them

    name = models.CharField(_("计划名称"), max_length=120, unique=True)
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("来源批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_plans",
        help_text=_("留空则覆盖所有批次"),
    )
    closed_before = models.DateField(_("销号截止日期"), help_text=_("复查在此日期及以前销号的问题"))
    rule = models.CharField(_("选取方式"), max_length=10, choices=Rule.choices, default=Rule.ALL)
    sample_percent = models.PositiveSmallIntegerField(_("抽查比例(%)"), default=100)
    due = models.DateField(_("复查完成时限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("制定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回头看计划")
        verbose_name_plural = _("回头看计划")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__gte=1, sample_percent__lte=100), name="review_plan_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewCheck(models.Model):
    """One closed item in a 回头看 plan and the result of its re-check (passed, or found rebounded)."""

    class Result(models.TextChoices):
        PENDING = "pending", _("待复查")  # not checked yet
        PASSED = "passed", _("复查通过")  # still fixed
        REBOUND = "rebound", _("发现反弹")  # found back: the item moved to 反弹 in the same transaction

    plan = models.ForeignKey(ReviewPlan, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="review_checks")
    result = models.CharField(_("复查结果"), max_length=10, choices=Result.choices, default=Result.PENDING)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_on = models.DateField(_("复查日期"), null=True, blank=True)
    note = models.TextField(_("复查说明"), blank=True)

    class Meta:
        verbose_name = _("回头看复查记录")
        verbose_name_plural = _("回头看复查记录")
        ordering = ["plan", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="review_check_once_per_plan"),
            models.CheckConstraint(condition=Q(result__in=["pending", "passed", "rebound"]), name="review_result"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.item_id} {self.result}"


class AccountabilityRecord(models.Model):
    """奖惩到人: a commendation, a criticism in a bulletin, an interview or an accountability decision against a
    named person of the register, with its basis (a bulletin or document number, a rectification item, a notice).

    Why here and not in tracker beside `Person`: every basis is a rectifications record (bulletins, notices and their
    document numbers, items), and data flows tracker → rectifications; tracker keeps only the register. `unit` is
    the person's unit when recorded (the person may move on): it decides who sees the record, like every unit-owned
    row. Records are written once by a leader or an admin (`recorded_by`), never edited on the site; the audit log
    keeps any later change made in the admin.
    """

    person = models.ForeignKey(
        "tracker.Person", verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="accountability_records"
    )
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=AccountabilityKind.choices)
    date = models.DateField(_("日期"))
    document_number = models.ForeignKey(
        DocumentNumber,
        verbose_name=_("依据文号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
        help_text=_("通报或函件的发文字号"),
    )
    item = models.ForeignKey(
        RectificationItem,
        verbose_name=_("依据整改问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    notice = models.ForeignKey(
        Notice,
        verbose_name=_("依据预警通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    description = models.TextField(_("事由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩问责记录")
        verbose_name_plural = _("奖惩问责记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["unit", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccountabilityKind.values), name="accountability_kind_valid"),
            models.CheckConstraint(
                condition=Q(document_number__isnull=False) | Q(item__isnull=False) | Q(notice__isnull=False),
                name="accountability_has_basis",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="accountability_has_description"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.person} {self.get_kind_display()}"

    @property
    def basis_label(self) -> str:
        """The basis as one line: 文号, item code, notice level (whichever are set)."""
        parts = []
        if self.document_number_id:
            parts.append(self.document_number.text)
        if self.item_id:
            parts.append(self.item.code)
        if self.notice_id:
            parts.append(f"{self.notice.get_level_display()}（{self.notice.item.code}）")
        return "；".join(parts)
