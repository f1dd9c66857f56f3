"""Project and fund pages. Views are thin: scope through `projects.permissions`, call a selector or service."""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.common.access import area_required, capability_required
from tracker.common.ledger import page_of, to_wan, wants_export
from tracker.common.tabular import xlsx_response
from tracker.common.uploads import file_response
from tracker.permissions import can_act_for_unit, is_unit_scoped, units_for_user

from . import charts, pilots, selectors, services
from .choices import Stage
from .forms import (
    FundFilterForm,
    LedgerFilterForm,
    MilestoneDoneForm,
    MilestonePlanForm,
    PaymentFilterForm,
    PaymentForm,
    ProgressForm,
    RankingFilterForm,
    ReversalForm,
    StageForm,
)
from .models import Fund, Payment, Pilot, PilotMilestone, ProgressPhoto
from .permissions import get_project_for_user, projects_for_user
from .tables import FundTable, PaymentTable, ProjectTable

LIST_PAGE = 50  # units per page of the overview's ranking and stalled lists
CHART_ENDS = 15  # the ranking chart shows the first and the last 15 ranked units when there are more than 30


def _ranking(request, today, funds: pd.DataFrame | None = None) -> tuple[RankingFilterForm, object]:
    """The unit ranking for the funds chosen in the query string (shared by the page and its export); cached when
    the caller passes every fund's row (`selectors.unit_execution_of`)."""
    old_year = selectors.old_funds_before_year(today)
    years = Fund.objects.order_by("-year").values_list("year", flat=True).distinct()
    form = RankingFilterForm(request.GET or None, years=years, old_year=old_year)
    f = form.cleaned_data if form.is_valid() else {}
    filters = {
        "year": f.get("year"),
        "before_year": old_year if f.get("old") else None,
        "level": f.get("level") or None,
        "area": f.get("area") or None,
    }
    if funds is None:
        return form, selectors.unit_execution(**filters)
    return form, selectors.unit_execution_of(funds, **filters)


@area_required("projects")
def index(request):
    """Funds with execution bars, the city's rate against the target, unit ranking, reserve by stage, stalled."""
    today = timezone.localdate()
    old_year = selectors.old_funds_before_year(today)
    funds = selectors.fund_execution()
    ranking_form, ranking = _ranking(request, today, funds)
    reserve = selectors.reserve_by_stage(user=request.user)
    # the whole country has 2,844 units: both unit lists are paged (the Excel has the whole ranking), and the
    # chart shows the first and the last CHART_ENDS ranked units, not 2,844 bars
    ranked = ranking[ranking["rank"].notna()] if len(ranking) else ranking
    chart_frame = (
        pd.concat([ranked.head(CHART_ENDS), ranked.tail(CHART_ENDS)]) if len(ranked) > 2 * CHART_ENDS else ranked
    )
    # the units with stalled projects, most first, paged; the first names only for the page's units
    stalled = page_of(
        request, selectors.stalled_counts_by_unit(user=request.user, as_of=today), LIST_PAGE, "spage", "stalled"
    )
    named = selectors.stalled_names(
        user=request.user, as_of=today, unit_ids=[r["unit_id"] for r in stalled["page"].object_list]
    )
    for row in stalled["page"].object_list:
        row["projects"] = named[row["unit_id"]]
    context = {
        "funds": funds.to_dict("records"),
        # the year table and the two city figures are sums of the funds' rows: read once, summed three ways
        "by_year": selectors.execution_by_year(funds).to_dict("records"),
        "old": selectors.city_execution(
            before_year=old_year, label=_("%(y)d年以前中央和省级资金") % {"y": old_year}, funds=funds
        ),
        "all_cp": selectors.city_execution(label=_("全部中央和省级资金"), funds=funds),
        "ranking_paged": page_of(request, ranking.to_dict("records"), LIST_PAGE, param="rpage", anchor="ranking"),
        "ranking_form": ranking_form,
        "ranking_query": request.GET.urlencode(),
        "ranking_chart_ends": CHART_ENDS if len(ranked) > 2 * CHART_ENDS else 0,
        "reserve": reserve.to_dict("records"),
        "stalled_paged": stalled,
        "ranking_chart": charts.unit_ranking_chart(chart_frame, target=float(settings.PROJECTS_EXECUTION_TARGET))
        if len(chart_frame)
        else None,
        "reserve_chart": charts.reserve_chart(reserve),
        "old_year": old_year,
        "stall_days": settings.PROJECTS_STALL_DAYS,
        "stall_tolerance": settings.PROJECTS_BEHIND_TOLERANCE,
        "today": today,
    }
    return render(request, "projects/index.html", context)


