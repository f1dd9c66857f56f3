from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker.common.access import area_required, capability_required, has_cap, user_role
from tracker.common.ledger import wants_export
from tracker.permissions import can_act_for_unit, get_unit_for_user, units_for_user
from tracker.selectors import role_counts, territorial_units, war_zone_list

from . import grid, planning, selectors, services
from .choices import READABLE_RUN_STATUSES, RunStatus, ValueStatus
from .forms import DataValueForm, PublishForm, ReturnForm
from .models import AssessmentScheme, ScoringRun
from .permissions import can_approve, can_compute, data_values_for_user
from .tables import RankingTable, TargetTable, ValueTable


@login_required
def home(request):
    """Each role lands on its own dashboard (targets.dashboards); admins also have the system status page."""
    from .dashboards.views import home_dashboard

    role = user_role(request.user)
    if role is None:
        return render(request, "targets/home_norole.html", status=403)
    if not has_cap(request.user, "view_system_status") or request.GET.get("view") != "admin":
        response = home_dashboard(request)
        if response is not None:
            return response
    if has_cap(request.user, "act_for_unit"):  # an official not yet tied to a unit
        return render(request, "targets/home_official.html", {"role": role, "unit": request.user.unit})
    context = {
        "role": role,
        "zones": war_zone_list(),
        "territorial_count": territorial_units().count(),
        "role_counts": role_counts(),
        "db_engine": connection.vendor,
        "celery_mode": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "redis",
    }
    return render(request, "targets/home_admin.html", context)


# --- ranking ---------------------------------------------------------------------------------------
def _scheme_and_run(request):
    schemes = list(selectors.scheme_list())
    scheme = None
    if request.GET.get("scheme"):
        scheme = next((s for s in schemes if str(s.pk) == request.GET["scheme"]), None)
        if scheme is None:
            raise Http404
    scheme = scheme or selectors.current_scheme()
    run = None
    if scheme and request.GET.get("run"):
        run = get_object_or_404(
            ScoringRun.objects.select_related("scheme", "publication"),
            pk=request.GET["run"] if request.GET["run"].isdigit() else 0,
            scheme=scheme,
            status__in=READABLE_RUN_STATUSES,  # a superseded run stays readable (old links keep working)
        )
    elif scheme:
        run = selectors.latest_run(scheme)
    return schemes, scheme, run


@area_required("assessment")
def index(request):
    """The ranking (排名): totals, per-item points and movement; any past run shown exactly as it was."""
    schemes, scheme, run = _scheme_and_run(request)
    context = {"schemes": schemes, "scheme": scheme, "run": run, "can_compute": can_compute(request.user)}
    if scheme:
        context["history"] = selectors.run_history(scheme)
        context["active"] = next(
            (r for r in context["history"] if r.status in (RunStatus.QUEUED, RunStatus.RUNNING)), None
        )
        context["last_failed"] = next((r for r in context["history"] if r.status == RunStatus.FAILED), None)
        context["today"] = services.default_as_of(scheme.year)
    if run:
        ranking = selectors.ranking_of(run)  # a run's stored rows, cached by the run (names versioned)
        own = set(units_for_user(request.user, "view").values_list("pk", flat=True))
        table = RankingTable(ranking, request, sheet_links=own)
        if wants_export(request):
            return _ranking_export(table, run)
        context.update(ranking)
        context["table"] = table
        context["can_publish"] = can_approve(request.user) and not hasattr(run, "publication")
        context["publish_form"] = PublishForm(initial={"title": f"{scheme.name} {run.as_of:%Y年%m月%d日} 排名通报"})
        context["own_unit_ids"] = own
    elif wants_export(request):
        raise Http404
    return render(request, "targets/ranking.html", context)


def _ranking_export(table: RankingTable, run: ScoringRun):
    return table.export_response(filename=f"{run.scheme.name}-{run.as_of:%Y%m%d}-{_('排名')}.xlsx")


@area_required("assessment")
def ranking_export(request, run_id: int):
    """A run's ranking in Excel: the same table definition (headers, rounding, order) as the page."""
    run = get_object_or_404(ScoringRun.objects.select_related("scheme"), pk=run_id, status__in=READABLE_RUN_STATUSES)
    return _ranking_export(RankingTable(selectors.ranking_of(run), request), run)


