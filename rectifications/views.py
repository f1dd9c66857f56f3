"""Pages of 问题整改. Thin: parse, call a service or selector, message, redirect."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.navigation import area_required
from tracker.choices import Role
from tracker.ledger import wants_export
from tracker.permissions import units_for_user, user_role
from tracker.tabular import TableError, xlsx_response
from tracker.uploads import file_response

from . import documents, selectors, services
from .choices import Actor, Status
from .dossier import dossier_zip
from .forms import ActionForm, ImportForm, LedgerFilterForm, NoticeFilterForm, PeriodForm, ProgressForm
from .models import Evidence
from .permissions import can_import, get_item_for_user
from .tables import ItemTable, NoticeTable


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
            "can_import": can_import(request.user),
            "unread_notices": selectors.notices_for_user(user=request.user).filter(read_at__isnull=True).count(),
            "is_inspector": user_role(request.user) in (Role.INSPECTOR, Role.ADMIN, Role.LEADER),
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
    item.version = form.cleaned_data["version"]  # what the person saw: a stale page loses
    try:
        services.rectification_item_act(
            item=item,
            user=request.user,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"] or "",
            files=form.cleaned_data["files"],
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
    evidence = get_object_or_404(Evidence.objects.only("pk", "item_id", "file", "original_name"), pk=pk)
    get_item_for_user(request.user, evidence.item_id, "view")  # 404 for whoever may not see the item
    return file_response(evidence.file, evidence.original_name)


@area_required("rectifications")
def item_dossier(request, pk: int):
    item = get_item_for_user(request.user, pk, "view")
    if item.status != Status.CLOSED:
        raise Http404
    response = HttpResponse(dossier_zip(item=item), content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'一案一档-{item.code}.zip')}"
    return response


@area_required("rectifications")
def queue(request):
    """Closing requests, oldest first: the inspector's worklist (leaders and admins may read it)."""
    if user_role(request.user) not in (Role.INSPECTOR, Role.LEADER, Role.ADMIN):
        raise PermissionDenied
    items = list(selectors.closing_queue(user=request.user))
    return render(request, "rectifications/queue.html", {"items": items})


@area_required("rectifications")
def import_items(request):
    if not can_import(request.user):
        raise PermissionDenied
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


@area_required("rectifications")
def notices(request):
    """预警通知, every one in reach, paged; filter by level, unit and unsigned; `?export=xlsx`."""
    form = NoticeFilterForm(request.GET or None, units=units_for_user(request.user, "view"))
    notices = form.apply(selectors.notices_for_user(user=request.user))
    acting_units = set(units_for_user(request.user, "report").values_list("pk", flat=True))
    table = NoticeTable(
        notices, request, acting_units=acting_units, can_issue=user_role(request.user) in DOCUMENT_ISSUERS
    )
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


BULLETIN_HEADERS = ["责任单位", "类别", "问题编号", "问题描述", "责任人", "整改时限", "状态", "销号日期"]


@area_required("rectifications")
def bulletin(request):
    """通报: by unit, overdue / rebounded / newly closed items with person and deadline, and closure rate."""
    if user_role(request.user) not in (Role.INSPECTOR, Role.LEADER, Role.ADMIN):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {"start": today.replace(day=1), "end": today}
    form = PeriodForm(request.GET or initial)
    rows = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = selectors.bulletin(start=start, end=end)
        if request.GET.get("export") == "xlsx":
            return xlsx_response(f"整改通报-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", _bulletin_sheets(rows))
    return render(request, "rectifications/bulletin.html", {"form": form, "rows": rows})


def _bulletin_sheets(rows) -> list:
    summary = [
        [r.unit.name, r.total, r.closed, r.closure_rate, len(r.overdue), len(r.rebounded), len(r.newly_closed)]
        for r in rows
    ]
    detail = []
    for r in rows:
        for label, items in ((_("逾期"), r.overdue), (_("反弹"), r.rebounded), (_("新销号"), r.newly_closed)):
            for it in items:
                detail.append(
                    [
                        r.unit.name,
                        label,
                        it.code,
                        it.description,
                        it.responsible_person,
                        it.deadline,
                        it.get_status_display(),
                        it.closed_on,
                    ]
                )
    return [
        ("各单位销号率", ["责任单位", "问题总数", "已销号", "销号率(%)", "逾期", "反弹", "新销号"], summary),
        ("见人见事", BULLETIN_HEADERS, detail),
    ]


DOCUMENT_ISSUERS = (Role.INSPECTOR, Role.LEADER, Role.ADMIN)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@area_required("rectifications")
def notice_document(request, pk: int):
    """A notice as a Word document (公文). POST (city offices) numbers it on first use and downloads it; GET
    downloads a numbered notice for anyone who sees the notice (the addressed unit keeps its copy)."""
    notice = get_object_or_404(selectors.notices_for_user(user=request.user), pk=pk)
    if request.method == "POST":
        if user_role(request.user) not in DOCUMENT_ISSUERS:
            raise PermissionDenied
    elif not hasattr(notice, "document_number"):
        raise Http404(_("该通知尚未发文。"))
    filename, content = documents.notice_document(notice=notice, user=request.user)
    return _docx_response(filename, content)


@require_POST
@area_required("rectifications")
def bulletin_document(request):
    """The bulletin (通报) of a period as a Word document with its 文号 (numbered once per period)."""
    if user_role(request.user) not in DOCUMENT_ISSUERS:
        raise PermissionDenied
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的通报起止日期。"))
        return redirect("rectifications:bulletin")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.bulletin(start=start, end=end)
    filename, content = documents.bulletin_document(rows=rows, start=start, end=end, user=request.user)
    return _docx_response(filename, content)
