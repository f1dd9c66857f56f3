"""饮用水水源地水质 pages: each source's class and compliance for a month and the year (Excel), the admin upload and
the token API for monthly readings (the same paths as the section readings)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tracker.common.access import area_required, capability_required
from tracker.common.api import json_batch, token_required
from tracker.common.tabular import xlsx_response

from ..choices import DRINKING_TARGET_CLASS, WaterClass
from ..models import DrinkingWaterReading, DrinkingWaterSource
from ..permissions import unit_ids_for_user
from ..services.drinking import (
    drinking_readings_import_table,
    drinking_readings_upsert,
)
from .water import ReadingsUpload, readings_upload

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


SOURCE_UPLOAD = ReadingsUpload(
    title=gettext_lazy("导入水源地水质数据"),
    heading=gettext_lazy("导入水源地月度水质数据"),
    lead=gettext_lazy("整个文件先逐行检查；任何一行有误则一条也不写入。同一水源地同一月份再次导入会覆盖原数据。"),
    tab="quality",
    columns_help=gettext_lazy(
        "必需：水源地名称（与登记名称一致）、月份（如 2025-03）；"
        "监测指标（mg/L，可空）：溶解氧、高锰酸盐指数、化学需氧量、五日生化需氧量、氨氮、总磷。"
    ),
    done=gettext_lazy("已导入 %(n)d 条水源地月度水质数据。"),
    import_table=drinking_readings_import_table,
    next_url="tracker:drinking_quality",
)


@area_required("water")
@capability_required("import_readings")
@require_http_methods(["GET", "POST"])
def drinking_readings_upload(request):
    """Admin: import monthly source readings (the section upload's page and path, `water.readings_upload`)."""
    return readings_upload(request, SOURCE_UPLOAD)


@token_required("water.readings")
@require_POST
def api_drinking_readings(request):
    """POST {"readings": [{"source": "水源地名称", "month": "2025-03", "nh3n": 0.2, ...}]} → upsert, all or nothing."""
    return json_batch(request, key="readings", upsert=drinking_readings_upsert)