@require_POST
@area_required("assessment")
def run_request(request, scheme_id: int):
    """The recompute button (admins, leaders): queue a run, then the page polls its progress."""
    scheme = get_object_or_404(AssessmentScheme, pk=scheme_id)
    if not can_compute(request.user):
        raise PermissionDenied
    try:
        as_of = date.fromisoformat(request.POST.get("as_of", "")) if request.POST.get("as_of") else None
    except ValueError:
        as_of = None
    if as_of is not None and (as_of.year != scheme.year or as_of > timezone.localdate()):
        messages.error(request, _("计分截止日须在方案年度内且不晚于今天。"))
        return redirect(_index_url(scheme))
    run, created = services.scores_request(
        scheme=scheme, as_of=as_of or services.default_as_of(scheme.year), user=request.user
    )
    messages.success(request, _("已提交计分任务，完成后排名自动更新。") if created else _("计分任务已在排队中。"))
    return redirect(f"{_index_url(scheme)}&watch={run.pk}")


def _index_url(scheme) -> str:
    from django.urls import reverse

    return f"{reverse('targets:index')}?scheme={scheme.pk}"


@area_required("assessment")
def run_status(request, run_id: int):
    """Small JSON for the progress bar."""
    run = get_object_or_404(ScoringRun, pk=run_id)
    return JsonResponse(
        {
            "status": run.status,
            "label": run.get_status_display(),
            "progress": run.progress,
            "error": run.error[:300],
            # a run already replaced by a later one of its date is done too (its page still opens)
            "done": run.status in (RunStatus.SUCCEEDED, RunStatus.SUPERSEDED, RunStatus.FAILED),
        }
    )


