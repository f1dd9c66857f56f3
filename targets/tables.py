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
