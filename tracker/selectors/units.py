"""Reads for units and war zones, always scoped to what the person may see."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, QuerySet

from ..choices import TERRITORIAL_KINDS, Role
from ..models import CalendarDay, Unit, WarZone
from ..permissions import units_for_user
from ..workdays import WorkCalendar


def unit_list(*, user, kind: str | None = None) -> QuerySet[Unit]:
    qs = units_for_user(user, "view").select_related("war_zone").annotate(member_count=Count("members"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("sort_order", "code")


def war_zone_list() -> QuerySet[WarZone]:
    """The five zones with lead and members in two queries (zone list is public inside the site)."""
    return WarZone.objects.select_related("lead_unit").prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("sort_order", "code"))
    )


def territorial_units() -> QuerySet[Unit]:
    """Counties, districts, county-level cities and development zones: the units ranked against each other."""
    return Unit.objects.filter(kind__in=TERRITORIAL_KINDS, is_active=True).order_by("sort_order", "code")


def role_counts() -> QuerySet[Group]:
    """How many people hold each role (the admin's system status page)."""
    return Group.objects.filter(name__in=Role.values).annotate(n=Count("user")).order_by("name")


def work_calendar() -> WorkCalendar:
    """The working-day calendar: weekends plus every holiday and make-up working day the admin keeps (one query;
    a few dozen rows a year)."""
    rows = list(CalendarDay.objects.values_list("date", "kind"))
    return WorkCalendar(
        holidays=frozenset(d for d, k in rows if k == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(d for d, k in rows if k == CalendarDay.Kind.WORKDAY),
    )
