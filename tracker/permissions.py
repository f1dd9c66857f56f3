"""Who may see and touch what, in one place.

Roles are Django groups (see `choices.Role`). A county or department official's reach is the set of
units on which they hold django-guardian object permissions — one grant per unit, never one per
record. Every other app scopes its querysets through `units_for_user` (or `unit_ids_for_user`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from .choices import CITY_WIDE_ROLES, UNIT_SCOPED_ROLES, Role
from .models import Unit

Action = Literal["view", "report"]

# Role precedence when a person holds several groups (the widest wins).
_ROLE_ORDER = (Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT_OFFICIAL, Role.COUNTY_OFFICIAL)
_PERM_FOR_ACTION = {"view": "tracker.view_unit_data", "report": "tracker.report_unit"}


def user_role(user) -> Role | None:
    """The person's role, from their groups (superusers are admins). Cached on the user object."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_eco_role", "unset")
    if cached != "unset":
        return cached
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in _ROLE_ORDER if r.value in names), None)
    user._eco_role = role
    return role


def has_role(user, *roles: Role) -> bool:
    return user_role(user) in roles


def is_city_wide(user) -> bool:
    """Leaders, inspectors and admins read every unit's records."""
    return user_role(user) in CITY_WIDE_ROLES


def is_unit_scoped(user) -> bool:
    return user_role(user) in UNIT_SCOPED_ROLES


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
    try:
        return units_for_user(user, action).get(pk=pk)
    except (Unit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def role_required(*roles: Role):
    """View decorator: logged-in people without one of `roles` get 403 (anonymous go to log in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user_role(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = tuple(roles)
        return wrapped

    return decorator


def all_roles() -> Iterable[Role]:
    return tuple(Role)


# --- air & measures ---
def measures_for_user(user, action: Action = "view"):
    """The measures (攻坚任务) this person may `view` or `report` progress on.

    view: city-wide roles see every measure, officials those of their own unit(s); report: only the
    measures of units the person holds a report grant on (leaders, inspectors and admins report nothing).
    """
    from .models import Measure

    return Measure.objects.filter(unit__in=unit_ids_for_user(user, action))


def get_measure_for_user(user, pk, action: Action = "view"):
    """A measure the person may see, or 404; 403 for a visible measure they may not report on."""
    from django.core.exceptions import PermissionDenied

    from .models import Measure

    try:
        measure = measures_for_user(user, "view").select_related("unit", "war_zone").get(pk=pk)
    except (Measure.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "report" and not can_act_for_unit(user, measure.unit_id, "report"):
        raise PermissionDenied
    return measure
