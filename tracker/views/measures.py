"""攻坚任务 pages: the filtered list (print + Excel) and one measure with its progress reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tracker.common.access import area_required
from tracker.common.ledger import wants_export

from ..choices import MeasureArea, MeasureStatus, SourceType
from ..forms.air import MeasureFilterForm, MeasureReportForm
from ..models import Unit
from ..permissions import can_act_for_unit, get_measure_for_user
from ..selectors import war_zone_list
from ..selectors.measures import measure_list as select_measures
from ..selectors.measures import status_counts, with_status
from ..services.measures import measure_report_progress
from ..tables import STATUS_BADGE, MeasureTable


def _decorate(measures, today):
    labels = dict(MeasureStatus.choices)
    for m in measures:
        m.status_label = str(labels[m.status])
        m.status_badge = STATUS_BADGE[m.status]
        m.days_overdue = (today - m.deadline).days if m.status == MeasureStatus.OVERDUE else 0
    return measures


@area_required("measures")
def measure_list(request):
    today = timezone.localdate()
    form = MeasureFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = select_measures(
        user=request.user,
        today=today,
        area=filters.get("area") or None,
        zone_id=filters.get("zone"),
        unit_id=filters.get("unit"),
        source_type=filters.get("source_type") or None,
        overdue=bool(filters.get("overdue")),
    )
    table = MeasureTable(qs, request, today=today)
    if wants_export(request):
        return table.export_response()
    counts = status_counts(with_status(qs.model.objects.filter(pk__in=qs.values("pk")), today))
    return render(
        request,
        "tracker/measure_list.html",
        {
            "table": table,
            "form": form,
            "filters": filters,
            "areas": MeasureArea.choices,
            "sources": SourceType.choices,
            "zones": war_zone_list(),
            "units": Unit.objects.filter(is_active=True).order_by("sort_order", "code"),
            "counts": [(label, counts[value], STATUS_BADGE[value]) for value, label in MeasureStatus.choices],
            "today": today,
        },
    )


@area_required("measures")
def measure_detail(request, pk: int):
    today = timezone.localdate()
    measure = get_measure_for_user(request.user, pk, "view")
    can_report = can_act_for_unit(request.user, measure.unit_id, "report")
    form = MeasureReportForm()
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied
        form = MeasureReportForm(request.POST)
        if form.is_valid():
            try:
                measure_report_progress(user=request.user, measure=measure, **form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("进展已填报。"))
                return redirect("tracker:measure_detail", pk=measure.pk)
    measure = _decorate(
        list(with_status(type(measure).objects.filter(pk=measure.pk), today).select_related("unit", "war_zone")), today
    )[0]
    reports = measure.reports.select_related("reported_by").order_by("-date", "-created_at")
    return render(
        request,
        "tracker/measure_detail.html",
        {"measure": measure, "reports": reports, "form": form, "can_report": can_report},
    )


@area_required("measures")
def measure_assign(request):
    """A department or an admin assigns a task to a unit; the unit's officials are told in their inbox."""
    from ..forms.air import MeasureAssignForm
    from ..services.measures import can_assign_measures
    from ..services.measures import measure_assign as assign

    if not can_assign_measures(request.user):
        raise PermissionDenied
    form = MeasureAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        measure = assign(
            user=request.user,
            unit_id=d["unit"].pk,
            title=d["title"],
            area=d["area"],
            source_type=d["source_type"] if d["area"] == "air" else "",
            deadline=d["deadline"],
            responsible_person=d["responsible_person"],
            description=d["description"],
            war_zone_id=d["unit"].war_zone_id if d["area"] == "air" else None,
        )
        messages.success(
            request, _("已向%(unit)s交办任务“%(title)s”。") % {"unit": d["unit"].name, "title": measure.title}
        )
        return redirect("tracker:measure_detail", pk=measure.pk)
    return render(request, "tracker/measure_assign.html", {"form": form})


def _xlsx(raw: bytes, filename: str):

    from django.http import HttpResponse

    response = HttpResponse(raw, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@area_required("measures")
def measure_template(request):
    """The task import template (.xlsx) with drop-down lists."""
    from django.http import HttpResponse

    from ..measure_imports import measures_template
    from ..services.measures import can_assign_measures

    if not can_assign_measures(request.user):
        raise PermissionDenied
    if request.method != "GET":
        return HttpResponse(status=405)
    return _xlsx(measures_template(), "攻坚任务导入模板.xlsx")


@area_required("measures")
def measure_import(request):
    """Upload → preview (nothing saved) → confirm the same file (kept in the session): all tasks or none."""
    import base64
    import io

    from ..measure_imports import measures_import
    from ..services.measures import can_assign_measures

    if not can_assign_measures(request.user):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        stored = request.session.get("measure_import")
        if request.POST.get("action") == "confirm" and stored:
            upload = io.BytesIO(base64.b64decode(stored["data"]))
            upload.name = stored["name"]
            result = measures_import(user=request.user, upload=upload, dry_run=False)
            if result.saved:
                del request.session["measure_import"]
                messages.success(request, _("已交办 %(n)d 项任务。") % {"n": len(result.rows)})
                return redirect("tracker:measure_list")
        elif request.FILES.get("file"):
            f = request.FILES["file"]
            raw = f.read()
            upload = io.BytesIO(raw)
            upload.name = f.name
            result = measures_import(user=request.user, upload=upload, dry_run=True)
            if not result.errors:
                request.session["measure_import"] = {"name": f.name, "data": base64.b64encode(raw).decode()}
        else:
            messages.error(request, _("请选择要导入的文件。"))
    return render(request, "tracker/measure_import.html", {"result": result})
