"""Who may see and act on which projects: one scoping function, used by every list, detail and form lookup."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tracker.choices import Role
from tracker.permissions import Action, is_unit_scoped, unit_ids_for_user, user_role

from .models import Project


def projects_for_user(user, action: Action = "view") -> QuerySet[Project]:
    """Projects of the units this person may `view` or `report` for (officials: own unit; leaders/admins: all)."""
    return Project.objects.filter(unit__in=unit_ids_for_user(user, action))


def get_project_for_user(user, pk, action: Action = "view") -> Project:
    """A project the person may see / act on, or 404 for outsiders and 403 for read-only people acting."""
    if action == "report" and not is_unit_scoped(user):
        raise PermissionDenied
    try:
        return projects_for_user(user, action).select_related("unit", "fund").get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_allocate_funds(user) -> bool:
    """Allocating a fund's money to projects (资金下达) is the city's decision, entered by the admin."""
    return user_role(user) == Role.ADMIN
