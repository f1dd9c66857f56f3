"""扣分风险跟踪督办 pages: the risks of the ranking in force with who follows each, the assignment form (leaders
and admins) and one follow-up with its reports (the unit's officials report on it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import area_required, capability_required, has_cap
from tracker.common.ledger import wants_export
from tracker.common.scoping import get_for_user_or_404
from tracker.models import Unit
from tracker.permissions import units_for_user

from . import followups, selectors
from .choices import FollowUpStatus
from .forms import FollowUpAssignForm, FollowUpFilterForm, FollowUpReportForm
from .models import AssessmentItem, RiskFollowUp
from .tables import FollowUpTable

# the risks table shows the followed ones and the largest others: 30 at first, up to 200 with ?all=1 (a run holds
# at most units × items of them)
RISK_ROWS, RISK_ROWS_ALL = 30, 200


def _add_errors(form, exc: ValidationError) -> None:
    """A service's refusal on the form: field errors where the form has the field, the rest (a stale version,
    a refused move) above it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields and not form.fields[field].widget.is_hidden else None, errs)


def _scheme(request):
    raw = request.GET.get("scheme", "")
    if raw.isdigit():
        scheme = selectors.scheme_list().filter(pk=int(raw)).first()
        if scheme is None:
            raise Http404
        return scheme
    return selectors.current_scheme()


@area_required("assessment")
def risk_followups(request):
    """The deduction risks of the ranking in force, who follows each up, and the follow-up ledger."""
    today = timezone.localdate()
    scheme = _scheme(request)
    form = FollowUpFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    year = scheme.year if scheme else today.year
    table = FollowUpTable(
        selectors.followup_list(user=request.user, year=year, unit_id=f.get("unit"), status=f.get("status") or None),
        request,
        today=today,
    )
    if wants_export(request):
        return table.export_response()
    run = selectors.latest_run(scheme) if scheme else None
    risks: list[dict] = []
    if run is not None:
        city_wide = has_cap(request.user, "read_city_wide")
        unit_ids = None if city_wide else list(units_for_user(request.user, "view").values_list("pk", flat=True))
        if f.get("unit"):
            unit_ids = [u for u in (unit_ids or [f["unit"]]) if u == f["unit"]]
        risks = selectors.risks_with_followups(run=run, user=request.user, unit_ids=unit_ids)
        for r in risks:
            r["overdue"] = r["followup"] is not None and r["followup"].is_overdue(today)
        risks.sort(key=lambda r: r["followup"] is None)  # followed first; stable: largest risk first within
    units = units_for_user(request.user, "view").filter(is_active=True).order_by("sort_order", "code")
    return render(
        request,
        "targets/risk_followups.html",
        {
            "scheme": scheme,
            "schemes": selectors.scheme_list(),
            "run": run,
            "risks": risks[: RISK_ROWS_ALL if request.GET.get("all") == "1" else RISK_ROWS],
            "risk_count": len(risks),
            "table": table,
            "filters": f,
            "units": units,
            "statuses": FollowUpStatus.choices,
            "summary": selectors.followup_summary(user=request.user, year=year, today=today, unit_id=f.get("unit")),
        },
    )


@capability_required("assign_risk_followups")
def risk_followup_assign(request):
    """Hand a risk (?unit=&item=) to the unit and one of its people, or hand it again with a new deadline."""
    source = request.POST if request.method == "POST" else request.GET
    unit_id = int(source["unit"]) if source.get("unit", "").isdigit() else None
    item_id = int(source["item"]) if source.get("item", "").isdigit() else None
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    item = AssessmentItem.objects.select_related("indicator", "scheme").filter(pk=item_id).first() if item_id else None
    existing = (
        RiskFollowUp.objects.filter(year=item.scheme.year, unit=unit, item=item).first() if unit and item else None
    )
    initial = {"unit": unit_id, "item": item_id}
    if existing is not None:
        initial.update(
            version=existing.version, person=existing.person_id, deadline=existing.deadline, note=existing.note
        )
    form = FollowUpAssignForm(request.POST or None, initial=initial, unit_id=unit_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            followup = followups.risk_followup_assign(
                user=request.user,
                unit_id=d["unit"],
                item_id=d["item"],
                deadline=d["deadline"],
                note=d["note"],
                person_id=d["person"].pk if d["person"] else None,
                expected_version=d["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已向%(unit)s交办扣分风险“%(item)s”。") % {"unit": followup.unit.name, "item": item.indicator.name},
            )
            return redirect("targets:risk_followup_detail", pk=followup.pk)
    return render(
        request,
        "targets/risk_followup_assign.html",
        {"form": form, "unit": unit, "item": item, "existing": existing},
    )


@area_required("assessment")
def risk_followup_detail(request, pk: int):
    """One follow-up: what was asked, by when, the unit's reports and the history; the unit reports here."""
    followup = get_for_user_or_404(
        RiskFollowUp.objects.select_related("unit", "item__indicator", "item__scheme", "person", "assigned_by"),
        pk,
        request.user,
    )
    can_report = RiskFollowUp.objects.restrict(request.user, "report").filter(pk=followup.pk).exists()
    form = FollowUpReportForm(initial={"version": followup.version})
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied
        form = FollowUpReportForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                followups.risk_followup_report(
                    user=request.user,
                    followup=followup,
                    text=d["text"],
                    final=d["final"],
                    expected_version=d["version"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("落实情况已报告。"))
                return redirect("targets:risk_followup_detail", pk=followup.pk)
    today = timezone.localdate()
    return render(
        request,
        "targets/risk_followup_detail.html",
        {
            "f": followup,
            "overdue": followup.is_overdue(today),
            "reports": followup.reports.select_related("reported_by"),
            "events": followup.events.select_related("actor"),
            "form": form,
            "can_report": can_report and followup.status != FollowUpStatus.DONE,
        },
    )
