"""Kinds, statuses and the rectification workflow as data.

`TRANSITIONS` is the only place that says which status may follow which, and who may move it.
`rectifications.services` has one service per entry and refuses everything else.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.common.workflow import Move, Workflow


class InspectionKind(models.TextChoices):
    CENTRAL = "central", _("中央生态环境保护督察")  # the central inspection and its feedback list
    PROVINCIAL = "provincial", _("省级督察")  # provincial round
    UNANNOUNCED = "unannounced", _("四不两直暗查暗访")  # unannounced visits
    REVIEW = "review", _("回头看")  # re-inspection of closed items
    PUBLIC = "public", _("群众举报")  # complaints passed on by the public
    MONITORING = "monitoring", _("监测预警转办")  # monitoring warnings escalated into items (tracker watch)
    SPECIAL = "special", _("专项督查")  # a round targeting named projects or tasks (e.g. stalled projects)


class DirectiveStatus(models.TextChoices):
    """A directive (督办事项) from a special inspection: open until the unit reports it done."""

    OPEN = "open", _("督办中")  # handed to the unit, deadline running
    DONE = "done", _("已办结")  # the unit reported what it did


class FindingKind(models.TextChoices):
    """What a special inspection's finding becomes."""

    ITEM = "item", _("整改问题")  # a rectification item, closed through the usual workflow
    DIRECTIVE = "directive", _("督办事项")  # a directive with a deadline, reported done by the unit


class Area(models.TextChoices):
    AIR = "air", _("大气")  # air pollution
    WATER = "water", _("水")  # water environment
    SOIL = "soil", _("土壤")  # soil and groundwater
    ECOLOGY = "ecology", _("生态")  # ecological protection, mining, nature reserves
    WASTE = "waste", _("固废")  # solid and hazardous waste
    NOISE = "noise", _("噪声")  # noise
    OTHER = "other", _("其他")  # anything else


class Term(models.TextChoices):
    SHORT = "short", _("短期")  # to finish within the year
    MEDIUM = "medium", _("中期")  # one to three years
    LONG = "long", _("长期")  # continuing work, kept up over years


class Status(models.TextChoices):
    OPEN = "open", _("待整改")  # found, nobody has started
    IN_PROGRESS = "in_progress", _("整改中")  # the responsible unit is working on it
    CLOSING_REQUESTED = "closing_requested", _("申请销号")  # unit self-checked and asks to close
    CLOSED = "closed", _("已销号")  # an inspector verified and closed it
    REBOUNDED = "rebounded", _("反弹")  # a re-inspection (回头看) found the problem back


class Colour(models.TextChoices):
    GREEN = "green", _("绿色")  # on track, or closed
    YELLOW = "yellow", _("黄色")  # deadline within the next few days
    ORANGE = "orange", _("橙色")  # overdue
    RED = "red", _("红色")  # long overdue, or rebounded


class NoticeLevel(models.TextChoices):
    REMINDER = "reminder", _("提醒函")  # sent at yellow
    WARNING = "warning", _("警示函")  # sent at orange
    SUPERVISION = "supervision", _("督办函")  # sent at red
    INTERVIEW = "interview", _("约谈")  # red for long: the unit's leader is summoned


# Escalation order of notices (a higher level never replaces a lower one: each is sent once per item)
NOTICE_ORDER = (NoticeLevel.REMINDER, NoticeLevel.WARNING, NoticeLevel.SUPERVISION, NoticeLevel.INTERVIEW)
OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.CLOSING_REQUESTED, Status.REBOUNDED)


class Actor(models.TextChoices):
    UNIT = "unit", _("责任单位填报员")  # an official holding the report grant on the item's responsible unit
    INSPECTOR = "inspector", _("督察员")  # an inspector


@dataclass(frozen=True)
class Rule:
    action: str  # URL/form name of the action, also the service suffix
    label: str
    actor: str  # Actor value
    needs_comment: bool = False


# (from, to) → who may do it. Every other pair is refused, whatever is posted.
TRANSITIONS: dict[tuple[str, str], Rule] = {
    (Status.OPEN, Status.IN_PROGRESS): Rule("start", _("开始整改"), Actor.UNIT),
    (Status.IN_PROGRESS, Status.CLOSING_REQUESTED): Rule("request_close", _("申请销号"), Actor.UNIT, True),
    (Status.CLOSING_REQUESTED, Status.CLOSED): Rule("close", _("审核通过，销号"), Actor.INSPECTOR),
    (Status.CLOSING_REQUESTED, Status.IN_PROGRESS): Rule("reject", _("退回整改"), Actor.INSPECTOR, True),
    (Status.CLOSED, Status.REBOUNDED): Rule("rebound", _("回头看发现反弹"), Actor.INSPECTOR, True),
    (Status.REBOUNDED, Status.IN_PROGRESS): Rule("restart", _("重新整改"), Actor.UNIT),
}
RULES_BY_ACTION = {rule.action: (src, dst, rule) for (src, dst), rule in TRANSITIONS.items()}
# Not a status change: the lead department's verification of a closing request, recorded as history.
VERIFY_ACTION = "verify"

# The same table as a `Workflow` (what every workflow of the platform uses): the actor parts are capabilities.
ACTOR_CAPABILITY: dict[str, str] = {Actor.UNIT: "act_for_unit", Actor.INSPECTOR: "close_items"}
WORKFLOW = Workflow(
    Status,
    [
        Move(src, dst, ACTOR_CAPABILITY[rule.actor], rule.action, rule.label, rule.needs_comment)
        for (src, dst), rule in TRANSITIONS.items()
    ],
)


class AccountabilityKind(models.TextChoices):
    """奖惩到人: what was decided about a named person (one record per act)."""

    COMMENDATION = "commendation", _("表扬")  # commended in a bulletin or a meeting
    CRITICISM = "criticism", _("通报批评")  # criticised by name in a bulletin
    INTERVIEW = "interview", _("约谈")  # called in for an interview (约谈)
    ACCOUNTABILITY = "accountability", _("问责")  # a formal accountability decision
