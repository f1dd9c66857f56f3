from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Role, UnitKind
from ..common.scoping import RestrictedQuerySet


class UnitQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> UnitQuerySet:
        """Units themselves: the reach is the grant itself (`tracker.permissions.units_for_user`)."""
        from ..common.access import has_cap
        from ..permissions import units_for_user

        if action == "view" and user is not None and user.is_active and has_cap(user, "read_city_wide"):
            return self.all()
        return self.filter(pk__in=units_for_user(user, action).values("pk"))


class Unit(models.Model):
    """A responsible unit (责任单位): a county, district, county-level city, development zone or city department.

    Every record someone answers for points at a Unit, and permissions are granted per Unit.
    """

    code = models.CharField(_("单位代码"), max_length=20, unique=True, help_text=_("区县用行政区划代码，如 511124"))
    name = models.CharField(_("单位名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    war_zone = models.ForeignKey(
        "WarZone",
        verbose_name=_("所属战区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["sort_order", "code"]
        permissions = [
            ("report_unit", _("为本单位填报数据")),
            ("view_unit_data", _("查看本单位数据")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_department(self) -> bool:
        return self.kind == UnitKind.DEPARTMENT


class WarZone(models.Model):
    """One of the five air-pollution war zones (大气污染防治战区) around the national monitoring stations."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("战区名称"), max_length=20, unique=True)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_war_zones",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("大气污染防治战区")
        verbose_name_plural = _("大气污染防治战区")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. An official is tied to one unit; the role is the user's Django group."""

    full_name = models.CharField(_("姓名"), max_length=40, blank=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text=_("区县填报员和市级部门填报员必须属于一个单位；权限按单位授予。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=~Q(username=""), name="user_username_not_empty"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


__all__ = ["Role", "Unit", "UnitKind", "User", "WarZone"]