@require_POST
@area_required("assessment")
def run_publish(request, run_id: int):
    form = PublishForm(request.POST)
    if not can_approve(request.user):
        raise PermissionDenied
    if form.is_valid():
        try:
            services.publication_create(user=request.user, run_id=run_id, title=form.cleaned_data["title"])
            messages.success(request, _("排名已发布并冻结；此后的数据更正将生成新的排名并注明变化。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    run = ScoringRun.objects.select_related("scheme").filter(pk=run_id).first()
    if run is None:  # replaced meanwhile: back to the assessment page, which shows the current run
        return redirect("targets:index")
    return redirect(f"{_index_url(run.scheme)}&run={run.pk}")


@area_required("assessment")
def unit_sheet(request, run_id: int, unit_id: int):
    """A unit's score sheet: each item with its explanation, and its deduction risks."""
    unit = get_unit_for_user(request.user, unit_id, "view")
    run = get_object_or_404(
        ScoringRun.objects.select_related("scheme", "publication", "replaced_by"),
        pk=run_id,
        status__in=READABLE_RUN_STATUSES,
    )
    snaps = selectors.unit_score_sheet(run, unit.pk)
    total = next((t for t in run.totals.filter(unit=unit)), None)
    risks = selectors.deduction_risks(run, [unit.pk])
    context = {"unit": unit, "run": run, "snaps": snaps, "total": total, "risks": risks.to_dict("records")}
    return render(request, "targets/unit_sheet.html", context)


# --- catalogue and targets -------------------------------------------------------------------------
@area_required("assessment")
def indicator_list(request):
    return render(request, "targets/indicator_list.html", {"indicators": selectors.indicator_catalogue()})


@area_required("assessment")
def target_list(request):
    """Targets per unit: admins set them in the admin; officials see their own, city-wide roles all."""
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else timezone.localdate().year
    units = units_for_user(request.user, "view")
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        units = units.filter(pk=unit_id)
    table = TargetTable(selectors.targets_table(units=units, year=year), request)
    if wants_export(request):
        return table.export_response(filename=f"{_('年度目标值')}-{year}.xlsx")
    context = {
        "year": year,
        "table": table,
        "units": units_for_user(request.user, "view").order_by("sort_order", "code"),
        "unit_id": unit_id,
        "is_admin": can_approve(request.user),
    }
    return render(request, "targets/target_list.html", context)


@area_required("assessment")
def target_template(request):
    """The target import template (.xlsx): Chinese headers, drop-downs, the year's current targets."""
    from django.http import HttpResponse

    from tracker.imports import xlsx_download

    from .imports import targets_template

    if not can_approve(request.user):
        raise PermissionDenied
    if request.method != "GET":
        return HttpResponse(status=405)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    return xlsx_download(targets_template(year=year), f"目标值导入模板-{year}.xlsx")


@area_required("assessment")
def target_import(request):
    """Upload → preview (nothing saved) → confirm: the previewed file, kept in the session, is validated and
    written again, all or nothing (the shared flow of `tracker.imports`)."""
    from django.http.response import HttpResponseBase

    from tracker.imports import import_flow

    from .imports import targets_import

    if not can_approve(request.user):
        raise PermissionDenied

    def saved(result):
        messages.success(
            request, _("已导入目标值：新增 %(c)d 条，更新 %(u)d 条。") % {"c": result.created, "u": result.updated}
        )
        return redirect("targets:target_list")

    outcome = import_flow(request, session_key="target_import", run=targets_import, on_saved=saved)
    if isinstance(outcome, HttpResponseBase):
        return outcome
    context = {"result": outcome, "year": timezone.localdate().year}
    return render(request, "targets/target_import.html", context)


# --- entered values --------------------------------------------------------------------------------
@area_required("assessment")
def value_list(request):
    """Entered values in reach; officials enter and submit here for their own unit."""
    year = timezone.localdate().year
    values = (
        data_values_for_user(request.user, "view")
        .filter(year=year, superseded_at__isnull=True)
        .order_by("unit__sort_order", "indicator__area", "indicator__sort_order", "-month")
    )
    status = request.GET.get("status", "")
    if status in ValueStatus.values:
        values = values.filter(status=status)
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        values = values.filter(unit_id=unit_id)
    report_unit_ids = set(units_for_user(request.user, "report").values_list("pk", flat=True))
    table = ValueTable(values.select_related("unit", "indicator"), request, report_unit_ids=report_unit_ids)
    if wants_export(request) and request.method == "GET":
        return table.export_response()
    reporting = bool(report_unit_ids)
    form = None
    if reporting:
        form = DataValueForm(request.POST or None, user=request.user)
        if request.method == "POST":
            if form.is_valid():
                d = form.cleaned_data
                try:
                    services.data_value_save(
                        user=request.user,
                        indicator=d["indicator"],
                        unit_id=d["unit"].pk,
                        year=d["year"],
                        month=d["month"],
                        value=d["value"],
                        note=d["note"],
                        verified=d["verified"],
                        reason=d["reason"],
                    )
                    messages.success(request, _("已保存为草稿，请核对后提交审核。"))
                    return redirect("targets:value_list")
                except ValidationError as exc:
                    form.add_error(None, exc)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "table": table,
        "form": form,
        "status": status,
        "statuses": ValueStatus.choices,
        "units": units_for_user(request.user, "view").order_by("sort_order", "code"),
        "unit_id": unit_id,
        "reporting": reporting,
    }
    return render(request, "targets/value_list.html", context)


@require_POST
@area_required("assessment")
def value_submit(request, pk: int):
    row = get_object_or_404(data_values_for_user(request.user, "report"), pk=pk)
    _do(request, services.data_value_submit, row, _("已提交审核。"))
    return redirect("targets:value_list")


@area_required("assessment")
@capability_required("review_values")
def value_approval(request):
    """The approval queue: admins approve or return; leaders read it."""
    values = (
        data_values_for_user(request.user, "view")
        .filter(status=ValueStatus.SUBMITTED)
        .select_related("replaces")
        .order_by("entered_at")
    )
    return render(
        request,
        "targets/value_approval.html",
        {"values": values, "can_approve": can_approve(request.user), "return_form": ReturnForm()},
    )


@require_POST
@area_required("assessment")
def value_approve(request, pk: int):
    row = get_object_or_404(data_values_for_user(request.user, "approve"), pk=pk)
    _do(request, services.data_value_approve, row, _("已审核通过，排名将自动重新计算。"))
    return redirect("targets:value_approval")


@require_POST
@area_required("assessment")
def value_return(request, pk: int):
    row = get_object_or_404(data_values_for_user(request.user, "approve"), pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回须填写原因。"))
    else:
        note = form.cleaned_data["note"]
        _do(request, services.data_value_return, row, _("已退回：%(note)s") % {"note": note}, note=note)
    return redirect("targets:value_approval")


@area_required("assessment")
def value_grid(request):
    """The data-entry grid: a unit's entered indicators × months of a year; officials save or submit it in one
    go, everybody else who sees the unit reads it."""
    today = timezone.localdate()
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else today.year
    raw_unit = request.GET.get("unit", "")
    if not raw_unit.isdigit():
        own = units_for_user(request.user, "report").order_by("sort_order", "code").first()
        first = own or units_for_user(request.user, "view").order_by("sort_order", "code").first()
        raw_unit = str(first.pk) if first else "0"
    unit = get_unit_for_user(request.user, raw_unit, "view")
    can_edit = can_act_for_unit(request.user, unit.pk, "report")
    url = f"{request.path}?unit={unit.pk}&year={year}"
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        submit = request.POST.get("action") == "submit"
        result = grid.value_grid_save(user=request.user, unit_id=unit.pk, year=year, data=request.POST, submit=submit)
        if not result.errors:
            if submit:
                messages.success(request, _("已保存 %(saved)d 个、提交 %(submitted)d 个数据待审核。") % result.__dict__)
            elif result.saved:
                messages.success(request, _("已保存 %(saved)d 个数据为草稿，请核对后提交审核。") % result.__dict__)
            else:
                messages.info(request, _("没有修改的数据。"))
            return redirect(url)
        messages.error(
            request, _("有 %(n)d 个格子未通过校验，全部未保存，请修改标红的格子。") % {"n": len(result.errors)}
        )
        rows = result.rows
    else:
        rows = grid.value_grid(unit_id=unit.pk, year=year)
    context = {
        "unit": unit,
        "year": year,
        "years": range(today.year - 2, today.year + 2),
        "units": units_for_user(request.user, "view").order_by("sort_order", "code"),
        "rows": rows,
        "months": grid.MONTHS,
        "can_edit": can_edit,
        "statuses": ValueStatus,
    }
    return render(request, "targets/value_grid.html", context)


@require_POST
@area_required("assessment")
def value_approval_bulk(request):
    """Approve or return (with one reason) every ticked value of the queue at once, all or nothing."""
    if not can_approve(request.user):
        raise PermissionDenied
    decisions = []
    for raw in request.POST.getlist("ids"):
        version = request.POST.get(f"ver-{raw}", "")
        if raw.isdigit():
            decisions.append((int(raw), int(version) if version.isdigit() else -1))
    approve = request.POST.get("action") != "return"
    try:
        n = grid.data_values_decide(
            user=request.user, decisions=decisions, approve=approve, note=request.POST.get("note", "")
        )
        if approve:
            messages.success(request, _("已审核通过 %(n)d 个数据，排名将自动重新计算。") % {"n": n})
        else:
            messages.success(
                request, _("已退回 %(n)d 个数据：%(note)s") % {"n": n, "note": request.POST["note"].strip()}
            )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("targets:value_approval")


def _do(request, service, row, ok: str, **extra) -> None:
    version = request.POST.get("version", "")
    try:
        expected = int(version) if version.isdigit() else -1
        service(user=request.user, value_id=row.pk, expected_version=expected, **extra)
        messages.success(request, ok)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))


