"""重污染天气应对 pages: the city warnings (list, detail, issue / change level / lift), each unit's emergency list,
the response form, forecasts against what was measured, the forecast upload and the token API."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from tracker.common.access import area_required, capability_required, has_cap
from tracker.common.api import json_batch, token_required
from tracker.common.ledger import Column, Table, page_of, wants_export
from tracker.common.scoping import get_for_user_or_404
from tracker.common.tabular import TableError, error_report, read_table, xlsx_response

from ..choices import WarningLevel, WeatherWarningStatus
from ..forms.water import ReadingUploadForm
from ..forms.weather import (
    EmergencyMeasureForm,
    EmergencyResponseForm,
    ForecastRangeForm,
    WeatherWarningIssueForm,
    WeatherWarningLevelForm,
    WeatherWarningLiftForm,
)
from ..models import EmergencyMeasure, Enterprise, Unit, WeatherWarning
from ..permissions import is_unit_scoped, units_for_user
from ..selectors import weather as sel
from ..services.weather import (
    FORECAST_COLUMNS,
    FORECAST_REQUIRED,
    air_forecasts_upsert,
    emergency_measure_save,
    emergency_response_report,
    weather_warning_change_level,
    weather_warning_issue,
    weather_warning_lift,
)

LEVEL_BADGE = {"yellow": "badge-yellow", "orange": "badge-orange", "red": "badge-red"}
STATUS_BADGE = {WeatherWarningStatus.ISSUED.value: "badge-red", WeatherWarningStatus.LIFTED.value: "badge-green"}


def _level_chip(w) -> str:
    return format_html('<span class="badge {}">{}</span>', LEVEL_BADGE.get(w.level, ""), w.get_level_display())


def _status_chip(w) -> str:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGE.get(w.status, ""), w.get_status_display())


class WeatherWarningTable(Table):
    """重污染天气预警台账."""

    title = _l("重污染天气预警")
    filename = _l("重污染天气预警")
    empty_text = _l("尚未发布过重污染天气预警。")
    default_sort = "-starts_on"

    title_ = Column(_l("预警名称"), "title", link=lambda w: reverse("tracker:weather_warning_detail", args=[w.pk]))
    level = Column(_l("预警级别"), "get_level_display", order_by="level", html=_level_chip)
    status = Column(_l("状态"), "get_status_display", order_by="status", html=_status_chip)
    starts_on = Column(_l("开始日期"))
    planned_end = Column(_l("预计结束日期"))
    lifted_on = Column(_l("解除日期"))
    n_responses = Column(_l("落实情况条数"), decimals=0)


class EmergencyMeasureTable(Table):
    """应急减排清单."""

    title = _l("应急减排清单")
    filename = _l("应急减排清单")
    empty_text = _l("清单中还没有措施。")
    default_sort = "unit"

    unit = Column(_l("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    source = Column(_l("污染源"))
    enterprise = Column(_l("重点企业"), "enterprise.name", order_by="enterprise__name")
    measure = Column(_l("减排措施"))
    from_level = Column(_l("启动级别"), "get_from_level_display", order_by="from_level")
    pm25_reduction = Column("PM2.5", unit=_l("吨/日"), decimals=3)
    nox_reduction = Column("NOx", unit=_l("吨/日"), decimals=3)
    vocs_reduction = Column("VOCs", unit=_l("吨/日"), decimals=3)
    is_active = Column(_l("有效"), "is_active")

    def __init__(self, *args, editable_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.editable_units = set(editable_units)

    def render_source(self, row):
        if row.unit_id in self.editable_units:
            return format_html(
                '<a href="{}">{}</a>', reverse("tracker:emergency_measure_edit", args=[row.pk]), row.source
            )
        return row.source


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- city warnings ------------------------------------------------------------------------------------------------
@area_required("weather")
def weather_warning_list(request):
    table = WeatherWarningTable(sel.weather_warnings(), request)
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "tracker/weather_warning_list.html",
        {
            "table": table,
            "in_force": sel.warning_in_force(),
            "can_issue": has_cap(request.user, "issue_weather_warnings"),
            "issue_form": WeatherWarningIssueForm(),
        },
    )


@area_required("weather")
@capability_required("issue_weather_warnings")
@require_http_methods(["GET", "POST"])
def weather_warning_issue_view(request):
    form = WeatherWarningIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning = weather_warning_issue(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("预警已发布，已通知各单位启动应急减排清单。"))
            return redirect("tracker:weather_warning_detail", pk=warning.pk)
    return render(request, "tracker/weather_warning_issue.html", {"form": form, "in_force": sel.warning_in_force()})


@area_required("weather")
def weather_warning_detail(request, pk: int):
    warning = get_object_or_404(WeatherWarning.objects.select_related("issued_by"), pk=pk)
    can_issue = has_cap(request.user, "issue_weather_warnings")
    report_units = list(units_for_user(request.user, "report")) if is_unit_scoped(request.user) else []
    context = {
        "warning": warning,
        "level_badge": LEVEL_BADGE.get(warning.level, ""),
        "status_badge": STATUS_BADGE.get(warning.status, ""),
        "events": warning.events.select_related("actor").order_by("created_at", "pk"),
        "responses": sel.responses_for_user(request.user, warning)[:300],
        "summary": sel.response_summary(request.user, warning),
        "can_change": can_issue and warning.in_force,
        "can_respond": bool(report_units) and warning.in_force,
        "level_form": WeatherWarningLevelForm(
            initial={"version": warning.version, "level": warning.level, "planned_end": warning.planned_end}
        ),
        "lift_form": WeatherWarningLiftForm(initial={"version": warning.version}),
        "effects": sel.warning_effect(warning),
        "before_days": sel.BEFORE_DAYS,
    }
    if request.GET.get("export") == "xlsx":
        headers = [_("责任单位"), _("落实日期"), _("清单措施"), _("重点企业"), _("落实情况"), _("填报人")]
        rows = [
            [r.unit.name, r.date, r.measure.source if r.measure else "", r.enterprise.name if r.enterprise else "",
             r.action, r.reported_by.get_full_name() or r.reported_by.username]
            for r in sel.responses_for_user(request.user, warning)
        ]  # fmt: skip
        summary = [[s["unit"].name, s["n"], s["days"], s["first"], s["last"]] for s in context["summary"]]
        return xlsx_response(
            f"应急响应落实-{warning.starts_on:%Y%m%d}.xlsx",
            [
                (_("落实情况"), headers, rows),
                (_("分单位统计"), [_("责任单位"), _("条数"), _("天数"), _("首次"), _("最近")], summary),
            ],
        )
    return render(request, "tracker/weather_warning_detail.html", context)


def _warning_move(request, pk: int, form_class, service, done: str):
    """Change the level of or lift a warning in force: the form's fields are the service's arguments (its
    `version` the expected one); a refusal becomes a message. Back to the warning either way."""
    warning = get_object_or_404(WeatherWarning, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("tracker:weather_warning_detail", pk=warning.pk)
    fields = dict(form.cleaned_data)
    try:
        service(user=request.user, warning_id=warning.pk, expected_version=fields.pop("version"), **fields)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    return redirect("tracker:weather_warning_detail", pk=warning.pk)


@require_POST
@area_required("weather")
@capability_required("issue_weather_warnings")
def weather_warning_level(request, pk: int):
    return _warning_move(request, pk, WeatherWarningLevelForm, weather_warning_change_level, _("预警已调整。"))


@require_POST
@area_required("weather")
@capability_required("issue_weather_warnings")
def weather_warning_lift_view(request, pk: int):
    return _warning_move(request, pk, WeatherWarningLiftForm, weather_warning_lift, _("预警已解除。"))


def _report_units(request):
    if not is_unit_scoped(request.user):
        raise PermissionDenied
    units = list(units_for_user(request.user, "report").filter(is_active=True))
    if not units:
        raise PermissionDenied
    return units


def _pick_unit(request, units):
    wanted = request.POST.get("unit") or request.GET.get("unit")
    return next((u for u in units if str(u.pk) == wanted), units[0])


@area_required("weather")
@require_http_methods(["GET", "POST"])
def emergency_response_view(request, pk: int):
    """An official reports what their unit did today under the warning in force."""
    warning = get_object_or_404(WeatherWarning, pk=pk)
    units = _report_units(request)
    unit = _pick_unit(request, units)
    measures = list(sel.measures_for_level(unit.pk, warning.level))
    enterprises = list(Enterprise.objects.filter(unit=unit).order_by("name"))
    form = EmergencyResponseForm(request.POST or None, measures=measures, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        try:
            emergency_response_report(
                user=request.user,
                warning_id=warning.pk,
                unit_id=unit.pk,
                date=form.cleaned_data["date"],
                action=form.cleaned_data["action"],
                measure_id=form.cleaned_data["measure"],
                enterprise_id=form.cleaned_data["enterprise"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("落实情况已填报。"))
            return redirect("tracker:weather_warning_detail", pk=warning.pk)
    return render(
        request,
        "tracker/emergency_response_form.html",
        {"warning": warning, "form": form, "units": units, "unit": unit, "measures": measures},
    )


# --- emergency lists ------------------------------------------------------------------------------------------
@area_required("weather")
@require_http_methods(["GET", "POST"])
def emergency_list(request):
    """The emergency lists the person may see (their own unit's for officials), and for officials the add form."""
    unit_id = request.GET.get("unit")
    unit_id = int(unit_id) if unit_id and unit_id.isdigit() else None
    report_units = (
        list(units_for_user(request.user, "report").filter(is_active=True)) if is_unit_scoped(request.user) else []
    )
    if request.method == "POST" and not report_units:
        raise PermissionDenied
    form = None
    if report_units:
        unit = _pick_unit(request, report_units)
        form = EmergencyMeasureForm(
            request.POST or None, enterprises=Enterprise.objects.filter(unit=unit).order_by("name")
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                emergency_measure_save(
                    user=request.user,
                    unit_id=unit.pk,
                    source=data["source"],
                    measure=data["measure"],
                    from_level=data["from_level"],
                    pm25_reduction=data["pm25_reduction"],
                    nox_reduction=data["nox_reduction"],
                    vocs_reduction=data["vocs_reduction"],
                    enterprise_id=data["enterprise"],
                    is_active=data["is_active"],
                )
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("已加入应急减排清单。"))
                return redirect("tracker:emergency_list")
    table = EmergencyMeasureTable(
        sel.measures_for_user(request.user, unit_id=unit_id),
        request,
        editable_units=[u.pk for u in report_units],
    )
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "tracker/emergency_list.html",
        {
            "table": table,
            "form": form,
            "report_units": report_units,
            "units": units_for_user(request.user, "view").filter(is_active=True).exclude(kind="department"),
            "unit_id": unit_id,
            "totals": _totals(sel.measures_for_user(request.user, unit_id=unit_id)),
        },
    )


