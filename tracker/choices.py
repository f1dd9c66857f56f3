from itertools import pairwise

from django.db import models
from django.utils.translation import gettext_lazy as _

from .common.workflow import Move, Workflow


class UnitKind(models.TextChoices):
    COUNTY = "county", _("县")  # 县 / 自治县
    DISTRICT = "district", _("区")  # 市辖区
    COUNTY_CITY = "county_city", _("县级市")  # 县级市
    DEV_ZONE = "dev_zone", _("开发区")  # 高新区 / 经开区, no boundary of its own
    DEPARTMENT = "department", _("市级部门")  # 市直部门: leads items and projects, not a territory


# Kinds that are territories and are ranked against each other in the assessment
TERRITORIAL_KINDS = (UnitKind.COUNTY, UnitKind.DISTRICT, UnitKind.COUNTY_CITY, UnitKind.DEV_ZONE)


class Role(models.TextChoices):
    """Roles are Django groups; the value is the group's name, the label what the page shows."""

    COUNTY_OFFICIAL = "区县填报员", _("区县填报员")  # logs progress for their own unit
    DEPARTMENT_OFFICIAL = "市级部门", _("市级部门填报员")  # like a county official, for the department's items
    LEADER = "市领导", _("市领导")  # reads everything, changes nothing but comments
    INSPECTOR = "督察员", _("督察员")  # verifies evidence, closes or rejects items
    ADMIN = "系统管理员", _("系统管理员")  # units, users, indicators, targets, schemes


# Roles whose reach is one unit (granted with guardian object permissions on Unit)
UNIT_SCOPED_ROLES = (Role.COUNTY_OFFICIAL, Role.DEPARTMENT_OFFICIAL)
# Roles that may read every unit
CITY_WIDE_ROLES = (Role.LEADER, Role.INSPECTOR, Role.ADMIN)


# --- water -----------------------------------------------------------------------------------------
class WaterClass(models.IntegerChoices):
    """GB 3838-2002 class; the integer orders them (smaller is cleaner), so 达标 is `class <= target`."""

    CLASS_I = 1, "Ⅰ类"  # 源头水、国家自然保护区
    CLASS_II = 2, "Ⅱ类"  # 集中式饮用水一级保护区等
    CLASS_III = 3, "Ⅲ类"  # 集中式饮用水二级保护区、渔业水域
    CLASS_IV = 4, "Ⅳ类"  # 一般工业用水、非直接接触娱乐用水
    CLASS_V = 5, "Ⅴ类"  # 农业用水、一般景观水域
    WORSE_V = 6, "劣Ⅴ类"  # 超过Ⅴ类限值


class WaterBody(models.TextChoices):
    """Which column of GB 3838-2002 表1 applies (total phosphorus differs for 湖、库)."""

    RIVER = "river", _("河流")  # TP limits 0.02/0.1/0.2/0.3/0.4
    LAKE = "lake", _("湖泊")  # TP 0.01/0.025/0.05/0.1/0.2; TN reported, trophic state
    RESERVOIR = "reservoir", _("水库")  # assessed as a lake (湖、库)


class SectionLevel(models.TextChoices):
    NATIONAL = "national", _("国考")  # 国家地表水考核断面
    PROVINCIAL = "provincial", _("省考")  # 省级考核断面
    CITY = "city", _("市考")  # 市级考核断面


class OutletType(models.TextChoices):
    """入河排污口类型（《入河排污口监督管理办法》按排放来源分）。"""

    INDUSTRIAL = "industrial", _("工业排污口")  # 工矿企业排污口
    MUNICIPAL = "municipal", _("城镇生活污水排污口")  # 城镇污水处理厂及生活污水
    AGRICULTURAL = "agricultural", _("农业排口")  # 规模化畜禽养殖、水产养殖等
    OTHER = "other", _("其他排口")  # 港口码头、工业园区、雨洪排口等


