"""Assessment ledgers (entered values, targets): one definition per ledger for the page and its Excel export."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.common.ledger import Column, Table, choice_order

from .choices import ValueStatus

STATUS_BADGE = {
    ValueStatus.APPROVED: "badge-green",
    ValueStatus.SUBMITTED: "badge-yellow",
    ValueStatus.RETURNED: "badge-red",
    ValueStatus.DRAFT: "",
}


def _status(v):
    badge = format_html('<span class="badge {}">{}</span>', STATUS_BADGE.get(v.status, ""), v.get_status_display())
    if v.replaces_id:
        return format_html('{} <span class="small muted">{}</span>', badge, _("更正"))
    return badge


def _note(v):
    if v.reason:
        return f"{v.note} {_('更正原因')}：{v.reason}".strip()
    return v.note


class ValueTable(Table):
    """考核数据填报: every entered value in reach (no silent cut-off: paged, with the total shown)."""

    title = _("考核数据")
    filename = _("考核数据填报")
    empty_text = _("暂无填报数据。")

    unit = Column(_("单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    indicator = Column(_("指标"), "indicator.name", order_by=("indicator__area", "indicator__sort_order"))
    period = Column(_("期间"), "period_label", order_by=("year", "month"))
    value = Column(_("数值"), css="num")
    measure = Column(_("计量单位"), "indicator.measure", order_by=False)
    audited = Column(_("口径"), lambda v: _("核定数") if v.audited else _("快报数"), order_by="audited")
    status = Column(
        _("状态"), "get_status_display", order_by=[choice_order("status", ValueStatus.values)], html=_status
    )
    note = Column(_("说明"), _note, order_by=False, css="small wrap")
    entered_at = Column(_("填报时间"), page=False)
    action = Column("", lambda v: "", order_by=False, export=False)

    def __init__(self, queryset, request, *, report_unit_ids: set[int], **kwargs):
        super().__init__(queryset, request, **kwargs)
        self.report_unit_ids = report_unit_ids

    def render_action(self, v):
        if v.unit_id not in self.report_unit_ids or v.status not in (ValueStatus.DRAFT, ValueStatus.RETURNED):
            return ""
        return format_html(
            '<form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="version" value="{}"><button class="button" type="submit">{}</button></form>',
            reverse("targets:value_submit", args=[v.pk]),
            get_token(self.request),
            v.version,
            _("提交审核"),
        )


class TargetTable(Table):
    """年度目标值: indicator × unit for a year."""

    title = _("目标值")
    filename = _("年度目标值")
    empty_text = _("暂无目标值。")

    unit = Column(_("单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    area = Column(_("领域"), "indicator.get_area_display", order_by=("indicator__area",))
    indicator = Column(_("指标"), "indicator.name", order_by=("indicator__area", "indicator__sort_order"))
    baseline = Column(_("基数"), css="num")
    value = Column(_("目标值"), css="num")
    measure = Column(_("计量单位"), "indicator.measure", order_by=False)


# --- 扣分风险跟踪督办 ------------------------------------------------------------------------------------
def _followup_status(f):
    badge = {"done": "badge-green", "reporting": "badge-yellow"}.get(f.status, "")
    text = format_html('<span class="badge {}">{}</span>', badge, f.get_status_display())
    if getattr(f, "overdue", False):
        return format_html('{} <span class="badge badge-red">{}</span>', text, _("已超期"))
    return text


class FollowUpTable(Table):
    """扣分风险跟踪督办台账: who follows which risk, by when; overdue rows highlighted."""

    title = _("扣分风险跟踪督办")
    filename = _("扣分风险跟踪督办台账")
    empty_text = _("还没有交办的扣分风险。")

    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    indicator = Column(
        _("考核项"),
        "item.indicator.name",
        order_by="item__sort_order",
        link=lambda f: reverse("targets:risk_followup_detail", args=[f.pk]),
    )
    year = Column(_("年度"))
    person = Column(_("责任人"), lambda f: str(f.person) if f.person_id else "", order_by="person__name")
    points_at_risk = Column(_("交办时可能失分"), decimals=2)
    deadline = Column(_("办结时限"))
    status = Column(_("状态"), "get_status_display", order_by="status", html=_followup_status)
    assigned_by = Column(_("交办人"), "assigned_by.display_name", order_by=False)
    done_on = Column(_("完成日期"))
    note = Column(_("督办要求"), page=False)

    def __init__(self, queryset, request, *, today, **kwargs):
        super().__init__(queryset, request, **kwargs)
        self.today = today

    def prepare(self, rows):
        for f in rows:
            f.overdue = f.is_overdue(self.today)
        return rows

    def row_css(self, row) -> str:
        return "row-overdue" if row.overdue else ""
