"""责任人名册 pages: the register (filter, paging, Excel) and one person with everything linked to them."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _l

from tracker.common.access import area_required
from tracker.common.ledger import wants_export

from ..permissions import units_for_user
from ..selectors.people import get_person_for_user, person_dossier, person_list
from ..tables import PersonTable


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_l("姓名/职务"), required=False, max_length=40)
    unit = forms.IntegerField(label=_l("所在单位"), required=False)
    active = forms.BooleanField(label=_l("仅看在任"), required=False)


@area_required("people")
def person_list_view(request):
    form = PersonFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = person_list(
        user=request.user,
        unit_id=f.get("unit"),
        q=(f.get("q") or "").strip() or None,
        active_only=bool(f.get("active")),
    )
    table = PersonTable(qs, request)
    if wants_export(request):
        return table.export_response()
    units = units_for_user(request.user, "view").filter(is_active=True).order_by("sort_order", "code")
    return render(request, "tracker/person_list.html", {"table": table, "form": form, "filters": f, "units": units})


@area_required("people")
def person_detail(request, pk: int):
    person = get_person_for_user(request.user, pk)
    sections = person_dossier(person=person, user=request.user)
    return render(request, "tracker/person_detail.html", {"person": person, "sections": sections})
