"""Inspections, the items they found, their progress, evidence, history and reminder notices."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from tracker.choices import UnitKind

from .choices import Area, Colour, InspectionKind, NoticeLevel, Status, Term

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
    deadline = models.DateField(_("整改时限"))
    measures = models.TextField(_("整改措施"), blank=True)
    term = models.CharField(_("整改期限类型"), max_length=10, choices=Term.choices, default=Term.SHORT)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    colour = models.CharField(_("预警颜色"), max_length=10, choices=Colour.choices, default=Colour.GREEN)
    version = models.PositiveIntegerField(_("版本"), default=0)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
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
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

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
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警通知")
        verbose_name_plural = _("预警通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["item", "level"], name="rect_notice_once_per_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.item_id}"
