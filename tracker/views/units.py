from django.shortcuts import render
from django.utils import timezone

from tracker.common.access import area_required

from ..choices import UnitKind
from ..permissions import get_unit_for_user
from ..selectors import unit_list as select_units
from ..selectors import war_zone_list
from ..selectors.air import unit_trend


@area_required("units")
def unit_list(request):
    kind = request.GET.get("kind") or None
    if kind not in UnitKind.values:
        kind = None
    return render(
        request,
        "tracker/unit_list.html",
        {
            "units": select_units(user=request.user, kind=kind),
            "zones": war_zone_list(),
            "kinds": UnitKind.choices,
            "kind": kind,
        },
    )


@area_required("units")
def unit_detail(request, pk: int):
    unit = get_unit_for_user(request.user, pk, "view")
    members = unit.members.filter(is_active=True).order_by("username")
    trend = unit_trend(unit_id=unit.pk, today=timezone.localdate())
    trend["pairs"] = list(zip(trend["years"], trend["values"], strict=True))
    return render(request, "tracker/unit_detail.html", {"unit": unit, "members": members, "trend": trend})
