"""Project-and-fund ledgers: one definition per ledger for the page and its Excel export (money in 万元)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.ledger import Column, Table, choice_order

from . import selectors
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
    stall_reason = Column(_("预警"), order_by=False, html=_stall)
    responsible_person = Column(_("责任人"), page=False)

    def __init__(self, queryset, request, *, as_of: date, **kwargs):
        super().__init__(queryset, request, **kwargs)
        self.as_of = as_of

    def prepare(self, rows):
        return selectors.flag_stalls(rows, as_of=self.as_of)
