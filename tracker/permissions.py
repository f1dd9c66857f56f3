"""Who may see and touch what: the unit reach (grants) and the scoping wrappers kept for existing callers.

Roles are Django groups (see `choices.Role`); what a role may do is a named capability
(`tracker.common.access`). A county or department official's reach is the set of units on which they
hold django-guardian object permissions — one grant per unit, never one per record. Every model that
belongs to a unit scopes itself with `Model.objects.restrict(user, action)` (`tracker.common.scoping`),
which reads the reach from `unit_ids_for_user` below.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from .common.access import has_cap, user_role
from .common.scoping import get_for_user_or_404
from .models import Measure, Unit

__all__ = [
    "Action",
    "can_act_for_unit",
    "get_for_user_or_404",
    "get_measure_for_user",
    "get_unit_for_user",
    "is_city_wide",
    "is_unit_scoped",
    "measures_for_user",
    "unit_ids_for_user",
    "units_for_user",
    "user_role",
]

Action = Literal["view", "report"]

_PERM_FOR_ACTION = {"view": "tracker.view_unit_data", "report": "tracker.report_unit"}


def is_city_wide(user) -> bool:
    """Leaders, inspectors and admins read every unit's records (capability `read_city_wide`)."""
    return has_cap(user, "read_city_wide")


def is_unit_scoped(user) -> bool:
    """Officials, who enter data for the units they hold a report grant on (capability `act_for_unit`)."""
    return has_cap(user, "act_for_unit")


def units_for_user(user, action: Action = "view") -> QuerySet[Unit]:
    """The units whose records this person may `view` or `report` (enter data) for.

    - view: city-wide roles see every unit; officials only the units they hold a grant on.
    - report: only the units the person holds a `report_unit` grant on — a leader or inspector enters
      nothing for a unit, and neither does an admin through the site's forms.
    """
    if action not in _PERM_FOR_ACTION:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if action == "view" and is_city_wide(user):
        return Unit.objects.all()
    if user_role(user) is None:
        return Unit.objects.none()
    return get_objects_for_user(
        user, _PERM_FOR_ACTION[action], klass=Unit, accept_global_perms=False, with_superuser=False
    )


def unit_ids_for_user(user, action: Action = "view") -> QuerySet:
    """`units_for_user` as a subquery of ids, for `filter(unit__in=...)` without a round trip."""
    return units_for_user(user, action).values("pk")


def can_act_for_unit(user, unit: Unit | int, action: Action = "report") -> bool:
    """Service-level re-check: may this person act for this unit?"""
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return units_for_user(user, action).filter(pk=unit_id).exists()


def get_unit_for_user(user, pk, action: Action = "view") -> Unit:
    """A unit the person may see, or 404 — an outsider learns nothing about another unit."""
    return get_for_user_or_404(Unit.objects.all(), pk, user, action)


def measures_for_user(user, action: Action = "view") -> QuerySet[Measure]:
    """The measures (攻坚任务) this person may `view` or `report` progress on."""
    return Measure.objects.restrict(user, action)


def get_measure_for_user(user, pk, action: Action = "view") -> Measure:
    """A measure the person may see, or 404; 403 for a visible measure they may not report on."""
    return get_for_user_or_404(Measure.objects.select_related("unit", "war_zone"), pk, user, action)
