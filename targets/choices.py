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
