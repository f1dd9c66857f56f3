from django.db import models
from django.utils.translation import gettext_lazy as _


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
    IN_PROGRESS = "in_progress", _("推进中")  # 0 < progress < 100, deadline more than 15 days ahead
    DUE_SOON = "due_soon", _("临近期限")  # not done, deadline within 15 days
    OVERDUE = "overdue", _("已逾期")  # not done, deadline passed
    DONE = "done", _("已完成")  # progress 100


# Days before the deadline from which an unfinished measure is "due soon".
MEASURE_DUE_SOON_DAYS = 15