@area_required("projects")
def ranking_export(request):
    """The unit ranking as Excel — the same frame as the index page."""
    _form, ranking = _ranking(request, timezone.localdate())
    rows = [
        (
            r["rank"] if r["rank"] is not None else "",
            r["unit"],
            r["projects"],
            to_wan(r["allocated"]),
            to_wan(r["paid"]),
            r["rate"],
        )
        for r in ranking.to_dict("records")
    ]
    headers = [
        _("排名"),
        _("责任单位"),
        _("资金项目数"),
        _("下达资金（万元）"),
        _("已支付（万元）"),
        _("预算执行率（%）"),
    ]
    formats = [None, None, "#,##0", "#,##0.00", "#,##0.00", "0.00"]
    return xlsx_response(_("预算执行率排名.xlsx"), [(_("执行率排名"), headers, rows, formats)])


@area_required("projects")
def project_list(request):
    """The project ledger with filters (unit, fund, stage, stalled), sorted and paged in SQL; `?export=xlsx`."""
    today = timezone.localdate()
    form = LedgerFilterForm(request.GET or None, units=units_for_user(request.user, "view"), funds=Fund.objects.all())
    filters = form.cleaned_data if form.is_valid() else {}
    projects = selectors.ledger_queryset(
        user=request.user,
        as_of=today,
        unit_id=filters.get("unit"),
        fund_id=filters.get("fund"),
        stage=filters.get("stage") or None,
        stalled=bool(filters.get("stalled")),
        search=filters.get("q") or "",
        year=filters.get("year"),
    )
    table = ProjectTable(selectors.ledger_rows(projects, as_of=today), request, as_of=today)
    if wants_export(request):
        return table.export_response()
    totals = selectors.ledger_totals(projects, as_of=today, stalled_only=bool(filters.get("stalled")))
    return render(request, "projects/project_list.html", {"form": form, "table": table, "totals": totals})


@area_required("projects")
def fund_list(request):
    """专项资金台账: every fund with what reached projects and what was paid, sorted and paged in SQL."""
    years = Fund.objects.order_by("-year").values_list("year", flat=True).distinct()
    form = FundFilterForm(request.GET or None, years=years)
    f = form.cleaned_data if form.is_valid() else {}
    funds = selectors.fund_ledger(year=f.get("year"), level=f.get("level") or None, area=f.get("area") or None)
    table = FundTable(funds, request)
    if wants_export(request):
        return table.export_response()
    return render(request, "projects/fund_list.html", {"form": form, "table": table})


@area_required("projects")
def payment_list(request):
    """资金支付台账: the payments and reversals on the projects this person may see, newest first."""
    form = PaymentFilterForm(request.GET or None, units=units_for_user(request.user, "view"), funds=Fund.objects.all())
    f = form.cleaned_data if form.is_valid() else {}
    payments = selectors.payment_ledger(
        user=request.user,
        unit_id=f.get("unit"),
        fund_id=f.get("fund"),
        start=f.get("start"),
        end=f.get("end"),
        search=f.get("q") or "",
    )
    table = PaymentTable(payments, request)
    if wants_export(request):
        return table.export_response()
    totals = selectors.payment_totals(payments)
    return render(request, "projects/payment_list.html", {"form": form, "table": table, "totals": totals})


