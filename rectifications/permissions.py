"""Who may see and act on rectification items: the one scoping function of this app.

Officials see their own unit's items and the items their department leads; leaders, inspectors and admins
see all. `report` (act) reaches the same items, but only for officials, through their report grant.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tracker.choices import Role
from tracker.permissions import is_city_wide, unit_ids_for_user, user_role

from .models import RectificationItem


def items_for_user(user, action: str = "view") -> QuerySet[RectificationItem]:
    """Items this person may `view`, or `report` on (officials of the responsible unit or lead department)."""
    qs = RectificationItem.objects.all()
    if action == "view" and is_city_wide(user):
        return qs
    if user_role(user) is None:
        return qs.none()
    units = unit_ids_for_user(user, action)
    return qs.filter(Q(unit__in=units) | Q(lead_department__in=units))


def get_item_for_user(user, pk, action: str = "view") -> RectificationItem:
    """The item, or 404 for someone who may not see it, or 403 for someone who may see but not act."""
    try:
        item = items_for_user(user, "view").select_related("unit", "lead_department", "inspection").get(pk=pk)
    except (RectificationItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action != "view" and not items_for_user(user, action).filter(pk=item.pk).exists():
        raise PermissionDenied
    return item


def is_inspector(user) -> bool:
    return user_role(user) == Role.INSPECTOR


def can_import(user) -> bool:
    return user_role(user) in (Role.INSPECTOR, Role.ADMIN)