def _totals(qs) -> dict:
    return qs.filter(is_active=True).aggregate(
        pm25=Sum("pm25_reduction"), nox=Sum("nox_reduction"), vocs=Sum("vocs_reduction")
    )


@area_required("weather")
@require_http_methods(["GET", "POST"])
def emergency_measure_edit(request, pk: int):
    """Correct (or retire) one line of the unit's list: only the unit's own officials."""
    row = get_for_user_or_404(EmergencyMeasure.objects.select_related("unit"), pk, request.user, "report")
    enterprises = Enterprise.objects.filter(unit_id=row.unit_id).order_by("name")
    initial = {
        "measure_id": row.pk, "enterprise": row.enterprise_id, "source": row.source, "measure": row.measure,
        "from_level": row.from_level, "pm25_reduction": row.pm25_reduction, "nox_reduction": row.nox_reduction,
        "vocs_reduction": row.vocs_reduction, "is_active": row.is_active,
    }  # fmt: skip
    form = EmergencyMeasureForm(request.POST or None, initial=initial, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            emergency_measure_save(
                user=request.user,
                measure_id=row.pk,
                unit_id=row.unit_id,
                source=data["source"],
                measure=data["measure"],
                from_level=data["from_level"],
                pm25_reduction=data["pm25_reduction"],
                nox_reduction=data["nox_reduction"],
                vocs_reduction=data["vocs_reduction"],
                enterprise_id=data["enterprise"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("清单措施已更新。"))
            return redirect("tracker:emergency_list")
    return render(request, "tracker/emergency_measure_edit.html", {"row": row, "form": form})


# --- forecasts --------------------------------------------------------------------------------------------------
@area_required("weather")
def forecast_compare(request):
    """Forecast against measured AQI per unit and day for a date range (default: the last 14 days to the next 3)."""
    form = ForecastRangeForm(request.GET or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    start = data.get("start") or today - dt.timedelta(days=14)
    end = data.get("end") or today + dt.timedelta(days=3)
    if start > end or (end - start).days > 92:
        start, end = today - dt.timedelta(days=14), today + dt.timedelta(days=3)
    rows = sel.forecast_vs_measured(start=start, end=end, unit_id=data.get("unit"))
    verdicts = {"inside": _("在预报范围内"), "above": _("高于预报"), "below": _("低于预报"), "": ""}
    if wants_export(request):
        headers = [_("日期"), _("单位"), _("预报 AQI 下限"), _("预报 AQI 上限"), _("首要污染物"), _("预报等级"),
                   _("实测 AQI"), _("实测类别"), _("对比")]  # fmt: skip
        out = [
            [r["date"], r["unit_name"], r["forecast"].aqi_low if r["forecast"] else None,
             r["forecast"].aqi_high if r["forecast"] else None,
             r["forecast"].primary_pollutant if r["forecast"] else "", r["forecast"].level if r["forecast"] else "",
             r["aqi"], r["category"], verdicts[r["verdict"]]]
            for r in rows
        ]  # fmt: skip
        return xlsx_response(f"预报与实测-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", [(_("预报与实测"), headers, out)])
    hits = sum(1 for r in rows if r["verdict"] == "inside")
    judged = sum(1 for r in rows if r["verdict"])
    for r in rows:
        r["verdict_label"] = verdicts[r["verdict"]]
    paged = page_of(request, rows, 200)  # paged and counted, never cut (the Excel has every row)
    return render(
        request,
        "tracker/forecast_compare.html",
        {
            "form": form,
            **paged,
            "rows": paged["page"].object_list,
            "start": start,
            "end": end,
            "unit_id": data.get("unit"),
            "units": Unit.objects.filter(is_active=True).exclude(kind="department").order_by("sort_order", "code"),
            "hit_rate": round(100 * hits / judged, 1) if judged else None,
            "judged": judged,
            "levels": WarningLevel.choices,
        },
    )


@area_required("weather")
@capability_required("import_readings")
@require_http_methods(["GET", "POST"])
def forecast_upload(request):
    """Admin: import forecasts from Excel/CSV; the whole file or nothing; re-importing a unit-day replaces it."""
    errors = []
    form = ReadingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            frame = read_table(form.cleaned_data["file"], columns=FORECAST_COLUMNS, required=FORECAST_REQUIRED)
            count = air_forecasts_upsert(frame.to_dict("records"))
        except TableError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 条空气质量预报。") % {"n": count})
            return redirect("tracker:forecast_compare")
    return render(request, "tracker/forecast_upload.html", {"form": form, "errors": error_report(errors)})


@token_required("air.forecasts")
@require_POST
def api_air_forecasts(request):
    """POST {"forecasts": [{"unit": "511124", "date": "2026-01-05", "aqi_low": 150, "aqi_high": 210,
    "primary_pollutant": "PM2.5", "level": "重度污染"}]} → upsert per unit-day, all or nothing."""
    return json_batch(request, key="forecasts", upsert=air_forecasts_upsert)