@area_required("projects")
def project_detail(request, pk: int):
    """A project: figures, payment history (with reversals), stage history, progress timeline; forms for its unit."""
    project = get_project_for_user(request.user, pk, "view")
    row = selectors.project_frame(projects_for_user(request.user).filter(pk=project.pk), as_of=timezone.localdate())
    can_report = is_unit_scoped(request.user) and can_act_for_unit(request.user, project.unit_id, "report")
    context = {
        "project": project,
        "row": row.to_dict("records")[0],
        "payments": selectors.project_payments(project),
        "stage_changes": project.stage_changes.select_related("changed_by"),
        "reports": project.progress_reports.select_related("reported_by")
        .prefetch_related("photos")
        .order_by("-reported_on", "-pk"),
        "can_report": can_report,
        "milestones": selectors.milestone_plan(project, as_of=timezone.localdate()),
    }
    if can_report:
        today = timezone.localdate()
        context.update(
            milestone_form=MilestonePlanForm(
                stages=services.MILESTONE_STAGES,
                initial={m.stage: m.planned_on for m in project.milestones.all()},
            ),
            payment_form=PaymentForm(initial={"paid_on": today}),
            reversal_form=ReversalForm(),
            stage_form=StageForm(current=project.stage, initial={"version": project.version}),
            progress_form=ProgressForm(initial={"reported_on": today, "progress": project.progress}),
        )
    return render(request, "projects/project_detail.html", context)


def _errors(request, exc: ValidationError | None = None, form=None) -> None:
    if exc is not None:
        for message in exc.messages:
            messages.error(request, message)
    if form is not None:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errs:
                messages.error(request, f"{label}：{e}" if label else e)


@require_POST
@area_required("projects")
def payment_create(request, pk: int):
    project = get_project_for_user(request.user, pk, "report")
    form = PaymentForm(request.POST)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:project_detail", pk=project.pk)
    try:
        payment = services.payment_record(project=project, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("已登记支付 %(a)s 元（凭证号 %(v)s）。") % {"a": f"{payment.amount:,.2f}", "v": payment.voucher_no},
        )
    return redirect("projects:project_detail", pk=project.pk)


@require_POST
@area_required("projects")
def payment_reverse(request, pk: int, payment_pk: int):
    project = get_project_for_user(request.user, pk, "report")
    try:
        payment = project.payments.get(pk=payment_pk)
    except Payment.DoesNotExist as exc:
        raise Http404 from exc
    form = ReversalForm(request.POST)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:project_detail", pk=project.pk)
    try:
        reversal = services.payment_reverse(
            payment=payment, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"], user=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已冲销 %(a)s 元。") % {"a": f"{-reversal.amount:,.2f}"})
    return redirect("projects:project_detail", pk=project.pk)


