"""Reads of the people register (责任人名册): the scoped list and everything linked to one person.

A person's page gathers what other apps link to the person without tracker importing them: each app names a
function in `settings.PERSON_DOSSIER_SECTIONS` (like `DEMO_SEEDERS`) that returns its sections for the person,
already scoped to what the reader may see. Data keeps flowing one way (the other apps import tracker).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.module_loading import import_string

from ..common.scoping import get_for_user_or_404
from ..models import Measure, Person, SewageOutlet

# rows shown per section on a person's page (the section says when there are more)
SECTION_LIMIT = 50


def people_for_user(user) -> QuerySet[Person]:
    """A county official sees its own unit's people; city-wide roles see the whole register."""
    return Person.objects.restrict(user, "view")


def person_list(
    *, user, unit_id: int | None = None, q: str | None = None, active_only: bool = False
) -> QuerySet[Person]:
    """The scoped, filtered register with how many tasks and outlets name each person (one query)."""
    qs = people_for_user(user).select_related("unit")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(post__icontains=q) | Q(phone__icontains=q))
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.annotate(n_measures=Count("measures", distinct=True), n_outlets=Count("outlets", distinct=True)).order_by(
        "unit__sort_order", "unit__code", "name", "pk"
    )


def get_person_for_user(user, pk) -> Person:
    return get_for_user_or_404(Person.objects.select_related("unit"), pk, user, "view")


def person_dossier(*, person: Person, user) -> list[dict[str, Any]]:
    """Every section of a person's page: their tasks and outlets here, then each app's sections (in the
    order of `settings.PERSON_DOSSIER_SECTIONS`). A section is {"key", "title", "headers", "rows", "count",
    "more_url"}; a row is {"url", "cells", "css"}."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    measures = Measure.objects.restrict(user, "view").filter(responsible=person).order_by("deadline", "code")
    outlets = (
        SewageOutlet.objects.restrict(user, "view")
        .filter(responsible=person)
        .select_related("river")
        .order_by("deadline", "code")
    )
    sections: list[dict[str, Any]] = [
        {
            "key": "measures",
            "title": _("攻坚任务"),
            "headers": [_("任务编号"), _("任务名称"), _("完成时限"), _("形象进度 (%)")],
            "rows": [
                {
                    "url": reverse("tracker:measure_detail", args=[m.pk]),
                    "cells": [m.code, m.title, m.deadline.isoformat(), m.progress],
                    "css": "",
                }
                for m in measures[:SECTION_LIMIT]
            ],
            "count": measures.count(),
            "more_url": "",
        },
        {
            "key": "outlets",
            "title": _("入河排污口"),
            "headers": [_("排口编码"), _("排口名称"), _("受纳水体"), _("当前环节"), _("整治时限")],
            "rows": [
                {
                    "url": reverse("tracker:outlet_detail", args=[o.pk]),
                    "cells": [o.code, o.name, o.river.name, o.get_step_display(), o.deadline.isoformat()],
                    "css": "",
                }
                for o in outlets[:SECTION_LIMIT]
            ],
            "count": outlets.count(),
            "more_url": "",
        },
    ]
    for path in getattr(settings, "PERSON_DOSSIER_SECTIONS", []):
        sections.extend(import_string(path)(person=person, user=user))
    return sections