# --- waste-free city and soil ----------------------------------------------------------------------
@area_required("wastefree")
def wastefree_index(request):
    """Waste-free city (无废城市) and soil indicators per unit: latest approved values against targets."""
    year = timezone.localdate().year
    table = selectors.wastefree_table(units=units_for_user(request.user, "view"), year=year)
    return render(request, "targets/wastefree.html", {"year": year, **table})


# --- next year (超前谋划): copy of a scheme, first-quarter (开门红) targets --------------------------------------


@require_POST
@capability_required("manage_schemes")
def scheme_copy(request, scheme_id: int):
    """Copy a scheme with its items and targets to next year for editing (admins; all or nothing)."""
    scheme = get_object_or_404(AssessmentScheme, pk=scheme_id)
    try:
        done = planning.scheme_copy_to_next_year(scheme=scheme, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{reverse('targets:index')}?scheme={scheme.pk}")
    messages.success(
        request,
        _("已复制为“%(name)s”：%(items)d 个考核项、%(targets)d 个目标值（已有 %(kept)d 个保留）。")
        % {"name": done.scheme.name, "items": done.items, "targets": done.targets, "kept": done.targets_kept},
    )
    return redirect(f"{reverse('targets:index')}?scheme={done.scheme.pk}")


@area_required("assessment")
def first_quarter(request):
    """一季度“开门红”: each first-quarter target beside the quarter's actual value, this year or next."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        raise Http404
    rows = selectors.first_quarter(user=request.user, year=year, today=today)
    context = {
        "rows": rows,
        "year": year,
        "years": [today.year - 1, today.year, today.year + 1],
        "met": sum(1 for r in rows if r.met),
        "missed": sum(1 for r in rows if r.met is False),
        "started": today >= date(year, 1, 1),
    }
    return render(request, "targets/first_quarter.html", context)
