"""饮用水水源地水质 pages: each source's class and compliance for a month and the year (Excel), the admin upload and
the token API for monthly readings (the same paths as the section readings)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker.common.access import area_required, capability_required
from tracker.common.api import json_error, parse_json_body, token_required
from tracker.common.tabular import TableError, error_report, read_table, xlsx_response

from ..choices import DRINKING_TARGET_CLASS, WaterClass
from ..forms.water import ReadingUploadForm
from ..models import DrinkingWaterReading, DrinkingWaterSource
from ..permissions import unit_ids_for_user
from ..services.drinking import READING_COLUMNS, READING_REQUIRED, drinking_readings_upsert

CLASS_LABEL = dict(WaterClass.choices)


@area_required("water")
def drinking_quality(request):
    """One row per source the person may see: the month's class and compliance, and the year's compliant months."""
    sources = DrinkingWaterSource.objects.filter(unit__in=unit_ids_for_user(request.user, "view")).select_related(
        "unit"
    )
    readings = DrinkingWaterReading.objects.filter(source__in=sources)
    latest = readings.aggregate(m=Max("month"))["m"]
    try:
        month = dt.date.fromisoformat(f"{request.GET['month']}-01") if request.GET.get("month") else latest
    except ValueError:
        month = latest
    month = month or timezone.localdate().replace(day=1)
    of_month = {r.source_id: r for r in readings.filter(month=month)}
    year = dict(
        (row["source_id"], (row["n"], row["ok"]))
        for row in readings.filter(month__year=month.year)
        .values("source_id")
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(compliant=True)))
    )
    rows = []
    for s in sources:
        r = of_month.get(s.pk)
        n, ok = year.get(s.pk, (0, 0))
        rows.append({"source": s, "reading": r, "class_label": CLASS_LABEL.get(r.water_class) if r else None,
                     "months": n, "compliant_months": ok})  # fmt: skip
    if request.GET.get("export") == "xlsx":
        headers = [
            _("水源地"), _("责任单位"), _("级别"), _("月份"), _("水质类别"), _("是否达标"),
            _("溶解氧"), _("高锰酸盐指数"), _("氨氮"), _("总磷"), _("本年监测月数"), _("本年达标月数"),
        ]  # fmt: skip
        data = [
            [
                x["source"].name,
                x["source"].unit.name,
                x["source"].get_level_display(),
                f"{month:%Y-%m}",
                x["class_label"] or "",
                "" if not x["reading"] else (_("达标") if x["reading"].compliant else _("超标")),
                *[(getattr(x["reading"], p) if x["reading"] else None) for p in ("do", "codmn", "nh3n", "tp")],
                x["months"],
                x["compliant_months"],
            ]
            for x in rows
        ]
        return xlsx_response(f"饮用水水源地水质-{month:%Y%m}.xlsx", [(_("水源地水质"), headers, data)])
    return render(
        request,
        "tracker/drinking_quality.html",
        {"rows": rows, "month": month, "target_label": CLASS_LABEL[DRINKING_TARGET_CLASS]},
    )


@area_required("water")
@capability_required("import_readings")
@require_http_methods(["GET", "POST"])
def drinking_readings_upload(request):
    """Admin: import monthly source readings from Excel/CSV; the whole file or nothing."""
    errors = []
    form = ReadingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            frame = read_table(form.cleaned_data["file"], columns=READING_COLUMNS, required=READING_REQUIRED)
            count = drinking_readings_upsert(frame.to_dict("records"))
        except TableError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 条水源地月度水质数据。") % {"n": count})
            return redirect("tracker:drinking_quality")
    return render(
        request,
        "tracker/drinking_upload.html",
        {"form": form, "errors": error_report(errors)},
    )


@token_required("water.readings")
@require_POST
def api_drinking_readings(request):
    """POST {"readings": [{"source": "水源地名称", "month": "2025-03", "nh3n": 0.2, ...}]} → upsert, all or nothing."""
    body, error = parse_json_body(request)
    if error:
        return error
    items = body.get("readings") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return json_error('请求体应为 {"readings": [ {...}, ... ]}，且至少包含一条。', 400)
    try:
        count = drinking_readings_upsert([{**item, "_row": n} for n, item in enumerate(items, start=1)])
    except TableError as exc:
        return json_error(
            "数据有误，未写入任何记录。",
            400,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors[:500]],
        )
    return JsonResponse({"ok": True, "written": count})