@require_POST
@area_required("projects")
def stage_change(request, pk: int):
    project = get_project_for_user(request.user, pk, "report")
    form = StageForm(request.POST, current=project.stage)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:project_detail", pk=project.pk)
    try:
        project = services.project_change_stage(
            project=project,
            to_stage=form.cleaned_data["to_stage"],
            reason=form.cleaned_data["reason"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("项目阶段已变更为「%(s)s」。") % {"s": Stage(project.stage).label})
    return redirect("projects:project_detail", pk=project.pk)


@require_POST
@area_required("projects")
def milestones_set(request, pk: int):
    """Save the project's milestone plan (倒排工期) — the project's own unit."""
    project = get_project_for_user(request.user, pk, "report")
    form = MilestonePlanForm(request.POST, stages=services.MILESTONE_STAGES)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:project_detail", pk=project.pk)
    try:
        rows = services.project_milestones_set(project=project, plan=form.plan(), user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("节点计划已保存（%(n)d 个节点）。") % {"n": len(rows)})
    return redirect("projects:project_detail", pk=project.pk)


@require_POST
@area_required("projects")
def progress_create(request, pk: int):
    project = get_project_for_user(request.user, pk, "report")
    form = ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:project_detail", pk=project.pk)
    data = form.cleaned_data
    try:
        services.progress_report_submit(
            project=project,
            reported_on=data["reported_on"],
            progress=data["progress"],
            note=data["note"],
            user=request.user,
            files=[data["photo"]] if data.get("photo") else [],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("进展已报送。"))
    return redirect("projects:project_detail", pk=project.pk)


@area_required("projects")
def photo_download(request, pk: int, photo_pk: int):
    project = get_project_for_user(request.user, pk, "view")
    try:
        photo = ProgressPhoto.objects.get(pk=photo_pk, report__project=project)
    except ProgressPhoto.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(photo.file, photo.original_name, photo.content_type)


# --- pilots (试点示范) --------------------------------------------------------------------------------------


@area_required("projects")
def pilot_list(request):
    """The portfolio: every pilot with its level, lead unit, milestone progress, next milestone and money."""
    today = timezone.localdate()
    rows = pilots.pilot_portfolio(today=today)
    return render(request, "projects/pilot_list.html", {"rows": rows, "today": today})


@area_required("projects")
def pilot_detail(request, pk: int):
    """One pilot: goal, milestones (the lead unit records them done), projects and funds behind it."""
    today = timezone.localdate()
    rows = pilots.pilot_portfolio(today=today, pilots=Pilot.objects.filter(pk=pk))
    if not rows:
        raise Http404
    row = rows[0]
    can_record = can_act_for_unit(request.user, row.pilot.lead_unit_id)
    return render(
        request,
        "projects/pilot_detail.html",
        {
            "row": row,
            "pilot": row.pilot,
            "milestones": pilots.pilot_milestones(row.pilot),
            "funds": row.pilot.funds.all(),
            "can_record": can_record,
            "form": MilestoneDoneForm(initial={"done_on": today}) if can_record else None,
            "today": today,
        },
    )


@require_POST
@area_required("projects")
def pilot_milestone_done(request, pk: int, milestone_pk: int):
    milestone = PilotMilestone.objects.select_related("pilot").filter(pilot_id=pk, pk=milestone_pk).first()
    if milestone is None:
        raise Http404
    if not can_act_for_unit(request.user, milestone.pilot.lead_unit_id):
        raise PermissionDenied
    form = MilestoneDoneForm(request.POST)
    if not form.is_valid():
        _errors(request, form=form)
        return redirect("projects:pilot_detail", pk=pk)
    try:
        pilots.pilot_milestone_done(
            milestone=milestone, done_on=form.cleaned_data["done_on"], evidence=form.cleaned_data["evidence"],
            user=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已记录节点完成：%(name)s。") % {"name": milestone.name})
    return redirect("projects:pilot_detail", pk=pk)


# --- bulk imports (projects.imports over tracker.imports) -------------------------------------------------
@capability_required("allocate_funds")
def project_import(request):
    from tracker.imports import import_page

    from .imports import ProjectImporter

    return import_page(
        request,
        ProjectImporter(),
        template_url=reverse("projects:project_template"),
        done_url=reverse("projects:project_list"),
        back_url=reverse("projects:project_list"),
        back_label=_("项目台账"),
    )


@capability_required("allocate_funds")
def project_template(request):
    from tracker.imports import template_download

    from .imports import ProjectImporter

    return template_download(request, ProjectImporter())


@capability_required("allocate_funds")
def fund_import(request):
    from tracker.imports import import_page

    from .imports import FundImporter

    return import_page(
        request,
        FundImporter(),
        template_url=reverse("projects:fund_template"),
        done_url=reverse("projects:fund_list"),
        back_url=reverse("projects:fund_list"),
        back_label=_("专项资金"),
    )


@capability_required("allocate_funds")
def fund_template(request):
    from tracker.imports import template_download

    from .imports import FundImporter

    return template_download(request, FundImporter())
