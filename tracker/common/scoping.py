"""One scoping method for every model that belongs to a unit: `Model.objects.restrict(user, action)`.

The idea is NetBox's restricted queryset: the queryset itself knows how to narrow to what a person may
reach, so a list page, a detail lookup, an export and a service re-check all ask the same question.

- `view`: city-wide readers (capability `read_city_wide`) reach every row; officials reach the rows of
  the units they hold a view grant on; people without a role reach nothing.
- `report`: only rows of units the person holds a report grant on (leaders, inspectors and admins enter
  nothing through the site's forms).
- any other action is named in the model's queryset (`action_capabilities`), e.g. DataValue's `approve`:
  every row for holders of `approve_values`, nothing for the others.

A model may also need a capability just to read it (`view_capability`: projects need `read_projects`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404

from .access import has_cap, user_role

M = TypeVar("M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what `user` may reach for `action`."""

    #: the foreign keys (to tracker.Unit) through which a row belongs to a unit; any of them gives reach
    unit_fields: tuple[str, ...] = ("unit",)
    #: the capability needed to read these rows at all (besides the unit reach)
    view_capability: str = "use_site"
    #: actions other than view/report: action → capability that reaches every row
    action_capabilities: dict[str, str] = {}

    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        from tracker.permissions import unit_ids_for_user

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if action in self.action_capabilities:
            return self.all() if has_cap(user, self.action_capabilities[action]) else self.none()
        if action not in ("view", "report"):
            raise ValueError(f"unknown action {action!r}")
        if user_role(user) is None or not has_cap(user, self.view_capability):
            return self.none()
        if action == "view" and has_cap(user, "read_city_wide"):
            return self.all()
        units = unit_ids_for_user(user, "view" if action == "view" else "report")
        reach = Q()
        for field in self.unit_fields:
            reach |= Q(**{f"{field}__in": units})
        return self.filter(reach)


def get_for_user_or_404(queryset: models.QuerySet[M], pk: Any, user, action: str = "view") -> M:
    """The row `pk` if this person may see it, else 404 (an outsider learns nothing); 403 when they may see
    it but not do `action` on it. `queryset` may carry select_related/filters; it must be restrictable."""
    model: Any = queryset.model
    if not isinstance(queryset, RestrictedQuerySet):
        raise TypeError(f"{model.__name__} has no restrict(): give it a RestrictedQuerySet manager")
    try:
        obj = queryset.restrict(user, "view").get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    if action != "view" and not queryset.model._default_manager.all().restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj
