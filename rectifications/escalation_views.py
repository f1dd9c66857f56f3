"""转为整改问题 posted from the tracker pages (a monitoring warning's, a river patrol's): parse the form, call
`rectifications.escalation`, say what happened, and go back to the page the form was on."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.common.access import area_required, has_cap
from tracker.common.scoping import get_for_user_or_404
from tracker.models import RiverPatrol
from tracker.selectors.watch import get_warning_for_user

from .escalation import river_patrol_to_item, warning_escalate
from .forms import EscalationForm, WarningEscalateForm


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)


@require_POST
@area_required("watch")
def warning_escalate_view(request, pk: int):
    warning = get_warning_for_user(request.user, pk)  # 404 out of reach
    if not has_cap(request.user, "escalate_warnings"):
        raise PermissionDenied
    back = redirect("tracker:warning_detail", pk=warning.pk)
    form = WarningEscalateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    fields = dict(form.cleaned_data)
    try:
        _warning, item = warning_escalate(
            user=request.user, warning_id=warning.pk, expected_version=fields.pop("version"), **fields
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已转为整改问题 %(code)s。") % {"code": item.code})
    return back


@require_POST
@area_required("rivers")
def patrol_to_item_view(request, pk: int):
    patrol = get_for_user_or_404(RiverPatrol.objects.all(), pk, request.user)
    if not has_cap(request.user, "escalate_warnings"):
        raise PermissionDenied
    back = redirect("tracker:patrol_detail", pk=patrol.pk)
    form = EscalationForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    try:
        _patrol, item = river_patrol_to_item(user=request.user, patrol_id=patrol.pk, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已转为整改问题 %(code)s。") % {"code": item.code})
    return back
