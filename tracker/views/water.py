"""Water pages: sections, outlets (一口一策 台账), drinking-water sources; the readings upload and API."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.navigation import area_required

from .. import charts_water
from ..api import json_error, parse_json_body, token_required
from ..choices import OUTLET_STEP_ORDER, OutletStep, Role, SectionLevel, SourceLevel
from ..forms.water import OutletMoveForm, ReadingUploadForm
from ..models import OutletStepChange, River
from ..permissions import can_act_for_unit, is_unit_scoped, role_required, units_for_user
from ..selectors import water as sel
from ..services.water import READING_COLUMNS, outlet_move, water_readings_import_table, water_readings_upsert
from ..tabular import TableError, xlsx_response
from ..uploads import file_response


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(request) -> dict:
    return {
        "rivers": River.objects.all(),
        "units": units_for_user(request.user, "view"),
    }


@area_required("water")
def water_index(request):
    """Section list: latest class coloured, compliance, YTD rate; ranking of units by compliance."""
    today = timezone.localdate()
    level = request.GET.get("level") or None
    if level not in SectionLevel.values:
        level = None
    river_id, unit_id = _int(request.GET.get("river")), _int(request.GET.get("unit"))
    sections = sel.section_list(user=request.user, as_of=today, river_id=river_id, level=level, unit_id=unit_id)
    ranking = sel.unit_compliance_ranking(user=request.user, year=today.year, as_of=today)
    if request.GET.get("format") == "xlsx":
        rows = [
            (
                s.code,
                s.name,
                s.river.name,
                s.get_level_display(),
                s.unit.name,
                s.get_target_class_display(),
                s.latest_month.strftime("%Y-%m") if s.latest_month else "",
                s.latest_class_label or "",
                "" if s.latest_compliant is None else ("达标" if s.latest_compliant else "不达标"),
                round(s.ytd_rate, 1) if s.ytd_rate is not None else None,
            )
            for s in sections
        ]
        headers = [
            "断面编码",
            "断面名称",
            "河流",
            "考核级别",
            "责任单位",
            "目标类别",
            "最新月份",
            "水质类别",
            "是否达标",
            "年内达标率(%)",
        ]
        rank_rows = [
            (r["rank"], r["unit_name"], r["compliant"], r["total"], round(r["rate"], 1))
            for r in ranking.to_dict("records")
        ]
        rank_headers = ["排名", "责任单位", "达标断面月次", "监测断面月次", "达标率(%)"]
        return xlsx_response(
            f"水质断面_{today:%Y%m%d}.xlsx",
            [("水质断面", headers, rows), (f"{today.year}年达标率排名", rank_headers, rank_rows)],
        )
    return render(
        request,
        "tracker/water_index.html",
        {
            **_filters(request),
            "sections": sections,
            "summary": sel.section_summary(sections),
            "ranking": ranking.to_dict("records"),
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
    for r in readings:
        r["class_label"] = (
            charts_water.CLASS_LABELS[int(r["water_class"]) - 1]
            if r["water_class"] == r["water_class"] and r["water_class"]
            else ""
        )
    return render(
        request,
        "tracker/water_section_detail.html",
        {
            "section": section,
            "readings": readings,
            "parameters": [(n, READING_COLUMNS[n][0]) for n in ("do", "codmn", "cod", "bod5", "nh3n", "tp")],
            "chart": fig,
        },
    )


@area_required("water")
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def water_readings_upload(request):
    """Admin: import monthly readings from Excel/CSV; the whole file or nothing."""
    errors = []
    form = ReadingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = water_readings_import_table(upload=form.cleaned_data["file"])
        except TableError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入 %(n)d 条断面月度监测数据。") % {"n": count})
            return redirect("tracker:water_index")
    return render(
        request,
        "tracker/water_upload.html",
        {"form": form, "errors": errors[:200], "error_count": len(errors), "columns": READING_COLUMNS},
    )


@token_required("water.readings")
@require_POST
def api_water_readings(request):
    """POST {"readings": [{"section": "...", "month": "2025-03", "do": 7.1, ...}, ...]} → upsert, all or nothing."""
    body, error = parse_json_body(request)
    if error:
        return error
    items = body.get("readings") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return json_error('请求体应为 {"readings": [ ... ]}，且至少包含一条。', 400)
    if not all(isinstance(i, dict) for i in items):
        return json_error("readings 中每一项都必须是对象。", 400)
    rows = [{**item, "_row": index} for index, item in enumerate(items, start=1)]
    try:
        count = water_readings_upsert(rows)
    except TableError as exc:
        return json_error(
            "数据有误，未写入任何记录。",
            400,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors[:500]],
        )
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "written": count})


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
    outlets = sel.outlet_list(
        user=request.user, unit_id=unit_id, step=step, river_id=river_id, overdue_only=overdue_only, today=today
    )
    if request.GET.get("format") == "xlsx":
        headers = ["排口编码", "排口名称", "受纳水体", "责任单位", "排口类型", "当前环节", "整治时限", "是否逾期"]
        rows = [
            (
                o.code,
                o.name,
                o.river.name,
                o.unit.name,
                o.get_outlet_type_display(),
                o.get_step_display(),
                o.deadline,
                "逾期" if o.overdue else "",
            )
            for o in outlets
        ]
        counts = sel.outlet_step_counts(user=request.user, today=today)
        count_rows = [(c["unit__name"], c["total"], *c["steps"], c["overdue"]) for c in counts]
        count_headers = ["责任单位", "排口总数", *[OutletStep(s).label for s in OUTLET_STEP_ORDER], "逾期"]
        return xlsx_response(
            f"入河排污口台账_{today:%Y%m%d}.xlsx",
            [("排口台账", headers, rows), ("分单位统计", count_headers, count_rows)],
        )
    return render(
        request,
        "tracker/outlet_list.html",
        {
            **_filters(request),
            "outlets": outlets,
            "counts": sel.outlet_step_counts(user=request.user, today=today),
            "steps": [(s, OutletStep(s).label) for s in OUTLET_STEP_ORDER],
            "step": step,
            "unit_id": unit_id,
            "river_id": river_id,
            "overdue_only": overdue_only,
            "overdue_total": sum(1 for o in outlets if o.overdue),
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
