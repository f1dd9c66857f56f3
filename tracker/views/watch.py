"""监测预警 pages: the scoped warning list (paginated, Excel) and one warning: readings, response, escalation (the
form and its view are rectifications', `settings.ESCALATION_FORMS`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tracker.common.access import area_required
from tracker.common.tabular import xlsx_response

from ..choices import WarningStatus, WatchSource
from ..forms.escalation import escalation_form
from ..forms.watch import WarningFilterForm, WarningRespondForm
from ..permissions import units_for_user
from ..selectors.watch import get_warning_for_user, warning_list, warning_status_counts
from ..services.watch import may_escalate, may_respond, warning_respond

PAGE_SIZE = 50
STATUS_BADGE = {
    WarningStatus.OPEN.value: "badge-red",
    WarningStatus.RESPONDED.value: "badge-green",
    WarningStatus.ESCALATED.value: "badge-orange",
}
LEVEL_BADGE = {"yellow": "badge-yellow", "orange": "badge-orange", "red": "badge-red"}


def _export_rows(warnings):
    for w in warnings:
        yield [
            w.pk,
            w.rule.name,
            w.rule.get_level_display(),
            w.unit.name,
            w.subject_name,
            w.episode_start,
            w.fired_on,
            w.last_date,
            w.periods,
            w.peak_value,
            float(w.rule.threshold),
            w.get_status_display(),
            w.response,
        ]


EXPORT_HEADERS = [
    _l("编号"), _l("预警规则"), _l("预警级别"), _l("责任单位"), _l("站点/断面"), _l("超限开始"), _l("触发日期"),
    _l("最近超限"), _l("连续超限期数"), _l("峰值"), _l("阈值"), _l("状态"), _l("处置情况"),
]  # fmt: skip


@area_required("watch")
def warning_list_view(request):
    form = WarningFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = warning_list(
        user=request.user,
        status=filters.get("status") or None,
        source=filters.get("source") or None,
        level=filters.get("level") or None,
        unit_id=filters.get("unit"),
    )
    today = timezone.localdate()
    if request.GET.get("export") == "xlsx":
        headers = [str(h) for h in EXPORT_HEADERS]
        return xlsx_response(f"监测预警-{today:%Y%m%d}.xlsx", [(_("监测预警"), headers, _export_rows(qs))])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for w in page:
        w.status_badge = STATUS_BADGE[w.status]
        w.level_badge = LEVEL_BADGE.get(w.rule.level, "")
    query = request.GET.copy()
    query.pop("page", None)
    counts = warning_status_counts(warning_list(user=request.user))
    return render(
        request,
        "tracker/warning_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "export_query": query.urlencode(),
            "counts": [(label, counts[value], STATUS_BADGE[value], value) for value, label in WarningStatus.choices],
            "units": units_for_user(request.user, "view").filter(is_active=True),
            "sources": WatchSource.choices,
            "levels": form.fields["level"].choices[1:],
            "statuses": WarningStatus.choices,
        },
    )


@area_required("watch")
def warning_detail(request, pk: int):
    warning = get_warning_for_user(request.user, pk)
    can_respond = warning.is_open and may_respond(request.user, warning)
    escalate_form = escalation_form("warning", version=warning.version)
    can_escalate = warning.is_open and may_escalate(request.user) and escalate_form is not None
    item = getattr(warning, "rectification_item", None) if warning.status == WarningStatus.ESCALATED else None
    return render(
        request,
        "tracker/warning_detail.html",
        {
            "warning": warning,
            "rule": warning.rule,
            "readings": warning.readings.order_by("date"),
            "events": warning.events.select_related("actor").order_by("created_at", "pk"),
            "status_badge": STATUS_BADGE[warning.status],
            "level_badge": LEVEL_BADGE.get(warning.rule.level, ""),
            "can_respond": can_respond,
            "can_escalate": can_escalate,
            "respond_form": WarningRespondForm(initial={"version": warning.version}),
            "escalate_form": escalate_form,
            "item": item,
        },
    )


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)


@require_POST
@area_required("watch")
def warning_respond_view(request, pk: int):
    warning = get_warning_for_user(request.user, pk)
    if not may_respond(request.user, warning):
        raise PermissionDenied
    form = WarningRespondForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("tracker:warning_detail", pk=warning.pk)
    try:
        warning_respond(
            user=request.user,
            warning_id=warning.pk,
            expected_version=form.cleaned_data["version"],
            response=form.cleaned_data["response"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("处置情况已反馈，预警已关闭。"))
    return redirect("tracker:warning_detail", pk=warning.pk)
