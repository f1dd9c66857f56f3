"""Water pages: sections, outlets (一口一策 台账), drinking-water sources; the readings upload and API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tracker.common.access import area_required, capability_required
from tracker.common.api import json_batch, token_required
from tracker.common.ledger import page_of, wants_export
from tracker.common.tabular import TableError, error_report
from tracker.common.uploads import file_response

from .. import charts_water
from ..choices import OUTLET_STEP_ORDER, OutletStep, SectionLevel, SourceLevel
from ..forms.water import OutletMoveForm, ReadingUploadForm
from ..models import OutletStepChange, River
from ..permissions import can_act_for_unit, is_unit_scoped, units_for_user
from ..selectors import water as sel
from ..services.water import READING_COLUMNS, outlet_move, water_readings_import_table, water_readings_upsert
from ..standards import trophic_state_index
from ..tables import OutletTable, SectionTable

StrOrPromise = str | Promise
PARAMETER_CODES = ("do", "codmn", "cod", "bod5", "nh3n", "tp")
LIST_PAGE = 50  # rows per page of the water index's unit rankings and period assessment (the Excel has them all)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(request) -> dict:
    return {
        "rivers": River.objects.all(),
        "units": units_for_user(request.user, "view").values_list("pk", "name"),  # (pk, name) for {% options %}
    }


@area_required("water")
def water_index(request):
    """Section list: latest class coloured, compliance, YTD rate; ranking of units by compliance."""
    today = timezone.localdate()
    level = request.GET.get("level") or None
    if level not in SectionLevel.values:
        level = None
    river_id, unit_id = _int(request.GET.get("river")), _int(request.GET.get("unit"))
    sections = sel.section_queryset(user=request.user, as_of=today, river_id=river_id, level=level, unit_id=unit_id)
    ranking = sel.unit_compliance_ranking(user=request.user, as_of=today)
    assessed, cwqi_ranking = sel.section_period_assessment(
        user=request.user, year=today.year, as_of=today, river_id=river_id, unit_id=unit_id
    )
    table = SectionTable(sections, request)
    if wants_export(request):
        rank_rows = [
            (r["rank"], r["unit_name"], r["compliant"], r["total"], r["rate"]) for r in ranking.to_dict("records")
        ]
        rank_headers = [_("排名"), _("责任单位"), _("达标断面月次"), _("监测断面月次"), _("达标率（%）")]
        rank_sheet = (
            _("%(year)d年达标率排名") % {"year": today.year},
            rank_headers,
            rank_rows,
            [None, None, "#,##0", "#,##0", "0.0"],
        )
        period_headers = [_("断面编码"), _("断面名称"), _("考核级别"), _("责任单位"), _("目标类别"), _("评价月数")]
        period_headers += [_("均值水质类别"), _("是否达标"), _("定类因子"), _("超标倍数"), "CWQI"]
        period_rows = [
            (
                r["code"],
                r["name"],
                r["level_label"],
                r["unit_name"],
                r["target_label"],
                r["months"],
                r["class_label"] or _("数据不全"),
                _("达标") if r["compliant"] else _("不达标"),
                r["factors"],
                r["exceedance"],
                r["cwqi"],
            )
            for r in assessed
        ]
        cwqi_headers = [_("CWQI排名"), _("责任单位"), _("国考省考断面数"), _("优良断面数"), _("优良率（%）")]
        cwqi_headers += [_("达标断面数"), "CWQI"]
        cwqi_rows = [
            (
                None if pd.isna(r["rank"]) else int(r["rank"]),
                r["unit_name"],
                r["sections"],
                r["good"],
                r["good_rate"],
                r["compliant"],
                None if pd.isna(r["cwqi"]) else r["cwqi"],
            )
            for r in cwqi_ranking.to_dict("records")
        ]
        return table.export_response(
            extra_sheets=[
                rank_sheet,
                (_("国考省考断面期间评价"), period_headers, period_rows),
                (_("CWQI排名"), cwqi_headers, cwqi_rows),
            ]
        )
    # the whole country has 2,844 units and 2,428 national and provincial sections: the three lists below the
    # ledger are paged, each with its own page parameter, and bring the reader back to their panel
    return render(
        request,
        "tracker/water_index.html",
        {
            **_filters(request),
            "table": table,
            "summary": sel.section_summary(sections, as_of=today),
            "ranking_paged": page_of(request, ranking.to_dict("records"), LIST_PAGE, "rpage", "ranking"),
            "assessed_paged": page_of(request, assessed, LIST_PAGE, "apage", "assessed"),
            "cwqi_paged": page_of(request, cwqi_ranking.to_dict("records"), LIST_PAGE, "cpage", "cwqi"),
            "levels": SectionLevel.choices,
            "level": level,
            "river_id": river_id,
            "unit_id": unit_id,
            "year": today.year,
        },
    )


@area_required("water")
def section_detail(request, pk: int):
    section = sel.section_for_user(request.user, pk)
    today = timezone.localdate()
    end = today.replace(day=1)
    start = dt.date(end.year - 2, end.month, 1)
    frame = sel.section_readings_frame(section, start=start, end=end)
    fig = charts_water.section_class_figure(
        frame, target_class=section.target_class, title=_("%(name)s 月度水质类别（近两年）") % {"name": section.name}
    )
    readings = frame.sort_values("month", ascending=False).to_dict("records")
    water_body = section.assessed_as
    for r in readings:
        r["class_label"] = (
            charts_water.CLASS_LABELS[int(r["water_class"]) - 1]
            if r["water_class"] == r["water_class"] and r["water_class"]
            else ""
        )
        r["factors"] = sel.factors_text(r["limiting_factors"] or "")
        r["exceedance"] = sel.exceedance_text(
            {p: r[p] for p in PARAMETER_CODES}, target_rank=section.target_class, water_body=water_body
        )
        if water_body != "river":
            r["tli"] = trophic_state_index({k: r[k] for k in ("chla", "tp", "tn", "sd", "codmn")})
    return render(
        request,
        "tracker/water_section_detail.html",
        {
            "section": section,
            "readings": readings,
            "parameters": [(n, READING_COLUMNS[n][0]) for n in PARAMETER_CODES],
            "chart": fig,
            "water_body": water_body,
            "is_lake": water_body != "river",
        },
    )


@dataclass(frozen=True)
class ReadingsUpload:
    """What differs between the monthly-readings upload pages (sections, drinking-water sources): their words, the
    import service and where a good file leads. The page, the form and the error report are one (`readings_upload`)."""

    title: StrOrPromise
    heading: StrOrPromise
    lead: StrOrPromise
    tab: str
    columns_help: StrOrPromise
    done: StrOrPromise  # the success message, with %(n)d readings
    import_table: Callable[..., int]
    next_url: str
    template_url: str = ""  # the downloadable template the upload accepts (url name), where there is one


def readings_upload(request, page: ReadingsUpload):
    """An admin imports monthly readings from Excel/CSV: the whole file or nothing, every error counted."""
    errors = []
    form = ReadingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = page.import_table(upload=form.cleaned_data["file"])
        except TableError as exc:
            errors = exc.errors
        else:
            messages.success(request, page.done % {"n": count})
            return redirect(page.next_url)
    return render(request, "tracker/readings_upload.html", {"form": form, "errors": error_report(errors), "page": page})


SECTION_UPLOAD = ReadingsUpload(
    title=gettext_lazy("导入断面监测数据"),
    heading=gettext_lazy("导入断面月度监测数据"),
    lead=gettext_lazy("整个文件先逐行检查；任何一行有误则一条也不写入。同一断面同一月份再次导入会覆盖原数据。"),
    tab="upload",
    columns_help=gettext_lazy(
        "必需：断面编码、月份（如 2025-03）；"
        "监测指标（mg/L，可空）：溶解氧、高锰酸盐指数、化学需氧量、五日生化需氧量、氨氮、总磷。"
    ),
    done=gettext_lazy("已导入 %(n)d 条断面月度监测数据。"),
    import_table=water_readings_import_table,
    next_url="tracker:water_index",
    template_url="tracker:water_template",
)


@area_required("water")
@capability_required("import_readings")
@require_http_methods(["GET", "POST"])
def water_readings_upload(request):
    return readings_upload(request, SECTION_UPLOAD)


@token_required("water.readings")
@require_POST
def api_water_readings(request):
    """POST {"readings": [{"section": "...", "month": "2025-03", "do": 7.1, ...}, ...]} → upsert, all or nothing."""
    return json_batch(request, key="readings", upsert=water_readings_upsert)


# --- outlets --------------------------------------------------------------------------------------


@area_required("water")
def outlet_list(request):
    """The outlet ledger (入河排污口台账): per-unit step counts, overdue outlets highlighted, Excel export."""
    today = timezone.localdate()
    step = request.GET.get("step") or None
    if step not in OutletStep.values:
        step = None
    unit_id, river_id = _int(request.GET.get("unit")), _int(request.GET.get("river"))
    overdue_only = request.GET.get("overdue") == "1"
    outlets = sel.outlet_queryset(
        user=request.user, unit_id=unit_id, step=step, river_id=river_id, overdue_only=overdue_only, today=today
    )
    table = OutletTable(outlets, request)
    counts = sel.outlet_step_counts(user=request.user, today=today)
    if wants_export(request):
        count_rows = [(c["unit__name"], c["total"], *c["steps"], c["overdue"]) for c in counts]
        count_headers = [_("责任单位"), _("排口总数"), *[OutletStep(s).label for s in OUTLET_STEP_ORDER], _("逾期")]
        return table.export_response(extra_sheets=[(_("分单位统计"), count_headers, count_rows)])
    return render(
        request,
        "tracker/outlet_list.html",
        {
            **_filters(request),
            "table": table,
            "counts": counts,
            "steps": [(s, OutletStep(s).label) for s in OUTLET_STEP_ORDER],
            "step": step,
            "unit_id": unit_id,
            "river_id": river_id,
            "overdue_only": overdue_only,
            "overdue_total": outlets.filter(overdue_flag=True).count(),
        },
    )


@area_required("water")
@require_http_methods(["GET", "POST"])
def outlet_detail(request, pk: int):
    """An outlet with its full step history and, for its own unit's official, the move form."""
    outlet = sel.outlet_for_user(request.user, pk, "view")
    can_move = is_unit_scoped(request.user) and can_act_for_unit(request.user, outlet.unit_id, "report")
    form = None
    if request.method == "POST":
        outlet = sel.outlet_for_user(request.user, pk, "report")  # 403 for read-only roles
        form = OutletMoveForm(request.POST, request.FILES, outlet=outlet)
        if form.is_valid():
            try:
                outlet_move(
                    user=request.user,
                    outlet_id=outlet.pk,
                    to_step=form.cleaned_data["to_step"],
                    expected_version=form.cleaned_data["version"],
                    work_date=form.cleaned_data["work_date"],
                    note=form.cleaned_data["note"],
                    reason=form.cleaned_data["reason"],
                    document=form.cleaned_data.get("document"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已更新排口环节。"))
                return redirect("tracker:outlet_detail", pk=outlet.pk)
    elif can_move:
        form = OutletMoveForm(outlet=outlet)
    return render(
        request,
        "tracker/outlet_detail.html",
        {
            "outlet": outlet,
            "overdue": outlet.is_overdue(timezone.localdate()),
            "history": sel.outlet_history(outlet),
            "steps": [(s, OutletStep(s).label) for s in OUTLET_STEP_ORDER],
            "step_index": OUTLET_STEP_ORDER.index(outlet.step),
            "form": form if can_move else None,
        },
    )


@area_required("water")
def outlet_document(request, pk: int):
    """Download a plan/evidence file: only for people who may see the outlet."""
    change = get_object_or_404(OutletStepChange.objects.only("pk", "outlet_id", "document", "document_name"), pk=pk)
    sel.outlet_for_user(request.user, change.outlet_id, "view")
    if not change.document:
        from django.http import Http404

        raise Http404
    return file_response(change.document, change.document_name or None)


@area_required("water")
def drinking_water_list(request):
    level = request.GET.get("level") or None
    if level not in SourceLevel.values:
        level = None
    unit_id = _int(request.GET.get("unit"))
    sources = list(sel.drinking_source_list(user=request.user, unit_id=unit_id, level=level))
    today = timezone.localdate()
    for s in sources:
        s.inspection_stale = s.last_inspection is None or (today - s.last_inspection).days > 90
    return render(
        request,
        "tracker/drinking_water_list.html",
        {
            **_filters(request),
            "sources": sources,
            "levels": SourceLevel.choices,
            "level": level,
            "unit_id": unit_id,
        },
    )


@area_required("water")
@capability_required("import_readings")
@require_http_methods(["GET"])
def water_template(request):
    """The water monthly readings template the upload accepts (下载模板)."""
    from ..imports import xlsx_download
    from ..upload_templates import water_readings_template

    return xlsx_download(water_readings_template(), "断面月度监测数据导入模板.xlsx")
