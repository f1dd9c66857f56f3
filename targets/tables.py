"""Assessment ledgers (entered values, targets): one definition per ledger for the page and its Excel export."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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
    measure = Column(_("计量单位"), "indicator.unit_of_measure", order_by=False)
    verified = Column(_("口径"), lambda v: _("核定数") if v.verified else _("快报数"), order_by="verified")
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
    measure = Column(_("计量单位"), "indicator.unit_of_measure", order_by=False)


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


# --- the ranking ------------------------------------------------------------------------------------------


def _movement(r):
    m = r["movement"]
    if m is None:
        return mark_safe('<span class="muted">—</span>')
    if m > 0:
        return format_html('<span class="badge badge-green">↑{}</span>', m)
    if m < 0:
        return format_html('<span class="badge badge-red">↓{}</span>', -m)
    return mark_safe('<span class="muted">→</span>')


def _total(r):
    column = RankingTable.columns["total"]
    text = column.text(column.value(r))
    if r["vetoed"]:
        return format_html('<strong>{}</strong> <span class="badge badge-red">{}</span>', text, _("一票否决"))
    return format_html("<strong>{}</strong>", text)


def _item_column(index: int, item) -> Column:
    """One assessment item's points (2 decimals on the page and in Excel; the header names its full points)."""

    def points(r):
        cell = r["items"][index]
        return None if cell is None or cell["status"] == "na" else cell["points"]

    def html(r):
        cell = r["items"][index]
        if cell is None:
            return "—"
        if cell["status"] == "na":
            return format_html('<span class="muted" title="{0}">{0}</span>', _("不涉及"))
        text = column.text(column.value(r))  # the Excel value, formatted: one rounding (half up)
        if cell["no_data"] and not cell["points"]:
            return format_html('<span class="muted" title="{}">{}</span>', _("暂无数据"), text)
        return text

    column = Column(
        item.indicator.name, points, unit=_("%(n)s分") % {"n": f"{item.max_points:g}"}, decimals=2, html=html
    )
    column.name = f"item{item.pk}"
    return column


class RankingTable(Table):
    """党政同责考核排名 of a stored scoring run: rank, unit, total, movement, improvement rank and each item's
    points. One definition for the ranking page, its Excel export and the leaders' dashboard export, so the
    headers and the rounding (two decimals) are the same everywhere. Rows are `selectors.ranking(run)["rows"]`."""

    title = _("排名")
    filename = _("考核排名")
    empty_text = _("暂无排名。")
    page_size = 100
    css_class = "ranking"

    rank = Column(_("排名"), decimals=0)
    unit = Column(_("单位"), "unit.name", order_by=False)
    total = Column(_("总分"), decimals=2, html=_total)
    movement = Column(_("较上期名次变化"), decimals=0, html=_movement)
    improvement_rank = Column(_("进步排名"), decimals=0)

    def __init__(self, ranking: dict, request, *, sheet_links: set[int] | None = None, **kwargs):
        super().__init__(ranking["rows"], request, **kwargs)
        self.run = ranking["run"]
        self.sheet_links = sheet_links or set()
        self.columns = {
            **type(self).columns,
            **{c.name: c for c in (_item_column(i, item) for i, item in enumerate(ranking["items"]))},
        }
        self.sort = self._parse_sort(request.GET.get(self.sort_param, ""))

    def render_unit(self, r):
        """A unit's name links to its score sheet for those who see that unit."""
        if r["unit"].pk in self.sheet_links:
            return format_html(
                '<a href="{}">{}</a>', reverse("targets:unit_sheet", args=[self.run.pk, r["unit"].pk]), r["unit"].name
            )
        return r["unit"].name
