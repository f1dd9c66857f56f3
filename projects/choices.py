"""Choices for funds and projects; the project pipeline's order and allowed moves are data here."""

from itertools import pairwise

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracker.common.workflow import Move, Workflow


class FundLevel(models.TextChoices):
    CENTRAL = "central", _("中央")  # 中央生态环境专项资金
    PROVINCIAL = "provincial", _("省级")  # 省级生态环境专项资金
    CITY = "city", _("市级")  # 市级配套资金


class FundArea(models.TextChoices):
    AIR = "air", _("大气")  # 大气污染防治
    WATER = "water", _("水")  # 水污染防治
    SOIL = "soil", _("土壤")  # 土壤污染防治
    RURAL = "rural", _("农村环境")  # 农村环境整治 (other than domestic sewage)
    RURAL_SEWAGE = "rural_sewage", _("农村生活污水")  # 农村生活污水治理: its own payment-rate indicator
    WASTE = "waste", _("固废")  # 固体废物 / 无废城市
    ECOLOGY = "ecology", _("生态")  # 生态保护修复


class Stage(models.TextChoices):
    """The project pipeline, in order: a project moves forward one step at a time; backwards needs a reason."""

    RESERVE = "reserve", _("储备")  # in the project pool, an idea with an estimate
    PACKAGING = "packaging", _("包装")  # feasibility study, design being prepared
    APPLICATION = "application", _("申报")  # submitted to the province / ministry
    LIBRARY = "library", _("入库")  # accepted into the central/provincial project library
    FUNDED = "funded", _("资金下达")  # money allocated to the project; payments may start
    STARTED = "started", _("开工")  # under construction
    COMPLETED = "completed", _("竣工")  # finished


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)
STAGE_INDEX: dict[str, int] = {value: i for i, value in enumerate(STAGE_ORDER)}

# Stages in which a project holds allocated money and may receive payments.
FUNDED_STAGES: tuple[str, ...] = (Stage.FUNDED, Stage.STARTED, Stage.COMPLETED)
# Stages in which works should be moving, so stall warnings apply.
WATCHED_STAGES: tuple[str, ...] = (Stage.FUNDED, Stage.STARTED)


# Forward: only the next stage (no skipping — each step is a real milestone someone vouches for).
# Backward: any earlier stage, always with a reason. Only officials of the project's unit move it.
STAGE_WORKFLOW = Workflow(
    Stage,
    [
        *(Move(a, b, "act_for_unit", "forward") for a, b in pairwise(STAGE_ORDER)),
        *(
            Move(STAGE_ORDER[i], STAGE_ORDER[j], "act_for_unit", "back", needs_reason=True)
            for i in range(len(STAGE_ORDER))
            for j in range(i)
        ),
    ],
)


def allowed_transitions(current: str) -> dict[str, bool]:
    """Where a project in `current` may go, mapped to whether the move needs a reason (from STAGE_WORKFLOW)."""
    return {m.dst: m.needs_reason for (src, _dst), m in STAGE_WORKFLOW.moves.items() if src == current}


class PilotLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")  # 国家试点 (e.g. 全国“无废城市”建设, EOD 模式试点)
    PROVINCIAL = "provincial", _("省级")  # 省级试点 (e.g. 近零碳园区)
    CITY = "city", _("市级")  # 市级示范


class PilotKind(models.TextChoices):
    WASTE_FREE = "waste_free", _("无废城市")
    THREE_LINES = "three_lines", _("三线一单减污降碳协同")
    EOD = "eod", _("EOD模式")
    NEAR_ZERO_CARBON = "near_zero_carbon", _("近零碳园区")
    SOIL_RISK = "soil_risk", _("土壤风险管控")
    HEAVY_METAL = "heavy_metal", _("耕地土壤重金属成因排查")
    OTHER = "other", _("其他试点示范")


class PilotStatus(models.TextChoices):
    """Where a pilot stands: applied for → approved and being built → accepted; or paused."""

    APPLYING = "applying", _("申报中")  # application submitted, not yet on the list
    BUILDING = "building", _("建设中")  # on the list, being built
    ACCEPTED = "accepted", _("已验收")  # accepted / named by the ministry or province
    PAUSED = "paused", _("暂缓")  # stopped for now


class ProposalStatus(models.TextChoices):
    """A unit's reserve proposal (项目储备申报); blank for projects the city entered itself."""

    PROPOSED = "proposed", _("待审核")  # proposed by the unit's official, waiting for a department or an admin
    ACCEPTED = "accepted", _("已纳入储备")  # accepted into the city's project reserve
    DECLINED = "declined", _("未纳入")  # declined, with the reason


# A unit's proposal waiting or declined is not in the city's project pool: no reserve figure counts it.
OUTSIDE_POOL: tuple[str, ...] = (ProposalStatus.PROPOSED, ProposalStatus.DECLINED)


# who decides: (from, to) → the one transition each
PROPOSAL_TRANSITIONS = {
    (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED),
    (ProposalStatus.PROPOSED, ProposalStatus.DECLINED),
}