class OutletStep(models.TextChoices):
    """一口一策 steps, in order; `OUTLET_STEP_ORDER` gives the position."""

    SURVEY = "survey", _("排查")  # 查清排口位置、类型、责任主体
    MONITOR = "monitor", _("监测")  # 监测排放水质水量
    TRACE = "trace", _("溯源")  # 追溯污染来源与责任主体
    REMEDIATE = "remediate", _("整治")  # 按一口一策方案整治
    DONE = "done", _("完成")  # 整治完成，销号


OUTLET_STEP_ORDER: tuple[str, ...] = tuple(OutletStep.values)

# Allowed moves: forward by exactly one step; backward to any earlier step with a reason. Nothing is skipped.
# Only officials of the outlet's unit move it.
OUTLET_WORKFLOW = Workflow(
    OutletStep,
    [
        *(
            Move(OUTLET_STEP_ORDER[i], OUTLET_STEP_ORDER[j], "act_for_unit", "back", needs_reason=True)
            for i in range(len(OUTLET_STEP_ORDER))
            for j in range(i)
        ),
        *(Move(a, b, "act_for_unit", "forward") for a, b in pairwise(OUTLET_STEP_ORDER)),
    ],
)
OUTLET_TRANSITIONS: dict[str, tuple[str, ...]] = {
    step: tuple(OUTLET_WORKFLOW.targets(step)) for step in OUTLET_STEP_ORDER
}


def outlet_move_is_backward(from_step: str, to_step: str) -> bool:
    return OUTLET_STEP_ORDER.index(to_step) < OUTLET_STEP_ORDER.index(from_step)


class SourceLevel(models.TextChoices):
    COUNTY_AND_ABOVE = "county", _("县级及以上")  # 县级及以上集中式饮用水水源地
    TOWNSHIP = "township", _("乡镇")  # 乡镇集中式饮用水水源地


class ProtectionZoneStatus(models.TextChoices):
    DELINEATED = "delineated", _("已划定并规范化建设")  # 保护区已划定，标志、隔离设施到位
    DELINEATED_PARTIAL = "partial", _("已划定，设施待完善")  # 已划定，标志或隔离设施不全
    PENDING = "pending", _("划定中")  # 保护区划定方案报批中
    PROBLEM = "problem", _("存在环境问题")  # 保护区内有违法建设或排污口，正在整治


# --- air & measures ---
class StationLevel(models.TextChoices):
    NATIONAL = "national", _("国控")  # 国控站点: counts for the city's national assessment
    PROVINCIAL = "provincial", _("省控")  # 省控站点
    CITY = "city", _("市控")  # 市控站点


class MeasureArea(models.TextChoices):
    AIR = "air", _("大气")  # 大气污染防治攻坚
    WATER = "water", _("水")  # 水污染防治攻坚
    SOIL = "soil", _("土壤")  # 土壤污染防治攻坚
    WASTEFREE = "wastefree", _("无废城市")  # 无废城市建设


class SourceType(models.TextChoices):
    INDUSTRIAL = "industrial", _("工业源")  # 工业企业排放
    MOBILE = "mobile", _("移动源")  # 机动车、非道路移动机械
    DUST = "dust", _("扬尘源")  # 施工、道路扬尘
    DOMESTIC = "domestic", _("生活源")  # 餐饮油烟、露天焚烧


class MeasureStatus(models.TextChoices):
    """Derived from progress and deadline, never stored or edited (see selectors.measures)."""

    NOT_STARTED = "not_started", _("未启动")  # progress 0, deadline ahead
    IN_PROGRESS = "in_progress", _("推进中")  # 0 < progress < 100, deadline more than DUE_SOON_DAYS ahead
    DUE_SOON = "due_soon", _("临近期限")  # not done, deadline within settings.DUE_SOON_DAYS
    OVERDUE = "overdue", _("已逾期")  # not done, deadline passed
    DONE = "done", _("已完成")  # progress 100
