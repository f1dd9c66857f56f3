"""The rectification ledgers: one definition per ledger for the page and its Excel export."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from tracker.common.ledger import Column, Table, choice_order

from .choices import Colour, NoticeLevel, Status


def _description(it):
    return format_html('{}<div class="small muted">{}</div>', Truncator(it.description).chars(48), it.inspection.name)


def _status(it):
    if it.rebound_count:
        return format_html(
            '{} <span class="small muted">({}{})</span>', it.get_status_display(), _("反弹"), it.rebound_count
        )
    return it.get_status_display()


def _colour(it):
    if it.status == Status.CLOSED:
        return "—"
    return format_html('<span class="badge badge-{}">{}</span>', it.colour, it.get_colour_display())


class ItemTable(Table):
    """整改问题台账. Unsorted, open items come first, nearest deadline first (the selector's order)."""

    title = _("整改台账")
    filename = _("整改问题台账")
    empty_text = _("没有符合条件的问题。")

    code = Column(_("问题编号"), link=lambda it: reverse("rectifications:detail", args=[it.pk]), css="code")
    inspection = Column(_("来源批次"), "inspection.name", order_by=("inspection__date", "inspection__name"), page=False)
    description = Column(_("问题描述"), order_by=False, html=_description, css="wrap")
    area = Column(_("领域"), "get_area_display", order_by="area")
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    lead_department = Column(_("牵头部门"), "lead_department.name", order_by=("lead_department__sort_order",))
    responsible_person = Column(_("责任人"), "responsible_label", order_by="responsible_person")
    deadline = Column(_("整改时限"))
    term = Column(_("整改期限类型"), "get_term_display", order_by="term", page=False)
    measures = Column(_("整改措施"), order_by=False, page=False)
    status = Column(_("状态"), "get_status_display", order_by=[choice_order("status", Status.values)], html=_status)
    colour = Column(_("预警"), "get_colour_display", order_by=[choice_order("colour", Colour.values)], html=_colour)
    closed_on = Column(_("销号日期"), page=False)
    rebound_count = Column(_("反弹次数"), decimals=0, page=False)


NOTICE_BADGE = {"reminder": "badge-yellow", "warning": "badge-orange"}


class NoticeTable(Table):
    """预警通知: the reminder / warning / supervision letters sent to units, newest first; units sign for them."""

    title = _("预警通知")
    filename = _("预警通知")
    empty_text = _("没有预警通知。")

    created_at = Column(_("发出时间"), lambda n: timezone.localdate(n.created_at), order_by="created_at")
    level = Column(
        _("等级"),
        "get_level_display",
        order_by=[choice_order("level", NoticeLevel.values)],
        html=lambda n: format_html(
            '<span class="badge {}">{}</span>', NOTICE_BADGE.get(n.level, "badge-red"), n.get_level_display()
        ),
    )
    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    person = Column(_("责任人"))
    item = Column(
        _("问题编号"), "item.code", link=lambda n: reverse("rectifications:detail", args=[n.item_id]), css="code"
    )
    description = Column(
        _("问题描述"),
        "item.description",
        order_by=False,
        html=lambda n: Truncator(n.item.description).chars(40),
        css="wrap",
    )
    read_at = Column(_("签收时间"))
    document = Column(_("发文字号"), lambda n: n.document_number.text if hasattr(n, "document_number") else "",
                      order_by=False)  # fmt: skip

    def __init__(self, queryset, request, *, acting_units: set[int], can_issue: bool = False, **kwargs):
        super().__init__(queryset.select_related("document_number"), request, **kwargs)
        self.acting_units = acting_units
        self.can_issue = can_issue

    def render_document(self, n):
        numbered = hasattr(n, "document_number")
        url = reverse("rectifications:notice_document", args=[n.pk])
        if self.can_issue:
            return format_html(
                '<form method="post" action="{}" class="inline">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button class="button" type="submit">{}</button>'
                '<button class="button" type="submit" name="format" value="pdf">PDF</button></form>',
                url,
                get_token(self.request),
                n.document_number.text if numbered else _("发文（Word）"),
            )
        if numbered:
            return format_html(
                '<a href="{}">{}</a> · <a href="{}?format=pdf">PDF</a>', url, n.document_number.text, url
            )
        return "—"

    def render_read_at(self, n):
        if n.read_at:
            return timezone.localtime(n.read_at).strftime("%Y-%m-%d %H:%M")
        if n.unit_id in self.acting_units:
            return format_html(
                '<form method="post" action="{}" class="inline">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button class="button" type="submit">{}</button></form>',
                reverse("rectifications:notice_read", args=[n.pk]),
                get_token(self.request),
                _("签收"),
            )
        return format_html('<span class="muted">{}</span>', _("未签收"))

    def row_css(self, row) -> str:
        return "" if row.read_at else "rect-unread"


def _lists(it) -> str:
    names = [
        str(label)
        for flag, label in (
            (it.in_overdue, _("逾期")),
            (it.in_rebounded, _("反弹")),
            (it.in_newly_closed, _("新销号")),
        )
        if flag
    ]
    return "、".join(names)


class BulletinItemTable(Table):
    """见人见事: overdue, rebounded and newly closed items by unit, person and deadline."""

    title = _("见人见事")
    filename = _("整改通报")
    empty_text = _("本期没有逾期、反弹或新销号的问题。")
    page_size = 100
    page_by_ids = True  # ~30,000 items match a year's bulletin nationally: sort their ids, then read 100 rows

    unit = Column(_("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    category = Column(_("类别"), _lists, order_by=("-in_overdue", "-in_rebounded", "-in_newly_closed"))
    code = Column(_("问题编号"), link=lambda it: reverse("rectifications:detail", args=[it.pk]), css="code")
    description = Column(_("问题描述"), order_by=False, html=lambda it: Truncator(it.description).chars(60), css="wrap")
    place = Column(_("点位"), lambda it: it.place or (it.enterprise.name if it.enterprise_id else ""), order_by="place")
    responsible_person = Column(_("责任人"), "responsible_label", order_by="responsible_person")
    deadline = Column(_("整改时限"))
    status = Column(_("状态"), "get_status_display", order_by=[choice_order("status", Status.values)])
    closed_on = Column(_("销号日期"))


class BulletinUnitTable(Table):
    """各单位销号情况 for the period (counts aggregated in SQL by `selectors.bulletin_units`)."""

    title = _("各单位销号率")
    empty_text = _("无数据。")
    prefix = "u-"

    name = Column(_("责任单位"), order_by=("sort_order", "code"))
    total = Column(_("问题总数"), decimals=0)
    closed = Column(_("已销号"), decimals=0)
    rate = Column(
        _("销号率"), lambda u: u.closed * 100 / u.total if u.total else None, unit="%", decimals=1, order_by="rate_sort"
    )
    overdue = Column(_("逾期"), decimals=0)
    rebounded = Column(_("反弹"), decimals=0)
    newly_closed = Column(_("新销号"), decimals=0)


# --- 奖惩到人 -------------------------------------------------------------------------------------------
KIND_BADGE = {"commendation": "badge-green", "criticism": "badge-orange", "interview": "badge-yellow"}


def _kind(r):
    return format_html('<span class="badge {}">{}</span>', KIND_BADGE.get(r.kind, "badge-red"), r.get_kind_display())


class AccountabilityTable(Table):
    """奖惩问责台账: one row an act against a named person, newest first."""

    title = _("奖惩问责台账")
    filename = _("奖惩问责台账")
    empty_text = _("没有符合条件的奖惩问责记录。")
    default_sort = "-date"

    date = Column(_("日期"))
    person = Column(
        _("责任人"),
        "person.name",
        order_by="person__name",
        link=lambda r: reverse("tracker:person_detail", args=[r.person_id]),
    )
    post = Column(_("职务"), "person.post", order_by=False)
    unit = Column(_("所在单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    kind = Column(_("类别"), "get_kind_display", order_by="kind", html=_kind)
    basis = Column(_("依据"), "basis_label", order_by=False, css="wrap")
    description = Column(_("事由"), order_by=False, css="wrap", html=lambda r: Truncator(r.description).chars(60))
    recorded_by = Column(_("记录人"), "recorded_by.display_name", order_by=False)
    recorded_at = Column(_("记录时间"), page=False)
