"""The inbox (站内消息): what happened that a person must know, with a link to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboxKind(models.TextChoices):
    ITEM_REJECTED = "item_rejected", _("销号申请被退回")  # an inspector sent a closing request back
    NOTICE = "notice", _("提醒函/警示函")  # a reminder, warning, supervision or interview notice for the unit
    VALUE_RETURNED = "value_returned", _("填报数据被退回")  # an admin returned an entered value
    PROJECT_STALLED = "project_stalled", _("项目停滞")  # the daily job found a project stalled
    MEASURE_OVERDUE = "measure_overdue", _("任务逾期")  # a task (攻坚任务) passed its deadline
    MEASURE_DUE = "measure_due", _("任务临期")  # a task's deadline is near
    MEASURE_ASSIGNED = "measure_assigned", _("新交办任务")  # a department assigned the unit a task
    PROJECT_DECIDED = "project_decided", _("储备项目审核")  # the unit's reserve proposal was accepted or declined
    RISK_FOLLOWUP = "risk_followup", _("扣分风险督办")  # a deduction risk handed to the unit, or reported done
    WEATHER_WARNING = "weather_warning", _("重污染天气预警")  # the city issued, changed or lifted a warning


class InboxEntry(models.Model):
    """One message for one person. `key` makes the daily job's messages once-only (one per thing and episode)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox")
    kind = models.CharField(_("类别"), max_length=20, choices=InboxKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_user_unread")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="inbox_once_per_key"),
        ]

    def __str__(self) -> str:
        return self.title
