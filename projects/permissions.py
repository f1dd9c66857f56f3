"""Who may see and act on projects: `Project.objects.restrict` (inspectors lack `read_projects`)."""

from __future__ import annotations

from django.db.models import QuerySet

from tracker.common.access import has_cap
from tracker.common.scoping import get_for_user_or_404
from tracker.permissions import Action

from .models import Project


def projects_for_user(user, action: Action = "view") -> QuerySet[Project]:
    return Project.objects.restrict(user, action)


def get_project_for_user(user, pk, action: Action = "view") -> Project:
    return get_for_user_or_404(Project.objects.select_related("unit", "fund"), pk, user, action)


def can_allocate_funds(user) -> bool:
    """Allocating a fund's money to projects (资金下达) is the city's decision, entered by the admin."""
    return has_cap(user, "allocate_funds")
