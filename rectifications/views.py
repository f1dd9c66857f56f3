"""Pages of 问题整改. Thin: parse, call a service or selector, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker.common.access import area_required, capability_required, has_cap
from tracker.common.ledger import wants_export
from tracker.common.tabular import TableError
from tracker.common.uploads import file_response
from tracker.common.workflow import Stale
from tracker.pdf import PdfUnavailable
from tracker.permissions import can_act_for_unit, is_unit_scoped, units_for_user

from . import documents, selectors, services, special
from .choices import Actor, Status
from .dossier import dossier_zip
from .forms import (
    ActionForm,
    DirectiveDoneForm,
    FindingForm,
    ImportForm,
    LedgerFilterForm,
    NoticeFilterForm,
    PeriodForm,
    ProgressForm,
    ReviewCheckForm,
    ReviewPlanForm,
    SpecialInspectionForm,
)
from .models import Directive, Evidence, InspectionTarget, ReviewCheck
from .permissions import get_item_for_user
from .tables import BulletinItemTable, BulletinUnitTable, ItemTable, NoticeTable


@area_required("rectifications")
def index(request):
    """The ledger (台账): filters, counts, a page of items; `?export=xlsx` downloads all filtered rows."""
    form = LedgerFilterForm(request.GET or None, units=units_for_user(request.user, "view"))
    items = selectors.item_ledger(user=request.user, filters=form.filters() if form.is_bound else {})
    table = ItemTable(items, request)
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "rectifications/item_list.html",
        {
            "form": form,
            "table": table,
            "counts": selectors.ledger_counts(items),
            "unread_notices": selectors.notices_for_user(user=request.user).filter(read_at__isnull=True).count(),
        },
    )


@area_required("rectifications")
def item_detail(request, pk: int):
    item = get_item_for_user(request.user, pk, "view")
    detail = selectors.item_detail(item=item)
    actions = services.allowed_actions(request.user, item)
    return render(
        request,
        "rectifications/item_detail.html",
        {
            "item": item,
            **detail,
            "actions": actions,
            "can_report": item.status != Status.CLOSED and services.may_act(request.user, item, Actor.UNIT),
            "progress_form": ProgressForm(),
        },
    )


@require_POST
@area_required("rectifications")
def item_act(request, pk: int):
    item = get_item_for_user(request.user, pk, "view")
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("提交的内容不完整，请刷新后重试。"))
        return redirect("rectifications:detail", pk=item.pk)
    try:
        services.rectification_item_act(
            item=item,
            user=request.user,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"] or "",
            files=form.cleaned_data["files"],
            expected_version=form.cleaned_data["version"],  # what the person saw: a stale page loses
        )
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _action_done(form.cleaned_data["action"], form.cleaned_data["comment"] or ""))
    return redirect("rectifications:detail", pk=item.pk)


def _action_done(action: str, comment: str) -> str:
    """A flash message that says what happened, not just 已保存."""
    done = {
        "start": _("已开始整改。"),
        "request_close": _("已申请销号，等待核验。"),
        "close": _("已销号。"),
        "reject": _("已退回整改：%(c)s"),
        "rebound": _("已标记反弹：%(c)s"),
        "restart": _("已重新开始整改。"),
        "verify": _("牵头部门已核验。"),
    }.get(action)
    return (done % {"c": comment} if "%(c)s" in str(done) else str(done)) if done else _("已保存。")


@require_POST
@area_required("rectifications")
def item_report(request, pk: int):
    item = get_item_for_user(request.user, pk, "report")
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_report_create(
                item=item,
                user=request.user,
                text=form.cleaned_data["text"],
                progress=form.cleaned_data["progress"],
                files=form.cleaned_data["files"],
            )
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("整改进展已报送。"))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("rectifications:detail", pk=item.pk)


@area_required("rectifications")
def evidence_download(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.only("pk", "item_id", "file", "original_name", "mime"), pk=pk)
    get_item_for_user(request.user, evidence.item_id, "view")  # 404 for whoever may not see the item
    return file_response(evidence.file, evidence.original_name, evidence.mime)


@area_required("rectifications")
def item_dossier(request, pk: int):
    item = get_item_for_user(request.user, pk, "view")
    if item.status != Status.CLOSED:
        raise Http404
    response = HttpResponse(dossier_zip(item=item), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"一案一档-{item.code}.zip")
    return response


@area_required("rectifications")
@capability_required("read_city_wide")
def queue(request):
    """Closing requests, oldest first: the inspector's worklist (leaders and admins may read it)."""
    items = list(selectors.closing_queue(user=request.user))
    return render(request, "rectifications/queue.html", {"items": items})


@area_required("rectifications")
@capability_required("import_items")
def import_items(request):
    errors = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inspection, count = services.rectification_items_import(
                user=request.user, kind=d["kind"], name=d["name"], date=d["date"], upload=d["file"]
            )
        except TableError as exc:
            errors = exc.errors
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已导入 %(n)d 个问题（%(b)s）。") % {"n": count, "b": inspection.name})
            return redirect(f"{reverse('rectifications:index')}?inspection={inspection.pk}")
    return render(
        request,
        "rectifications/import.html",
        {"form": form, "errors": errors, "columns": services.IMPORT_COLUMNS, "required": services.IMPORT_REQUIRED},
    )


