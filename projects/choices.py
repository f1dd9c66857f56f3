"""Choices for funds and projects; the project pipeline's order and allowed moves are data here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


def allowed_transitions(current: str) -> dict[str, bool]:
    """Where a project in `current` may go, mapped to whether the move needs a reason.

    Forward: only the next stage (no skipping — each step is a real milestone someone vouches for).
    Backward: any earlier stage, always with a reason.
    """
    i = STAGE_INDEX[current]
    moves = {STAGE_ORDER[j]: True for j in range(i)}
    if i + 1 < len(STAGE_ORDER):
        moves[STAGE_ORDER[i + 1]] = False
    return moves


class ProposalStatus(models.TextChoices):
    """A unit's reserve proposal (项目储备申报); blank for projects the city entered itself."""

    PROPOSED = "proposed", _("待审核")  # proposed by the unit's official, waiting for a department or an admin
    ACCEPTED = "accepted", _("已纳入储备")  # accepted into the city's project reserve
    DECLINED = "declined", _("未纳入")  # declined, with the reason


# who decides: (from, to) → the one transition each
PROPOSAL_TRANSITIONS = {
    (ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED),
    (ProposalStatus.PROPOSED, ProposalStatus.DECLINED),
}
