"""奖惩到人 pages: the accountability ledger (filter, Excel) and the record form (leaders and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import area_required, capability_required
from tracker.common.ledger import wants_export
from tracker.permissions import units_for_user

from . import selectors
from .accountability import accountability_record
from .choices import AccountabilityKind
from .forms import AccountabilityFilterForm, AccountabilityForm
from .tables import AccountabilityTable


@area_required("people")
def accountability_list(request):
    form = AccountabilityFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.accountability_list(
        user=request.user,
        unit_id=f.get("unit"),
        kind=f.get("kind") or None,
        year=f.get("year"),
        person_id=f.get("person"),
    )
    table = AccountabilityTable(qs, request)
    if wants_export(request):
        return table.export_response()
    units = units_for_user(request.user, "view").filter(is_active=True).order_by("sort_order", "code")
    return render(
        request,
        "rectifications/accountability_list.html",
        {
            "table": table,
            "filters": f,
            "units": units,
            "kinds": AccountabilityKind.choices,
            "years": selectors.accountability_years(),
        },
    )


@capability_required("record_accountability")
def accountability_create(request):
    """A leader or an admin records an act against a named person (prefilled from a person's or an item's page)."""
    initial = {"date": timezone.localdate()}
    for key in ("person", "notice", "document_number"):
        if request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    if request.GET.get("item"):
        initial["item_code"] = request.GET["item"][:40]
    form = AccountabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = accountability_record(
                user=request.user,
                person=d["person"],
                kind=d["kind"],
                date=d["date"],
                description=d["description"],
                document_number=d["document_number"],
                item=d["item_code"],
                notice=d["notice"],
            )
        except ValidationError as exc:
            for field, errs in getattr(exc, "error_dict", {None: exc.error_list}).items():
                key = "item_code" if field == "item" else field
                form.add_error(key if key in form.fields else None, [e for err in errs for e in err.messages])
        else:
            messages.success(
                request,
                _("已记录：%(person)s %(kind)s。") % {"person": record.person.name, "kind": record.get_kind_display()},
            )
            return redirect("tracker:person_detail", pk=record.person_id)
    return render(request, "rectifications/accountability_form.html", {"form": form})
