"""Reads for the key-enterprise register: the scoped list and everything that concerns one enterprise."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ..models import Enterprise, SewageOutlet
from ..permissions import measures_for_user, unit_ids_for_user


def enterprises_for_user(user) -> QuerySet[Enterprise]:
    """City-wide roles see the whole register; officials the enterprises of their own unit(s)."""
    return Enterprise.objects.filter(unit__in=unit_ids_for_user(user, "view"))


def enterprise_list(
    *,
    user,
    unit_id: int | None = None,
    industry: str | None = None,
    zone_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Enterprise]:
    """The scoped, filtered register with how many measures, outlets and items link to each (one query)."""
    qs = enterprises_for_user(user).select_related("unit", "war_zone")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if industry:
        qs = qs.filter(industry=industry)
    if zone_id:
        qs = qs.filter(war_zone_id=zone_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(permit_number__icontains=q))
    return qs.annotate(
        n_measures=Count("measures", distinct=True),
        n_outlets=Count("outlets", distinct=True),
        n_items=Count("rectification_items", distinct=True),
    ).order_by("unit__sort_order", "name")


def get_enterprise_for_user(user, pk) -> Enterprise:
    try:
        return enterprises_for_user(user).select_related("unit", "war_zone").get(pk=pk)
    except (Enterprise.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def enterprise_dossier(*, enterprise: Enterprise, user) -> dict:
    """The measures, outlets and rectification items linked to the enterprise that this person may see."""
    return {
        "measures": list(
            measures_for_user(user, "view").filter(enterprise=enterprise).select_related("unit").order_by("deadline")
        ),
        "outlets": list(
            SewageOutlet.objects.filter(enterprise=enterprise, unit__in=unit_ids_for_user(user, "view"))
            .select_related("unit", "river")
            .order_by("code")
        ),
        "items": list(
            enterprise.rectification_items.restrict(user, "view")
            .select_related("unit", "inspection")
            .order_by("deadline")
        ),
    }
