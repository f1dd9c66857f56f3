"""Air pages: overview with seasonal mode and war zones, station and war-zone detail, admin upload, JSON endpoint."""

from __future__ import annotations

import datetime

import pandas as pd
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.common.access import area_required, capability_required
from tracker.common.api import json_error, parse_json_body, token_required
from tracker.common.ledger import wants_export
from tracker.common.tabular import TableError, error_report

from .. import charts
from ..choices import StationLevel
from ..forms.air import AirReadingsUploadForm
from ..models import AirStation, Unit, WarZone
from ..selectors import air as air_selectors
from ..selectors import war_zone_list
from ..services.air import air_readings_import_records, air_readings_import_table
from ..standards import CATEGORY_COLOURS, seasonal_mode
from ..tables import StationTable


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _zone_rows(zones, overview: pd.DataFrame) -> list[dict]:
    rows = []
    for zone in zones:
        stats = overview.loc[zone.pk].to_dict() if zone.pk in overview.index else {}
        rows.append({"zone": zone, **{k: (None if pd.isna(v) else v) for k, v in stats.items()}})
    return rows


@area_required("air")
def air_index(request):
    today = timezone.localdate()
    mode_key, mode_label, headline = seasonal_mode(today)
    zones = list(war_zone_list())
    # two years of readings behind each: cached by the readings' version (air_selectors.versioned)
    overview = air_selectors.versioned("zones", today, lambda: air_selectors.zone_overview(today=today))
    level = request.GET.get("level") or None
    zone_id, unit_id = _int(request.GET.get("zone")), _int(request.GET.get("unit"))
    stations = air_selectors.station_list(unit_id=unit_id)
    if level in StationLevel.values:
        stations = stations.filter(level=level)
    if zone_id:
        stations = stations.filter(war_zone_id=zone_id)
    table = StationTable(stations, request)
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "tracker/air_index.html",
        {
            "today": today,
            "mode_key": mode_key,
            "mode_label": mode_label,
            "headline": headline,
            "zone_rows": _zone_rows(zones, overview),
            "table": table,
            "zones": zones,
            "levels": StationLevel.choices,
            "units": Unit.objects.filter(pk__in=AirStation.objects.values("unit_id")).order_by("sort_order", "code"),
            "level": level,
            "zone_id": zone_id,
            "unit_id": unit_id,
            "city": air_selectors.versioned("headline", today, lambda: air_selectors.city_headline(today=today)),
        },
    )


@area_required("air")
def air_station_detail(request, pk: int):
    station = get_object_or_404(AirStation.objects.select_related("unit", "war_zone"), pk=pk, is_active=True)
    today = timezone.localdate()
    data = air_selectors.station_detail_data(station=station, today=today)
    recent = data["recent"]
    chart = (charts.daily_aqi_figure(recent, _("近一年逐日 AQI（按空气质量类别着色）"))) if not recent.empty else ""
    latest = recent.sort_values("date", ascending=False).head(31).to_dict("records") if not recent.empty else []
    composite = [
        {"year": int(year), **{k: (None if pd.isna(v) else v) for k, v in row.items()}}
        for year, row in data["composite"].iterrows()
    ]
    return render(
        request,
        "tracker/air_station_detail.html",
        {
            "station": station,
            "chart": chart,
            "latest": latest,
            "monthly": data["monthly"].to_dict("records"),
            "composite": composite,
            "trend": {
                **data["trend"],
                "pairs": list(zip(data["trend"]["years"], data["trend"]["values"], strict=True)),
            },
            "colours": CATEGORY_COLOURS,
        },
    )


@area_required("air")
def air_zone_detail(request, pk: int):
    zone = get_object_or_404(WarZone.objects.select_related("lead_unit"), pk=pk)
    today = timezone.localdate()
    members = list(zone.units.order_by("sort_order", "code"))
    overview = air_selectors.zone_overview(today=today, zone_id=zone.pk)
    stats = _zone_rows([zone], overview)[0]
    by_unit = air_selectors.zone_overview(today=today, zone_id=zone.pk, by="unit_id")
    unit_rows = [
        {"unit": u, **{k: (None if pd.isna(v) else v) for k, v in by_unit.loc[u.pk].to_dict().items()}}
        if u.pk in by_unit.index
        else {"unit": u}
        for u in members
    ]
    stations = list(air_selectors.station_list(zone=zone))
    df = air_selectors.readings_frame(
        start=datetime.date(today.year - 1, 1, 1), end=today, station__war_zone_id=zone.pk
    )
    daily = air_selectors.daily_means(df, "zone_id")
    monthly = air_selectors.monthly_frame(daily)
    _mode, _label, headline = seasonal_mode(today)
    if monthly.empty:
        chart = None
    elif headline == "o3_8h":
        chart = charts.monthly_compare_figure(monthly, "o3_8h", _("O₃-8h 月最大值"), "µg/m³")
    else:
        chart = charts.monthly_compare_figure(monthly, "pm25", _("PM2.5 月均浓度"), "µg/m³")
    return render(
        request,
        "tracker/air_zone_detail.html",
        {
            "zone": zone,
            "members": members,
            "unit_rows": unit_rows,
            "stats": stats,
            "stations": stations,
            "chart": chart,
            "today": today,
        },
    )


@area_required("air")
@capability_required("import_readings")
def air_upload(request):
    errors = []
    if request.method == "POST":
        form = AirReadingsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = air_readings_import_table(upload=form.cleaned_data["file"], user=request.user)
            except TableError as exc:
                errors = exc.errors
            except PermissionDenied:
                raise
            else:
                messages.success(
                    request,
                    _("已导入 %(rows)d 条日数据（%(stations)d 个站点，%(first)s 至 %(last)s）。")
                    % {
                        "rows": result.rows,
                        "stations": result.stations,
                        "first": result.first_date,
                        "last": result.last_date,
                    },
                )
                return redirect("tracker:air_upload")
    else:
        form = AirReadingsUploadForm()
    return render(request, "tracker/air_upload.html", {"form": form, "errors": error_report(errors)})


@require_POST
@token_required("air.readings")
def api_air_readings(request):
    """Bulk upsert of daily readings: `{"readings": [{"station", "date", "so2", …, "pm25"}, …]}`.

    All or nothing: a bad row is reported as `{"index", "field", "reason"}` (index 0-based) and nothing of
    the request is written. Posting the same station-day again updates it.
    """
    body, error = parse_json_body(request)
    if error is not None:
        return error
    records = body.get("readings") if isinstance(body, dict) else body
    try:
        result = air_readings_import_records(records=records)
    except TableError as exc:
        details = [
            {"index": e.row - 1 if e.row else None, "field": e.column, "reason": e.message} for e in exc.errors[:500]
        ]  # the first 500, like the water endpoint; `error_count` says how many there are in all
        return json_error("数据有误，本次提交未写入任何数据。", 400, errors=details, error_count=len(exc.errors))
    return JsonResponse(
        {
            "ok": True,
            "rows": result.rows,
            "stations": result.stations,
            "first_date": result.first_date.isoformat() if result.first_date else None,
            "last_date": result.last_date.isoformat() if result.last_date else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@area_required("air")
@capability_required("import_readings")
def air_template(request):
    """The air daily readings template the upload accepts (下载模板)."""
    from ..imports import xlsx_download
    from ..upload_templates import air_readings_template

    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return xlsx_download(air_readings_template(), "空气日数据导入模板.xlsx")