@capability_required("import_items")
def import_template(request):
    """The item list template the import accepts (下载模板)."""
    from django.http import HttpResponseNotAllowed

    from tracker.imports import xlsx_download

    from .import_templates import items_template

    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return xlsx_download(items_template(), "问题清单导入模板.xlsx")


@area_required("rectifications")
def notices(request):
    """预警通知, every one in reach, paged; filter by level, unit and unsigned; `?export=xlsx`."""
    form = NoticeFilterForm(request.GET or None, units=units_for_user(request.user, "view"))
    notices = form.apply(selectors.notices_for_user(user=request.user))
    acting_units = set(units_for_user(request.user, "report").values_list("pk", flat=True))
    table = NoticeTable(notices, request, acting_units=acting_units, can_issue=has_cap(request.user, "issue_documents"))
    if wants_export(request):
        return table.export_response()
    return render(request, "rectifications/notices.html", {"form": form, "table": table})


@require_POST
@area_required("rectifications")
def notice_read(request, pk: int):
    notice = get_object_or_404(selectors.notices_for_user(user=request.user), pk=pk)
    try:
        services.notice_mark_read(notice=notice, user=request.user)
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("已签收。"))
    return redirect("rectifications:notices")


@area_required("rectifications")
@capability_required("read_city_wide")
def bulletin(request):
    """通报: per unit, closure rate and the overdue / rebounded / newly closed counts; then 见人见事, the items by
    unit, person and deadline — both paged and sorted in SQL; `?export=xlsx` writes both sheets in full."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": today.replace(day=1), "end": today})
    units_table = items_table = None
    sections: list = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        units_table = BulletinUnitTable(selectors.bulletin_units(start=start, end=end), request)
        items_table = BulletinItemTable(
            selectors.bulletin_items(
                start=start, end=end, unit_id=form.cleaned_data.get("unit"), category=form.cleaned_data.get("category")
            ),
            request,
        )
        if wants_export(request):
            return units_table.export_response(
                filename=f"整改通报-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", extra_sheets=[items_table.export_sheet()]
            )
        sections = selectors.bulletin_sections(start=start, end=end, user=request.user)
    return render(
        request,
        "rectifications/bulletin.html",
        {"form": form, "units_table": units_table, "table": items_table, "sections": sections},
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_UNAVAILABLE = _("本服务器暂不能生成 PDF（未安装 Chromium），请下载 Word 版本。")


def _docx_response(filename: str, content: bytes) -> HttpResponse:
    """The document as a download: Word, or PDF when the file name says so."""
    response = HttpResponse(content, content_type="application/pdf" if filename.endswith(".pdf") else DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@area_required("rectifications")
def notice_document(request, pk: int):
    """A notice as a Word document (公文). POST (city offices) numbers it on first use and downloads it; GET
    downloads a numbered notice for anyone who sees the notice (the addressed unit keeps its copy)."""
    notice = get_object_or_404(selectors.notices_for_user(user=request.user), pk=pk)
    if request.method == "POST":
        if not has_cap(request.user, "issue_documents"):
            raise PermissionDenied
    elif not hasattr(notice, "document_number"):
        raise Http404(_("该通知尚未发文。"))
    fmt = "pdf" if (request.POST.get("format") or request.GET.get("format")) == "pdf" else "docx"
    try:
        filename, content = documents.notice_document(notice=notice, user=request.user, fmt=fmt)
    except PdfUnavailable:
        messages.error(request, PDF_UNAVAILABLE)
        return redirect("rectifications:notices")
    return _docx_response(filename, content)


@require_POST
@capability_required("issue_documents")
def bulletin_document(request):
    """The bulletin (通报) of a period as a Word document with its 文号 (numbered once per period)."""
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的通报起止日期。"))
        return redirect("rectifications:bulletin")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.bulletin(start=start, end=end)
    try:
        filename, content = documents.bulletin_document(
            rows=rows,
            start=start,
            end=end,
            user=request.user,
            sections=selectors.bulletin_sections(start=start, end=end),  # the whole document, whoever downloads it
            fmt="pdf" if request.POST.get("format") == "pdf" else "docx",
        )
    except PdfUnavailable:
        messages.error(request, PDF_UNAVAILABLE)
        return redirect(f"{reverse('rectifications:bulletin')}?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}")
    return _docx_response(filename, content)


# --- 回头看 plans -----------------------------------------------------------------------------------------------


@capability_required("read_city_wide")
def review_plans(request):
    """回头看 plans with their progress; an inspector draws up a new one here."""
    can_plan = has_cap(request.user, "close_items")
    form = ReviewPlanForm(request.POST or None)
    if request.method == "POST":
        if not can_plan:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.review_plan_create(
                    user=request.user,
                    name=d["name"],
                    closed_before=d["closed_before"],
                    due=d["due"],
                    rule=d["rule"],
                    sample_percent=d["sample_percent"],
                    inspection_id=d["inspection"].pk if d["inspection"] else None,
                )
            except services.WorkflowError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已制定回头看计划，共 %(n)d 个问题待复查。") % {"n": plan.checks.count()})
                return redirect("rectifications:review_plan", pk=plan.pk)
    plans = list(selectors.review_plan_list())
    return render(request, "rectifications/review_plans.html", {"plans": plans, "form": form, "can_plan": can_plan})


@require_GET
@capability_required("read_city_wide")
def review_plan(request, pk: int):
    plan = get_object_or_404(selectors.review_plan_list(), pk=pk)
    return render(
        request,
        "rectifications/review_plan_detail.html",
        {
            "plan": plan,
            "checks": list(selectors.review_plan_checks(plan)),
            "can_record": has_cap(request.user, "close_items"),
            "form": ReviewCheckForm(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@capability_required("close_items")
def review_check(request, pk: int):
    """An inspector records one re-check (passed, or rebound: the item goes back to 反弹)."""
    check = get_object_or_404(ReviewCheck.objects.select_related("plan"), pk=pk)
    form = ReviewCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择复查结果。"))
    else:
        try:
            services.review_check_record(
                check=check, user=request.user, result=form.cleaned_data["result"], note=form.cleaned_data["note"]
            )
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已记录复查结果。"))
    return redirect("rectifications:review_plan", pk=check.plan_id)


# --- special inspections (专项督查) of projects and tasks --------------------------------------------------------


@area_required("rectifications")
def special_list(request):
    """Special inspection rounds; inspectors and admins draw up a new one over chosen projects and tasks."""
    can_plan = has_cap(request.user, "import_items")
    if request.method == "POST" and not can_plan:
        raise PermissionDenied
    form = None
    if can_plan:
        project_choices, measure_choices = special.target_choices(user=request.user, today=timezone.localdate())
        form = SpecialInspectionForm(
            request.POST or None,
            project_choices=project_choices,
            measure_choices=measure_choices,
            initial={"date": timezone.localdate()},
        )
        if not project_choices:  # no projects for those who do not read them (inspectors)
            del form.fields["projects"]
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                inspection = special.special_inspection_create(
                    user=request.user,
                    name=d["name"],
                    date=d["date"],
                    project_ids=d.get("projects") or [],
                    measure_ids=d["measures"],
                    reason=d["reason"],
                )
            except (services.WorkflowError, ValidationError) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    messages.error(request, message)
            else:
                messages.success(request, _("已组织专项督查“%(n)s”。") % {"n": inspection.name})
                return redirect("rectifications:special_detail", pk=inspection.pk)
    rounds = special.special_inspections(user=request.user)
    return render(request, "rectifications/special_list.html", {"rounds": rounds, "form": form, "can_plan": can_plan})


@area_required("rectifications")
def special_detail(request, pk: int):
    """One round: each target (project or task) with the items and directives it produced; inspectors add
    findings here, the unit's official reports a directive done."""
    inspection = get_object_or_404(special.special_inspections(user=request.user), pk=pk)
    can_record = has_cap(request.user, "import_items")
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        form = FindingForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请完整填写问题描述、责任人和时限。"))
        else:
            d = form.cleaned_data
            target = get_object_or_404(InspectionTarget.objects.filter(inspection=inspection), pk=d["target"])
            try:
                found = special.special_finding_record(
                    user=request.user,
                    target=target,
                    kind=d["kind"],
                    description=d["description"],
                    responsible_person=d["responsible_person"],
                    deadline=d["deadline"],
                    area=d["area"],
                    place=d["place"],
                )
            except (services.WorkflowError, ValidationError) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    messages.error(request, message)
            else:
                messages.success(request, _("已登记：%(f)s") % {"f": found})
        return redirect("rectifications:special_detail", pk=inspection.pk)
    targets = special.special_targets(inspection=inspection, user=request.user)
    return render(
        request,
        "rectifications/special_detail.html",
        {
            "inspection": inspection,
            "targets": targets,
            "can_record": can_record,
            "finding_form": FindingForm(initial={"deadline": timezone.localdate()}) if can_record else None,
            "today": timezone.localdate(),
        },
    )


@require_POST
@area_required("rectifications")
def directive_done(request, pk: int):
    """The unit's official reports a directive (督办事项) done."""
    directive = get_object_or_404(Directive.objects.restrict(request.user, "view").select_related("target"), pk=pk)
    if not (is_unit_scoped(request.user) and can_act_for_unit(request.user, directive.unit_id, "report")):
        raise PermissionDenied
    form = DirectiveDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写办理情况。"))
    else:
        try:
            special.directive_complete(
                user=request.user,
                directive=directive,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except (services.WorkflowError, ValidationError, Stale) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(request, _("督办事项已报结。"))
    return redirect("rectifications:special_detail", pk=directive.target.inspection_id)
