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


# --- environmental watch (监测预警): rules as data over the monitoring readings ---------------------------
class WatchSource(models.TextChoices):
    AIR = "air", _("空气日数据")  # AirDailyReading: one period = one day
    WATER = "water", _("断面月度监测")  # WaterMonthlyReading: one period = one month
    DRINKING = "drinking", _("水源地月度监测")  # DrinkingWaterReading: one period = one month
    RURAL = "rural", _("农村污水设施月度运行")  # RuralPlantMonth: one period = one month


class WatchParameter(models.TextChoices):
    """What a rule compares. Air values in µg/m³ (CO mg/m³); water values in mg/L; classes as 1…6 (6 = 劣Ⅴ)."""

    AQI = "aqi", "AQI"  # the stored daily AQI (HJ 633-2012)
    PM25 = "pm25", "PM2.5"  # daily mean
    PM10 = "pm10", "PM10"  # daily mean
    O3_8H = "o3_8h", _("O₃ 日最大8小时")  # daily max 8-hour mean
    SO2 = "so2", "SO₂"  # daily mean
    NO2 = "no2", "NO₂"  # daily mean
    CO = "co", "CO"  # daily mean, mg/m³
    DO = "do", _("溶解氧")  # lower is worse: use comparison "below"
    CODMN = "codmn", _("高锰酸盐指数")
    COD = "cod", _("化学需氧量")
    BOD5 = "bod5", _("五日生化需氧量")
    NH3N = "nh3n", _("氨氮")
    TP = "tp", _("总磷")
    WATER_CLASS = "water_class", _("水质类别")  # 1 = Ⅰ类 … 6 = 劣Ⅴ类
    CLASS_OVER_TARGET = "class_over_target", _("超出目标类别级数")  # class − target (sources: Ⅲ); > 0 = 不达标
    NOT_RUNNING = "not_running", _("未正常运行")  # a rural plant's month: 1 = stopped or under repair, 0 = running


AIR_PARAMETERS = ("aqi", "pm25", "pm10", "o3_8h", "so2", "no2", "co")
WATER_PARAMETERS = ("do", "codmn", "cod", "bod5", "nh3n", "tp", "water_class", "class_over_target")
RURAL_PARAMETERS = ("not_running",)


# 集中式生活饮用水地表水源地 must be at least GB 3838-2002 class Ⅲ (一级保护区 Ⅱ; the register does not say which zone
# a sampling point is in, so the looser Ⅲ is the compliance line here).
DRINKING_TARGET_CLASS = 3


class WatchComparison(models.TextChoices):
    ABOVE = "above", _("高于")  # fires when value > threshold
    BELOW = "below", _("低于")  # fires when value < threshold (dissolved oxygen)


class WatchScope(models.TextChoices):
    ALL = "all", _("全市")  # every station / section of the rule's source
    STATION = "station", _("站点")  # one air station
    UNIT = "unit", _("责任单位")  # the stations / sections of one unit
    WAR_ZONE = "war_zone", _("战区")  # the air stations of one war zone
    SECTION = "section", _("断面")  # one water section
    SOURCE = "source", _("饮用水水源地")  # one drinking-water source


class WarningLevel(models.TextChoices):
    YELLOW = "yellow", _("黄色")  # attention
    ORANGE = "orange", _("橙色")  # serious
    RED = "red", _("红色")  # severe


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处置")  # fired, the unit has not answered
    RESPONDED = "responded", _("已处置")  # the unit reported what it did; closed
    ESCALATED = "escalated", _("已转整改")  # turned into a rectification item; closed here, followed there


# (from, to) → action name. Every other pair is refused by the services.
WARNING_TRANSITIONS: dict[tuple[str, str], str] = {
    (WarningStatus.OPEN, WarningStatus.RESPONDED): "respond",
    (WarningStatus.OPEN, WarningStatus.ESCALATED): "escalate",
}


