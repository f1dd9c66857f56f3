"""农村生活污水处理设施 pages: the register with a month's state, 运行率 by unit, stopped plants; one plant's months."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from tracker.common.access import area_required
from tracker.common.tabular import xlsx_response

from ..choices import PlantState
from ..models import Unit
from ..permissions import can_act_for_unit, is_unit_scoped, units_for_user
from ..selectors.rural import get_plant_for_user, operation_rate_frame, plant_list, stopped_plants
from ..services.rural import rural_plant_month_report

PAGE_SIZE = 50
STATE_BADGE = {"running": "badge-green", "stopped": "badge-red", "repair": "badge-orange"}


def _last_complete_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class PlantFilterForm(forms.Form):
    month = forms.DateField(label=_l("月份"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"])
    unit = forms.IntegerField(label=_l("责任单位"), required=False)
    state = forms.ChoiceField(
        label=_l("运行状态"),
        choices=[("", _l("全部")), *PlantState.choices, ("unreported", _l("未填报"))],
        required=False,
    )


class PlantMonthForm(forms.Form):
    month = forms.DateField(
        label=_l("月份"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=forms.TextInput(attrs={"type": "month"})
    )
    state = forms.ChoiceField(label=_l("运行状态"), choices=PlantState.choices)
    flow = forms.DecimalField(
        label=_l("日均处理水量（吨/日）"), min_value=0, max_digits=8, decimal_places=1, required=False
    )
    funds = forms.DecimalField(label=_l("本月运维资金（元）"), min_value=0, max_digits=12, decimal_places=2, initial=0)
    note = forms.CharField(label=_l("说明"), max_length=200, required=False)


@area_required("rural")
def plant_list_view(request):
    today = timezone.localdate()
    form = PlantFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    month = (f.get("month") or _last_complete_month(today)).replace(day=1)
    qs = plant_list(user=request.user, month=month, unit_id=f.get("unit"), state=f.get("state") or None)
    visible = units_for_user(request.user, "view")
    rates = operation_rate_frame(year=month.year, as_of=today, unit_ids=visible.values_list("pk", flat=True))
    names = dict(Unit.objects.values_list("pk", "name"))
    rate_rows = [
        {"unit": names[r.unit_id], "due": int(r.due), "running": int(r.running), "rate": r.rate}
        for r in rates.sort_values("rate").itertuples()
    ]
    stopped = list(stopped_plants(user=request.user, month=month))
    labels = dict(PlantState.choices)
    if request.GET.get("export") == "xlsx":
        headers = [_("设施名称"), _("责任单位"), _("乡镇"), _("村"), _("设计规模（吨/日）"), _("处理工艺"),
                   _("月份"), _("运行状态"), _("日均处理水量（吨/日）"), _("运维资金（元）")]  # fmt: skip
        rows = (
            [
                p.name,
                p.unit.name,
                p.township,
                p.village,
                float(p.capacity),
                p.get_process_display(),
                f"{month:%Y-%m}",
                str(labels.get(p.month_state, _("未填报"))),
                p.month_flow,
                p.month_funds,
            ]
            for p in qs
        )
        rate_sheet = [[r["unit"], r["running"], r["due"], round(r["rate"], 2)] for r in rate_rows]
        return xlsx_response(
            f"农村生活污水处理设施-{month:%Y%m}.xlsx",
            [
                (_("设施运行"), headers, rows),
                (_("运行率"), [_("责任单位"), _("正常运行设施·月"), _("应运行设施·月"), _("运行率 (%)")], rate_sheet),
            ],
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for p in page:
        p.state_label = labels.get(p.month_state, _("未填报"))
        p.state_badge = STATE_BADGE.get(p.month_state, "badge-yellow")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/rural_plant_list.html",
        {
            "form": form,
            "filters": f,
            "month": month,
            "page": page,
            "query": query.urlencode(),
            "units": visible.filter(is_active=True),
            "states": [*PlantState.choices, ("unreported", _("未填报"))],
            "rate_rows": rate_rows,
            "stopped": stopped,
            "year": month.year,
        },
    )


@area_required("rural")
def plant_detail(request, pk: int):
    plant = get_plant_for_user(request.user, pk)
    can_report = is_unit_scoped(request.user) and can_act_for_unit(request.user, plant.unit_id, "report")
    form = PlantMonthForm(initial={"month": f"{_last_complete_month(timezone.localdate()):%Y-%m}"})
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied
        form = PlantMonthForm(request.POST)
        if form.is_valid():
            try:
                rural_plant_month_report(user=request.user, plant_id=plant.pk, **form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("运行情况已填报。"))
                return redirect("tracker:rural_plant_detail", pk=plant.pk)
    months = list(plant.months.select_related("reported_by").order_by("-month")[:24])
    for m in months:
        m.state_badge = STATE_BADGE.get(m.state, "")
    return render(
        request,
        "tracker/rural_plant_detail.html",
        {"plant": plant, "months": months, "form": form, "can_report": can_report},
    )
