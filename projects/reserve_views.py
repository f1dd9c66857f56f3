"""Pages of the units' own reserve (项目储备): officials propose, departments and admins decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.common.access import area_required
from tracker.permissions import is_unit_scoped, units_for_user

from . import reserve
from .choices import ProposalStatus
from .forms import ProposalDecisionForm, ProposalForm
from .models import Project


@area_required("projects")
def proposal_create(request):
    """An official proposes a project for their unit's reserve; their own proposals are listed with decisions."""
    if not is_unit_scoped(request.user):
        raise PermissionDenied
    units = units_for_user(request.user, "report").order_by("sort_order", "code")
    form = ProposalForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            project = reserve.project_propose(
                user=request.user,
                unit_id=d["unit"].pk,
                name=d["name"],
                investment=d["investment"],
                responsible_person=d["responsible_person"],
                responsible_id=d["responsible"].pk if d["responsible"] else None,
                planned_start=d["planned_start"],
                planned_completion=d["planned_completion"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已申报储备项目“%(name)s”，等待市级部门审核。") % {"name": project.name})
            return redirect("projects:proposal_create")
    mine = (
        Project.objects.filter(unit__in=units, proposal_status__in=ProposalStatus.values)
        .select_related("unit", "decided_by")
        .order_by("-created_at")[:50]
    )
    return render(request, "projects/proposal_form.html", {"form": form, "mine": mine})


@area_required("projects")
def proposal_queue(request):
    """Proposals waiting for a decision (departments and admins)."""
    if not reserve.can_decide_proposals(request.user):
        raise PermissionDenied
    pending = reserve.proposals_pending()[:200]
    return render(request, "projects/proposal_queue.html", {"pending": pending})


@require_POST
@area_required("projects")
def proposal_decide(request, pk: int):
    if not reserve.can_decide_proposals(request.user):
        raise PermissionDenied
    project = get_object_or_404(Project, pk=pk, proposal_status__in=ProposalStatus.values)
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容不完整，请刷新后重试。"))
        return redirect("projects:proposal_queue")
    accept = form.cleaned_data["action"] == "accept"
    note = form.cleaned_data["note"] or ""
    try:
        reserve.project_proposal_decide(
            user=request.user,
            project_id=project.pk,
            expected_version=form.cleaned_data["version"],
            accept=accept,
            note=note,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if accept:
            messages.success(request, _("已纳入储备：%(name)s") % {"name": project.name})
        else:
            messages.success(request, _("已退回储备申报：%(name)s（%(note)s）") % {"name": project.name, "note": note})
    return redirect("projects:proposal_queue")
