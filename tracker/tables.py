"""Tracker ledgers (tasks, outlets, sections, stations): one definition per ledger for the page and its Excel."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tracker.common.ledger import Column, Table, choice_order

from .choices import OUTLET_STEP_ORDER, MeasureStatus

STATUS_BADGE = {
    MeasureStatus.DONE.value: "badge-green",
    MeasureStatus.IN_PROGRESS.value: "",
    MeasureStatus.NOT_STARTED.value: "",
    MeasureStatus.DUE_SOON.value: "badge-yellow",
    MeasureStatus.OVERDUE.value: "badge-red",
}
STATUS_LABELS = dict(MeasureStatus.choices)


def _progress_bar(value) -> str:
    width = max(0, min(100, int(value or 0)))
    return format_html(
        '<div class="progress" title="{0}%"><span style="width: {0}%"></span></div><span class="small">{0}%</span>',
        width,
    )


def _measure_status(m):
    badge = format_html('<span class="badge {}">{}</span>', STATUS_BADGE[m.status], STATUS_LABELS[m.status])
    if m.days_overdue:
        return format_html('{} <span class="small">{}</span>', badge, _("逾期 %(n)d 天") % {"n": m.days_overdue})
    return badge


class MeasureTable(Table):
    """攻坚任务清单. Unsorted: overdue first, then by deadline (the selector's order)."""

    title = _("攻坚任务")
    filename = _("攻坚任务清单")
    empty_text = _("没有符合条件的任务。")

    code = Column(_("任务编号"), css="code")
    title_ = Column(_("任务名称"), "title", link=lambda m: reverse("tracker:measure_detail", args=[m.pk]))
    area = Column(_("领域"), "get_area_display", order_by="area")
    war_zone = Column(_("战区"), "war_zone.name", order_by=("war_zone__name",))
    source_type = Column(_("污染源类型"), "get_source_type_display", order_by="source_type")
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    responsible_person = Column(_("责任人"))
    deadline = Column(_("完成时限"))
    progress = Column(_("形象进度"), unit="%", decimals=0, html=lambda m: _progress_bar(m.progress))
    status = Column(
        _("状态"),
        lambda m: STATUS_LABELS[m.status],
        order_by=[choice_order("status", MeasureStatus.values)],
        html=_measure_status,
    )
    days_overdue = Column(_("逾期天数"), decimals=0, order_by="deadline", page=False)
    last_report_date = Column(_("最近报告日期"), page=False)

    def __init__(self, queryset, request, *, today: date, **kwargs):
        super().__init__(queryset, request, **kwargs)
        self.today = today

    def prepare(self, rows):
        for m in rows:
            m.days_overdue = (self.today - m.deadline).days if m.status == MeasureStatus.OVERDUE else None
        return rows

    def row_css(self, row) -> str:
        return "row-overdue" if row.status == MeasureStatus.OVERDUE else ""


# --- water ---------------------------------------------------------------------------------------------


def _class_chip(value, label):
    if not value:
        return "—"
    return format_html('<span class="wq wq-{}">{}</span>', value, label)


def _river_cell(s):
    if s.assessed_as == "river":
        return s.river.name
    body = _("水库") if s.assessed_as == "reservoir" else _("湖泊")
    return format_html('{} <span class="badge badge-yellow">{}</span>', s.river.name, body)


def _latest_class_cell(s):
    if s.latest_class:
        return _class_chip(s.latest_class, s.latest_class_label)
    if s.latest_month and s.latest_complete is False:
        return format_html('<span class="badge badge-orange">{}</span>', _("数据不全"))
    return "—"


def _factors_cell(s):
    if not s.latest_exceedance:
        return s.latest_factors_text or "—"
    return format_html(
        '{}<div class="muted small">{} {}</div>', s.latest_factors_text or "—", _("超标"), s.latest_exceedance
    )


def _compliant_badge(s):
    if s.latest_compliant is None:
        return "—"
    if s.latest_compliant:
        return format_html('<span class="badge badge-green">{}</span>', _("达标"))
    return format_html('<span class="badge badge-red">{}</span>', _("不达标"))


def _compliant_text(s):
    if s.latest_compliant is None:
        return None
    return _("达标") if s.latest_compliant else _("不达标")


class SectionTable(Table):
    """水质断面. Rows from `selectors.water.section_queryset` (latest class and YTD counts annotated in SQL)."""

    title = _("水质断面")
    filename = _("水质断面")
    empty_text = _("没有符合条件的断面。")

    code = Column(_("断面编码"), css="code")
    name = Column(_("断面名称"), link=lambda s: reverse("tracker:water_section_detail", args=[s.pk]))
    river = Column(_("河流"), "river.name", order_by=("river__sort_order", "river__name"), html=_river_cell)
    level = Column(_("考核级别"), "get_level_display", order_by="level")
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    target_class = Column(
        _("目标类别"),
        "get_target_class_display",
        order_by="target_class",
        html=lambda s: _class_chip(s.target_class, s.get_target_class_display()),
    )
    latest_month = Column(
        _("最新月份"), lambda s: s.latest_month.strftime("%Y-%m") if s.latest_month else None, order_by="latest_month"
    )
    latest_class = Column(
        _("水质类别"),
        "latest_class_label",
        order_by="latest_class",
        html=_latest_class_cell,
    )
    latest_compliant = Column(_("是否达标"), _compliant_text, order_by="latest_compliant", html=_compliant_badge)
    ytd_compliant = Column(_("年内达标月数"), decimals=0)
    ytd_total = Column(_("年内监测月数"), decimals=0)
    ytd_rate = Column(_("年内达标率"), unit="%", decimals=1, order_by="ytd_rate_sort")
    latest_factors = Column(_("定类因子"), "latest_factors_text", order_by=False, html=_factors_cell)
    latest_exceedance = Column(_("超标倍数"), "latest_exceedance", order_by=False)
    water_body = Column(
        _("水体类型"),
        lambda s: s.get_water_body_display() if s.water_body else s.river.get_water_body_display(),
        order_by=False,
    )

    def prepare(self, rows):
        from .selectors.water import decorate_sections

        return decorate_sections(rows)

    def row_css(self, row) -> str:
        return "row-warn" if row.latest_compliant is False else ""


def _outlet_deadline(o):
    if o.overdue_flag:
        return format_html('{} <span class="badge badge-red">{}</span>', o.deadline.isoformat(), _("逾期"))
    return o.deadline.isoformat()


class OutletTable(Table):
    """入河排污口台账（一口一策）."""

    title = _("排口台账")
    filename = _("入河排污口台账")
    empty_text = _("没有符合条件的排口。")

    code = Column(_("排口编码"), css="code")
    name = Column(_("排口名称"), link=lambda o: reverse("tracker:outlet_detail", args=[o.pk]))
    river = Column(_("受纳水体"), "river.name", order_by=("river__sort_order", "river__name"))
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    outlet_type = Column(_("排口类型"), "get_outlet_type_display", order_by="outlet_type")
    step = Column(
        _("当前环节"),
        "get_step_display",
        order_by=[choice_order("step", OUTLET_STEP_ORDER)],
        html=lambda o: format_html('<span class="step step-{}">{}</span>', o.step, o.get_step_display()),
    )
    deadline = Column(_("整治时限"), html=_outlet_deadline)
    overdue_flag = Column(
        _("是否逾期"), lambda o: _("逾期") if o.overdue_flag else "", order_by="overdue_flag", page=False
    )

    def row_css(self, row) -> str:
        return "row-overdue" if row.overdue_flag else ""


# --- air -----------------------------------------------------------------------------------------------


class StationTable(Table):
    """监测站点 with the latest reading (date, AQI, category), from `selectors.air.station_list`."""

    title = _("监测站点")
    filename = _("空气监测站点")
    empty_text = _("暂无站点。")
    page_size = 30

    code = Column(_("站点编码"), css="code")
    name = Column(_("站点名称"), link=lambda s: reverse("tracker:air_station_detail", args=[s.pk]))
    level = Column(_("级别"), "get_level_display", order_by="level")
    unit = Column(_("所在单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    war_zone = Column(_("所属战区"), "war_zone.name", order_by=("war_zone__sort_order",))
    counts_for_assessment = Column(
        _("考核点位"), lambda s: _("是") if s.counts_for_assessment else _("否"), order_by="counts_for_assessment"
    )
    latest_date = Column(_("最近日期"))
    latest_aqi = Column("AQI", decimals=0)
    latest_category = Column(
        _("类别"),
        html=lambda s: (
            format_html('<span class="aqi-chip aqi-{0}">{0}</span>', s.latest_category) if s.latest_category else ""
        ),
    )
