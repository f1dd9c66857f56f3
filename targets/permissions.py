"""The one scoping function of the assessment app: which entered values a person may see, enter or approve."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from tracker.choices import Role
from tracker.permissions import unit_ids_for_user, user_role

from .models import DataValue

ValueAction = Literal["view", "report", "approve"]
# Who may press "recompute" (it enqueues work for everybody's ranking)
COMPUTE_ROLES = (Role.ADMIN, Role.LEADER)


def data_values_for_user(user, action: ValueAction = "view") -> QuerySet[DataValue]:
    """Entered values within reach: `view` by unit scope, `report` own units only, `approve` admins only."""
    qs = DataValue.objects.select_related("indicator", "unit", "entered_by", "approved_by")
    if action == "approve":
        return qs if user_role(user) == Role.ADMIN else qs.none()
    return qs.filter(unit__in=unit_ids_for_user(user, action))


def can_approve(user) -> bool:
    return user_role(user) == Role.ADMIN


def can_compute(user) -> bool:
    return user_role(user) in COMPUTE_ROLES


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
