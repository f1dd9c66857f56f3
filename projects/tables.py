"""Project-and-fund ledgers: one definition per ledger for the page and its Excel export (money in 万元)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.common.ledger import Column, Table, choice_order, to_wan

from . import rules, selectors
from .choices import STAGE_ORDER


def _progress_bar(p):
    width = max(0, min(100, int(p.progress_on or 0)))
    return format_html('<div class="progress" title="{0}%"><span style="width: {0}%"></span></div> {0}%', width)


def _stall(p):
    if not p.stalled:
        return ""
    return format_html(
        '<span class="badge badge-red">{}</span> <span class="muted">{}</span>', _("停滞"), p.stall_reason
    )


class ProjectTable(Table):
    """项目台账. Rows come from `selectors.ledger_rows`; stall flags are computed per page by the one rule."""

    title = _("项目台账")
    filename = _("项目台账")
    empty_text = _("没有符合条件的项目。")

    code = Column(_("项目编号"), css="code")
    name = Column(_("项目名称"), link=lambda p: reverse("projects:project_detail", args=[p.pk]))
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    fund = Column(_("资金来源"), "fund.name", order_by=("fund__year", "fund__name"))
    stage = Column(_("阶段"), "get_stage_display", order_by=[choice_order("stage", STAGE_ORDER)])
    investment = Column(_("估算总投资"), money=True, page=False)
    allocated_amount = Column(_("下达资金"), money=True)
    paid = Column(_("已支付"), money=True)
    rate = Column(_("执行率"), unit="%", decimals=2, order_by="rate_sort")
    progress_on = Column(_("形象进度"), unit="%", decimals=0, html=_progress_bar)
    planned_start = Column(_("计划开工"), page=False)
    planned_completion = Column(_("计划竣工"), page=False)
    last_report = Column(_("最近进展"))
    stall_reason = Column(_("预警"), order_by=False, html=_stall, css="wrap")
    responsible_person = Column(_("责任人"), page=False)

    def __init__(self, queryset, request, *, as_of: date, **kwargs):
        super().__init__(queryset, request, **kwargs)
        self.as_of = as_of

    def prepare(self, rows):
        return selectors.flag_stalls(rows, as_of=self.as_of)


class FundTable(Table):
    """专项资金台账: each fund's amount, what reached projects, what was paid (万元) and the execution rate."""

    title = _("专项资金")
    filename = _("专项资金台账")
    empty_text = _("没有符合条件的资金。")

    name = Column(_("资金名称"), link=lambda f: f"{reverse('projects:project_list')}?fund={f.pk}")
    level = Column(_("资金级别"), "get_level_display", order_by="level")
    year = Column(_("资金年度"))
    area = Column(_("资金领域"), "get_area_display", order_by="area")
    amount = Column(_("下达我市金额"), money=True)
    assigned = Column(_("已分配到项目"), money=True)
    unassigned = Column(_("未分配到项目"), money=True)
    paid = Column(_("已支付"), money=True)
    rate = Column(_("执行率"), lambda f: rules.execution_rate(f.paid, f.amount), unit="%", decimals=2)
    note = Column(_("备注"), order_by=False, page=False)


def _amount(p):
    text = f"{to_wan(p.amount):,.2f}"
    if p.reverses_id:
        return format_html('<span class="muted">{}</span> {}', _("冲销"), text)
    return text


class PaymentTable(Table):
    """资金支付台账: payments and reversals (negative) with voucher, project, unit and who entered them."""

    title = _("资金支付")
    filename = _("资金支付台账")
    empty_text = _("没有符合条件的支付记录。")

    paid_on = Column(_("支付日期"))
    voucher_no = Column(_("凭证号"), css="code")
    project_code = Column(_("项目编号"), "project.code", page=False)
    project = Column(_("项目"), "project.name", link=lambda p: reverse("projects:project_detail", args=[p.project_id]))
    unit = Column(_("责任单位"), "project.unit.name", order_by=("project__unit__sort_order", "project__unit__code"))
    fund = Column(_("资金来源"), "project.fund.name", order_by=("project__fund__year", "project__fund__name"))
    amount = Column(_("支付金额"), money=True, html=_amount)
    reverses = Column(_("冲销凭证"), "reverses.voucher_no", order_by=False)
    note = Column(_("说明"), order_by=False, css="wrap")
    entered_by = Column(
        _("录入人"), lambda p: p.entered_by.get_full_name() or p.entered_by.get_username(), order_by=False
    )
    entered_at = Column(_("录入时间"), page=False)
