from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.common.workflow import Move, Workflow

from . import scoring


class Area(models.TextChoices):
    AIR = "air", _("大气")  # air quality
    WATER = "water", _("水")  # sections, outlets
    SOIL = "soil", _("土壤")  # soil risk, farmland
    WASTEFREE = "wastefree", _("无废城市")  # waste-free city
    RECTIFICATION = "rectification", _("督察整改")  # inspection rectification
    FUNDS = "funds", _("项目资金")  # projects and funds


class Direction(models.TextChoices):
    HIGHER = scoring.HIGHER, _("越高越好")  # rates
    LOWER = scoring.LOWER, _("越低越好")  # concentrations, counts of problems


class Source(models.TextChoices):
    COMPUTED = "computed", _("系统计算")  # read from another app's selector
    ENTERED = "entered", _("单位填报")  # entered by the unit, approved by an admin


class Aggregate(models.TextChoices):
    MEAN = scoring.MEAN, _("均值/比率")  # the year's value is the mean of the months
    SUM = scoring.SUM, _("累计数")  # counts accumulate over the year


class Rule(models.TextChoices):
    PROPORTIONAL = scoring.PROPORTIONAL, _("按目标比例")  # points × value / target, capped
    THRESHOLD = scoring.THRESHOLD, _("达标得满分")  # full or zero
    LINEAR = scoring.LINEAR, _("基数与目标间线性")  # between baseline and target
    DEDUCTION = scoring.DEDUCTION, _("按次扣分")  # −per each, at most −cap
    BONUS = scoring.BONUS, _("加分")  # +per each, at most max points
    RANK = scoring.RANK, _("按排名")  # first full, each place lower −step


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # the official is still editing
    SUBMITTED = "submitted", _("已提交")  # waiting for approval
    APPROVED = "approved", _("已审核")  # locked; counts in the scores
    RETURNED = "returned", _("已退回")  # sent back to the official with a note


# The workflow of an entered value: officials (of the value's unit) submit, admins approve or return.
VALUE_WORKFLOW = Workflow(
    ValueStatus,
    [
        Move(ValueStatus.DRAFT, ValueStatus.SUBMITTED, "act_for_unit", "submit", _("提交审核")),
        Move(ValueStatus.RETURNED, ValueStatus.SUBMITTED, "act_for_unit", "submit", _("提交审核")),
        Move(ValueStatus.SUBMITTED, ValueStatus.APPROVED, "approve_values", "approve", _("审核通过")),
        Move(ValueStatus.SUBMITTED, ValueStatus.RETURNED, "approve_values", "return", _("退回"), needs_reason=True),
    ],
)
# (from, to) → "official" | "admin": the same table, read by the workflow-matrix test
VALUE_TRANSITIONS = {
    pair: ("official" if move.capability == "act_for_unit" else "admin") for pair, move in VALUE_WORKFLOW.moves.items()
}
EDITABLE_STATUSES = (ValueStatus.DRAFT, ValueStatus.RETURNED)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")  # waiting for the worker
    RUNNING = "running", _("计算中")  # the worker is on it
    SUCCEEDED = "succeeded", _("已完成")  # snapshots written
    FAILED = "failed", _("失败")  # nothing written; the previous ranking stays
    SUPERSEDED = "superseded", _("已被替代")  # replaced by a later run of the same date; kept, still readable


class NaPolicy(models.TextChoices):
    ZERO = scoring.NA_ZERO, _("不涉及得 0 分")  # nothing given, nothing rescaled
    FULL = scoring.NA_FULL, _("不涉及得满分")  # full marks
    RESCALE = scoring.NA_RESCALE, _("不涉及折算")  # total rescaled by the applicable maximum


class Accrual(models.TextChoices):
    AUTO = "", _("按数据来源自动")  # computed: the source's kind; entered: mean → flow, sum → count
    FLOW = scoring.FLOW, _("期间均值（流量）")  # good-day rate, PM2.5, section compliance
    STOCK = scoring.STOCK, _("存量比率")  # closure, execution, completion rate
    COUNT = scoring.COUNT, _("累计次数")  # events over the year
    LEVEL = scoring.LEVEL, _("当日状态")  # items red or overdue on the day


class ItemStatus(models.TextChoices):
    MET = scoring.MET, _("达标")  # the compared value meets the target (deduction: nothing deducted)
    MISSED = scoring.MISSED, _("未达标")  # it does not
    NA = scoring.NOT_APPLICABLE, _("不涉及")  # nothing to assess, scored by the item's policy
    NO_DATA = scoring.NO_DATA_STATUS, _("暂无数据")  # no value
    NO_TARGET = scoring.NO_TARGET, _("未设定目标")  # a rule that needs a target has none
    NEUTRAL = scoring.NEUTRAL, _("—")  # bonus and rank items


# Statuses a reader may show as the latest ranking (a superseded run stays reachable by its id).
READABLE_RUN_STATUSES = (RunStatus.SUCCEEDED, RunStatus.SUPERSEDED)


class FollowUpStatus(models.TextChoices):
    """扣分风险跟踪督办: a risk handed to a unit and a person, followed until the unit reports it done."""

    ASSIGNED = "assigned", _("已交办")  # a leader or admin handed it over; no report yet
    REPORTING = "reporting", _("跟踪中")  # the unit has reported what it did, not finished yet
    DONE = "done", _("已完成")  # the unit's final report says it is done


# Who moves a follow-up: the unit's officials report (and finish); leaders and admins hand it over again
# (a new deadline, a different person, or reopening a finished one).
FOLLOWUP_WORKFLOW = Workflow(
    FollowUpStatus,
    [
        Move(FollowUpStatus.ASSIGNED, FollowUpStatus.REPORTING, "act_for_unit", "report", _("报告进展")),
        Move(FollowUpStatus.REPORTING, FollowUpStatus.REPORTING, "act_for_unit", "report", _("报告进展")),
        Move(FollowUpStatus.ASSIGNED, FollowUpStatus.DONE, "act_for_unit", "finish", _("报告已完成")),
        Move(FollowUpStatus.REPORTING, FollowUpStatus.DONE, "act_for_unit", "finish", _("报告已完成")),
        Move(FollowUpStatus.ASSIGNED, FollowUpStatus.ASSIGNED, "assign_risk_followups", "assign", _("重新交办")),
        Move(FollowUpStatus.REPORTING, FollowUpStatus.ASSIGNED, "assign_risk_followups", "assign", _("重新交办")),
        Move(FollowUpStatus.DONE, FollowUpStatus.ASSIGNED, "assign_risk_followups", "assign", _("重新交办")),
    ],
)
