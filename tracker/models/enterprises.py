"""Key enterprises (重点企业): one register that measures, outlets and rectification items link to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Industry
from ..credit_code import credit_code_problem


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem)


class Enterprise(models.Model):
    """A key enterprise of a unit (and, for air work, a war zone), identified by its 统一社会信用代码."""

    name = models.CharField(_("企业名称"), max_length=120, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    industry = models.CharField(_("行业"), max_length=12, choices=Industry.choices)
    unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("属地单位"), on_delete=models.PROTECT, related_name="enterprises"
    )
    war_zone = models.ForeignKey(
        "tracker.WarZone",
        verbose_name=_("所属战区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    permit_number = models.CharField(_("排污许可证编号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在产"), default=True)

    class Meta:
        verbose_name = _("重点企业")
        verbose_name_plural = _("重点企业")
        ordering = ["unit__sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"), name="enterprise_code"
            ),
            models.CheckConstraint(condition=Q(industry__in=Industry.values), name="enterprise_industry_valid"),
        ]

    def __str__(self) -> str:
        return self.name
