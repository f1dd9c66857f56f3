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
