"""Reads for river chiefs: the scoped chiefs and patrols, patrol frequency against the rule of each level (who is
behind), and fishing-ban cases counted per unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from ..models import FishingBanCase, PatrolRule, RiverChief, RiverPatrol
from ..patrol_rules import PeriodCount, patrol_shortfall


def chiefs_for_user(
    user, *, river_id: int | None = None, level: str | None = None, unit_id: int | None = None
) -> QuerySet[RiverChief]:
    """The chiefs of the units the person may see, with this year's patrols and the last patrol date."""
    qs = RiverChief.objects.restrict(user, "view").select_related("river", "section", "person", "unit")
    if river_id:
        qs = qs.filter(river_id=river_id)
    if level:
        qs = qs.filter(level=level)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def patrols_for_user(user, *, chief_id: int | None = None, unit_id: int | None = None,
                     with_problems: bool = False) -> QuerySet[RiverPatrol]:  # fmt: skip
    qs = (
        RiverPatrol.objects.restrict(user, "view")
        .select_related("chief__river", "chief__person", "unit", "rectification_item")
        .annotate(n_photos=Count("photos"))
    )
    if chief_id:
        qs = qs.filter(chief_id=chief_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if with_problems:
        qs = qs.exclude(problems="")
    return qs


def patrol_frequency(user, *, as_of: dt.date, behind_only: bool = False) -> list[dict[str, Any]]:
    """Per active chief the person may see, from 1 January of `as_of`'s year (or the appointment, if later): the
    complete periods of the level's rule, how many fell short, this year's patrols and the last one. Chiefs with a
    short period come first. Three queries."""
    rules = {r.level: r for r in PatrolRule.objects.all()}
    chiefs = list(chiefs_for_user(user).filter(is_active=True))
    year_start = dt.date(as_of.year, 1, 1)
    dates: dict[int, list[dt.date]] = {}
    for chief_id, day in RiverPatrol.objects.filter(
        chief__in=[c.pk for c in chiefs], date__range=(year_start, as_of)
    ).values_list("chief_id", "date"):
        dates.setdefault(chief_id, []).append(day)
    out: list[dict[str, Any]] = []
    chief_order = {id(c): (c.unit.sort_order, c.pk) for c in chiefs}
    for chief in chiefs:
        rule = rules.get(chief.level)
        days = dates.get(chief.pk, [])
        since = max(year_start, chief.appointed_on) if chief.appointed_on else year_start
        periods: list[PeriodCount] = (
            patrol_shortfall(days, period=rule.period, min_count=rule.min_count, since=since, as_of=as_of)
            if rule
            else []
        )
        short = [p for p in periods if p.short]
        row: dict[str, Any] = {
            "chief": chief,
            "rule": rule,
            "periods": len(periods),
            "short": len(short),
            "last_short": short[-1] if short else None,
            "patrols": len(days),
            "last": max(days) if days else None,
            "behind": bool(short),
        }
        if row["behind"] or not behind_only:
            out.append(row)
    out.sort(key=lambda r: (not r["behind"], -int(r["short"]), chief_order[id(r["chief"])]))
    return out


def fishing_cases_for_user(user, *, year: int | None = None, unit_id: int | None = None) -> QuerySet[FishingBanCase]:
    qs = FishingBanCase.objects.restrict(user, "view").select_related("unit", "river")
    if year:
        qs = qs.filter(date__year=year)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs


def fishing_case_counts(user, *, year: int) -> list[dict[str, Any]]:
    """Per unit: cases of the year, of which handed to justice, penalised, and the last case date. One query."""
    return list(
        fishing_cases_for_user(user, year=year)
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            n=Count("pk"),
            criminal=Count("pk", filter=Q(outcome="criminal")),
            penalty=Count("pk", filter=Q(outcome="penalty")),
            last=Max("date"),
        )
        .order_by("-n", "unit__sort_order")
    )