class Industry(models.TextChoices):
    """Key industries (重点行业) the speech names for air and water work."""

    CERAMICS = "ceramics", _("陶瓷")  # 夹江陶瓷园区等
    SILICON = "silicon", _("多晶硅与光伏")  # 绿色硅谷
    CHEMICAL = "chemical", _("化工")  # 五通桥盐磷化工
    CEMENT = "cement", _("水泥与建材")
    PAPER = "paper", _("造纸")
    POWER = "power", _("火电与热力")
    METAL = "metal", _("钢铁与有色")
    FOOD = "food", _("食品与酿造")
    LIVESTOCK = "livestock", _("规模化畜禽养殖")
    SEWAGE = "sewage", _("污水处理")
    OTHER = "other", _("其他")


# --- rural sewage plants (农村生活污水处理设施) ---------------------------------------------------------------
class PlantProcess(models.TextChoices):
    AO = "ao", "A/O"  # 缺氧-好氧
    A2O = "a2o", "A²/O"  # 厌氧-缺氧-好氧
    WETLAND = "wetland", _("人工湿地")  # constructed wetland
    BIOFILTER = "biofilter", _("生物滤池")
    MBR = "mbr", "MBR"  # membrane bioreactor
    PACKAGED = "packaged", _("一体化设备")
    OTHER = "other", _("其他")


class PlantState(models.TextChoices):
    RUNNING = "running", _("正常运行")  # treated water all month
    STOPPED = "stopped", _("停运")  # not running (no power, no funds, broken and abandoned …)
    REPAIR = "repair", _("维修中")  # down for repair


# --- heavy-pollution weather (重污染天气应对) --------------------------------------------------------------------
class WeatherWarningStatus(models.TextChoices):
    ISSUED = "issued", _("预警中")  # the city warning is in force; units carry out their emergency lists
    LIFTED = "lifted", _("已解除")  # lifted; the effect is judged over its days


# A city warning's moves: only the lift is a change of status (a level change is an event within 预警中).
WEATHER_WARNING_WORKFLOW = Workflow(
    WeatherWarningStatus,
    [
        Move(
            WeatherWarningStatus.ISSUED,
            WeatherWarningStatus.LIFTED,
            "issue_weather_warnings",
            action="lift",
            label=_("解除预警"),
        )
    ],
)


class ForecastPollutant(models.TextChoices):
    """The primary pollutant a forecast names (HJ 633-2012 names)."""

    PM25 = "PM2.5", "PM2.5"
    PM10 = "PM10", "PM10"
    O3 = "O3", "O₃"
    NO2 = "NO2", "NO₂"
    SO2 = "SO2", "SO₂"
    CO = "CO", "CO"


class ForecastLevel(models.TextChoices):
    """The forecast air-quality level (HJ 633-2012 表2 categories)."""

    GOOD = "优", _("优")
    MODERATE = "良", _("良")
    LIGHT = "轻度污染", _("轻度污染")
    MEDIUM = "中度污染", _("中度污染")
    HEAVY = "重度污染", _("重度污染")
    SEVERE = "严重污染", _("严重污染")


# --- river chiefs (河湖长制) and the fishing ban (长江十年禁渔) -------------------------------------------------
class ChiefLevel(models.TextChoices):
    CITY = "city", _("市级")  # a city leader chairs the river
    COUNTY = "county", _("县级")  # county (district) level
    TOWNSHIP = "township", _("乡级")  # township level
    VILLAGE = "village", _("村级")  # village level


class PatrolPeriod(models.TextChoices):
    """The period a patrol rule counts in."""

    WEEK = "week", _("每周")  # Monday–Sunday
    DEKAD = "dekad", _("每旬")  # 1–10, 11–20, 21–end of month
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


class FishingCaseKind(models.TextChoices):
    ILLEGAL_FISHING = "fishing", _("非法捕捞")  # fishing in the closed waters
    ILLEGAL_GEAR = "gear", _("使用禁用渔具")  # electric fishing, fine-mesh nets
    TRADE = "trade", _("非法经营渔获")  # selling the catch of the ban waters
    OTHER = "other", _("其他")


class FishingCaseOutcome(models.TextChoices):
    PENALTY = "penalty", _("行政处罚")  # an administrative penalty
    CRIMINAL = "criminal", _("移送司法")  # handed to the police / prosecutor
    WARNING = "warning", _("批评教育")  # a warning, gear confiscated
    PENDING = "pending", _("办理中")  # not yet decided
