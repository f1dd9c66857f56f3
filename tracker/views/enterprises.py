"""重点企业 pages: the register (filters, paging, Excel) and one enterprise with all that concerns it."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from tracker.common.access import area_required
from tracker.common.tabular import xlsx_response

from ..choices import Industry
from ..permissions import units_for_user
from ..selectors import war_zone_list
from ..selectors.enterprises import enterprise_dossier, enterprise_list, get_enterprise_for_user

PAGE_SIZE = 50


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_l("名称/代码"), required=False, max_length=60)
    unit = forms.IntegerField(label=_l("属地单位"), required=False)
    industry = forms.ChoiceField(label=_l("行业"), choices=[("", _l("全部")), *Industry.choices], required=False)
    zone = forms.IntegerField(label=_l("战区"), required=False)


@area_required("enterprises")
def enterprise_list_view(request):
    form = EnterpriseFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = enterprise_list(
        user=request.user,
        unit_id=f.get("unit"),
        industry=f.get("industry") or None,
        zone_id=f.get("zone"),
        q=(f.get("q") or "").strip() or None,
    )
    if request.GET.get("export") == "xlsx":
        headers = [
            _("企业名称"), _("统一社会信用代码"), _("行业"), _("属地单位"), _("所属战区"), _("排污许可证编号"),
            _("地址"), _("攻坚任务数"), _("排污口数"), _("整改问题数"),
        ]  # fmt: skip
        rows = (
            [
                e.name,
                e.credit_code,
                e.get_industry_display(),
                e.unit.name,
                e.war_zone.name if e.war_zone else "",
                e.permit_number,
                e.address,
                e.n_measures,
                e.n_outlets,
                e.n_items,
            ]
            for e in qs
        )
        return xlsx_response(f"重点企业名录-{timezone.localdate():%Y%m%d}.xlsx", [(_("重点企业"), headers, rows)])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/enterprise_list.html",
        {
            "form": form,
            "filters": f,
            "page": page,
            "query": query.urlencode(),
            "units": units_for_user(request.user, "view").filter(is_active=True),
            "industries": Industry.choices,
            "zones": war_zone_list(),
        },
    )


@area_required("enterprises")
def enterprise_detail(request, pk: int):
    enterprise = get_enterprise_for_user(request.user, pk)
    dossier = enterprise_dossier(enterprise=enterprise, user=request.user)
    if request.GET.get("export") == "xlsx":
        sheets = [
            (
                _("攻坚任务"),
                [_("任务编号"), _("任务名称"), _("责任单位"), _("完成时限"), _("形象进度 (%)")],
                [[m.code, m.title, m.unit.name, m.deadline, m.progress] for m in dossier["measures"]],
            ),
            (
                _("入河排污口"),
                [_("排口编码"), _("排口名称"), _("受纳水体"), _("责任单位"), _("当前环节"), _("整治时限")],
                [
                    [o.code, o.name, o.river.name, o.unit.name, o.get_step_display(), o.deadline]
                    for o in dossier["outlets"]
                ],
            ),
            (
                _("整改问题"),
                [_("问题编号"), _("来源批次"), _("问题描述"), _("责任单位"), _("整改时限"), _("状态")],
                [
                    [i.code, i.inspection.name, i.description, i.unit.name, i.deadline, i.get_status_display()]
                    for i in dossier["items"]
                ],
            ),
        ]
        return xlsx_response(f"{enterprise.name}-{timezone.localdate():%Y%m%d}.xlsx", sheets)
    return render(request, "tracker/enterprise_detail.html", {"enterprise": enterprise, **dossier})
