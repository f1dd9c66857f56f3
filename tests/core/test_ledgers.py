"""Every ledger (tracker.common.ledger.Table): server-side sort, filter and pages; the export has the page's rows and
numbers; the query count does not grow with the data (10 rows vs 200 rows)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectifications.models import Notice
from targets.models import DataValue
from tests.factories import (
    AirStationFactory,
    FundFactory,
    IndicatorFactory,
    MeasureFactory,
    PaymentFactory,
    ProjectFactory,
    RectificationItemFactory,
    SewageOutletFactory,
    TargetFactory,
    WaterSectionFactory,
)
from tracker.common.ledger import Column, Table, to_wan

TODAY = timezone.localdate()


# --- how to make n rows of each ledger for a unit --------------------------------------------------------


def _items(n, unit, start, user):
    for i in range(start, start + n):
        RectificationItemFactory(unit=unit, deadline=TODAY + dt.timedelta(days=i))


def _projects(n, unit, start, user):
    for i in range(start, start + n):
        p = ProjectFactory(unit=unit, allocated_amount=D(10000 * (i + 1)))
        if i % 3 == 0:
            PaymentFactory(project=p, amount=D("1234.56"), entered_by=user)


def _funds(n, unit, start, user):
    # unit B's funds are the 2019 ones (the filter below asks for them)
    year = 2019 if unit.code == "511129" else 2020
    for i in range(start, start + n):
        fund = FundFactory(amount=D(100000 * (i + 1)), year=year)
        if i % 4 == 0:
            PaymentFactory(project=ProjectFactory(unit=unit, fund=fund), amount=D("5000.00"), entered_by=user)


def _payments(n, unit, start, user):
    project = ProjectFactory(unit=unit)
    for i in range(start, start + n):
        PaymentFactory(project=project, amount=D(1000 + i), entered_by=user)


def _measures(n, unit, start, user):
    for i in range(start, start + n):
        MeasureFactory(unit=unit, progress=i % 101)


def _outlets(n, unit, start, user):
    for i in range(start, start + n):
        SewageOutletFactory(unit=unit, deadline=dt.date(2030, 1, 1) + dt.timedelta(days=i))


def _sections(n, unit, start, user):
    for _ in range(n):
        WaterSectionFactory(unit=unit)


def _stations(n, unit, start, user):
    for _ in range(n):
        AirStationFactory(unit=unit)


def _values(n, unit, start, user):
    for i in range(start, start + n):
        DataValue.objects.create(
            indicator=IndicatorFactory(), unit=unit, year=TODAY.year, month=1, value=float(i), entered_by=user
        )


def _targets(n, unit, start, user):
    for i in range(start, start + n):
        TargetFactory(indicator=IndicatorFactory(), unit=unit, year=TODAY.year, value=float(i))


def _notices(n, unit, start, user):
    now = timezone.now()
    for i in range(start, start + n):
        item = RectificationItemFactory(unit=unit)
        Notice.objects.create(
            item=item, unit=unit, person="张三", level="reminder", created_at=now - dt.timedelta(hours=i)
        )


@dataclass
class Ledger:
    url: str
    make: object
    sort: str  # a column with distinct, non-empty values
    filter: str = "unit"  # the query parameter that picks unit B's rows


LEDGERS = {
    "items": Ledger("rectifications:index", _items, "deadline"),
    "projects": Ledger("projects:project_list", _projects, "allocated_amount"),
    "funds": Ledger("projects:fund_list", _funds, "amount", filter="year"),
    "payments": Ledger("projects:payment_list", _payments, "amount"),
    "measures": Ledger("tracker:measure_list", _measures, "progress"),
    "outlets": Ledger("tracker:outlet_list", _outlets, "deadline"),
    "sections": Ledger("tracker:water_index", _sections, "code"),
    "stations": Ledger("tracker:air_index", _stations, "code"),
    "values": Ledger("targets:value_list", _values, "value"),
    "targets": Ledger("targets:target_list", _targets, "value"),
    "notices": Ledger("rectifications:notices", _notices, "created_at"),
}


def _excel(value):
    """What openpyxl gives back for a value the ledger wrote."""
    if isinstance(value, D):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 (openpyxl reads a date cell back naive)
    if value == "":
        return None
    return value


def _queries(client, url, params=None) -> tuple[int, int]:
    """Queries of one request with the page's caches cleared (cold) and of the next one (warm): the air index
    caches its two-year reads by the readings' version, so after new rows the first view is a cold one."""
    cache.clear()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params or {}).status_code == 200
        counts.append(len(ctx))
    return counts[0], counts[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", LEDGERS)
def test_ledger_sorts_filters_pages_and_exports_the_page_numbers(name, client_for, leader, unit_a, unit_b):
    ledger = LEDGERS[name]
    url = reverse(ledger.url)
    client = client_for(leader)
    ledger.make(10, unit_a, 0, leader)
    ledger.make(3, unit_b, 1000, leader)
    client.get(url)  # warm the session, content types and the like

    # given 13 rows, when 200 more arrive, then the page costs the same number of queries
    small = _queries(client, url)
    ledger.make(200, unit_a, 10, leader)
    large = _queries(client, url)
    assert large == small, f"{name}: {small} queries at 13 rows, {large} at 213"

    # pages: every row exactly once across the pages, page size respected
    page = client.get(url).context["table"]
    total = page.page.paginator.count
    assert total == 213
    seen = []
    for number in range(1, page.page.paginator.num_pages + 1):
        table = client.get(url, {"page": number}).context["table"]
        assert len(table.page.object_list) == min(table.page_size, total - (number - 1) * table.page_size)
        seen += [r.pk for r in table.page.object_list]
    assert len(seen) == len(set(seen)) == total

    # sort both ways on the server: the first page holds the smallest / largest values
    column = page.columns[ledger.sort]
    for direction, reverse_ in (("", False), ("-", True)):
        table = client.get(url, {"sort": f"{direction}{ledger.sort}"}).context["table"]
        values = [column.value(r) for r in table.page.object_list]
        assert values == sorted(values, reverse=reverse_)
        assert None not in values

    # filter: unit B's three rows (funds: the three 2019 funds)
    value = 2019 if ledger.filter == "year" else unit_b.pk
    filtered = client.get(url, {ledger.filter: value}).context["table"]
    assert filtered.page.paginator.count == 3

    # export: the same filtered rows in the same order, the same numbers as the page (sorted descending)
    params = {"sort": f"-{ledger.sort}"}
    table = client.get(url, params).context["table"]
    response = client.get(url, {**params, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [c.label for c in table.export_columns()]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == total
    expected = [[_excel(c.value(r)) for c in table.export_columns()] for r in table.page.object_list]
    assert [list(r) for r in rows[: len(expected)]] == expected
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# --- hand-computed numbers: money in 万元 on the page and in Excel ---------------------------------------


def test_fund_ledger_money_in_wan_with_the_rate(client_for, leader, unit_a):
    fund = FundFactory(name="测试资金", amount=D("2500000.00"))
    project = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=D("1000000.00"))
    PaymentFactory(project=project, amount=D("750000.00"), entered_by=leader)
    client = client_for(leader)
    html = client.get(reverse("projects:fund_list")).content.decode()
    # 2,500,000 元 = 250.00 万元; assigned 100.00; unassigned 150.00; paid 75.00; rate 750,000/2,500,000 = 30.00 %
    for text in ("下达我市金额（万元）", "250.00", "100.00", "150.00", "75.00", "30.00", "执行率（%）"):
        assert text in html
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("projects:fund_list"), {"export": "xlsx"}).content)
    ).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row["下达我市金额（万元）"] == 250 and row["已分配到项目（万元）"] == 100
    assert row["未分配到项目（万元）"] == 150 and row["已支付（万元）"] == 75 and row["执行率（%）"] == 30
    assert sheet.cell(row=2, column=header.index("已支付（万元）") + 1).number_format == "#,##0.00"


def test_payment_ledger_nets_reversals_in_wan(client_for, leader, official_a, official_b, unit_a, unit_b):
    project = ProjectFactory(unit=unit_a)
    paid = PaymentFactory(project=project, amount=D("123456.78"), entered_by=leader, voucher_no="PZ-1")
    PaymentFactory(project=project, amount=D("-23456.78"), entered_by=leader, voucher_no="PZ-2", reverses=paid)
    PaymentFactory(project=ProjectFactory(unit=unit_b), amount=D("1.00"), entered_by=leader)
    page = client_for(official_a).get(reverse("projects:payment_list"))
    # unit A only: 123,456.78 − 23,456.78 = 100,000.00 元 = 10.00 万元, two rows
    assert page.context["totals"] == {"count": 2, "amount": D("100000.00")}
    assert "10.00" in page.content.decode()
    sheet = openpyxl.load_workbook(
        io.BytesIO(client_for(official_a).get(reverse("projects:payment_list"), {"export": "xlsx"}).content)
    ).active
    amounts = sorted(r[6] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert amounts == [-2.35, 12.35]  # 万元, half up: 2.345678 → 2.35, 12.345678 → 12.35


def test_official_sees_only_own_payments(client_for, official_b, unit_a, leader):
    PaymentFactory(project=ProjectFactory(unit=unit_a), entered_by=leader)
    response = client_for(official_b).get(reverse("projects:payment_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1  # the header only


def test_values_page_no_longer_cuts_at_500(client_for, leader, unit_a):
    indicators = IndicatorFactory.create_batch(12)
    DataValue.objects.bulk_create(
        DataValue(indicator=ind, unit=unit_a, year=TODAY.year, month=m, value=1.0, entered_by=leader)
        for ind in indicators
        for m in range(0, 13)
    )  # 12 indicators × 13 periods = 156 rows; before, past 500 the rest silently vanished
    table = client_for(leader).get(reverse("targets:value_list")).context["table"]
    assert table.page.paginator.count == 156 and table.page.paginator.num_pages == 4


# --- the layer itself -----------------------------------------------------------------------------------


class _Request:
    def __init__(self, **params):
        from django.http import QueryDict

        self.GET = QueryDict(mutable=True)
        for k, v in params.items():
            self.GET[k] = v


class _Numbers(Table):
    code = Column("编号")
    money = Column("金额", money=True)
    share = Column("比例", unit="%", decimals=1)
    text = Column("说明", order_by=False)


def test_unknown_or_unsortable_sort_falls_back_to_the_default(db):
    from tracker.models import Unit

    qs = Unit.objects.all()
    assert _Numbers(qs, _Request(sort="password")).sort == ""
    assert _Numbers(qs, _Request(sort="-text")).sort == ""
    assert _Numbers(qs, _Request(sort="-money")).sort == "-money"


def test_links_keep_the_filters_and_drop_export_and_page(db):
    from tracker.models import Unit

    table = _Numbers(Unit.objects.all(), _Request(unit="3", page="2", sort="code", export="xlsx"))
    headers = {h["label"]: h for h in table.headers()}
    assert headers["编号"]["url"] == "?unit=3&sort=-code" and headers["编号"]["aria"] == "ascending"
    assert headers["金额（万元）"]["url"] == "?unit=3&sort=money"
    assert headers["说明"]["url"] is None
    assert table.export_url() == "?unit=3&sort=code&export=xlsx"


def test_column_values_are_scaled_once_and_read_the_same_on_page_and_excel():
    row = {"code": "=1+1", "money": D("123456789.005"), "share": 12.25, "text": None}
    cols = _Numbers.columns
    # 123,456,789.005 元 ÷ 10,000 = 12,345.6789005 万元 → 12,345.68 (half up); 12.25 → 12.3 (half up, not banker's)
    assert cols["money"].value(row) == D("12345.68") and cols["money"].text(D("12345.68")) == "12,345.68"
    assert cols["share"].value(row) == D("12.3") and cols["share"].label == "比例（%）"
    assert cols["text"].text(cols["text"].value(row)) == "—"
    assert to_wan(None) is None and cols["money"].excel_format() == "#,##0.00"


def test_bulletin_costs_the_same_queries_at_10_and_200_items(client_for, leader, unit_a, unit_b):
    url = reverse("rectifications:bulletin")
    params = {"start": (TODAY - dt.timedelta(days=30)).isoformat(), "end": TODAY.isoformat()}
    client = client_for(leader)

    def overdue(n, unit):
        for i in range(n):
            RectificationItemFactory(unit=unit, deadline=TODAY - dt.timedelta(days=i + 1))

    overdue(8, unit_a)
    overdue(2, unit_b)
    client.get(url, params)
    small = _queries(client, url, params)
    overdue(190, unit_a)
    assert _queries(client, url, params) == small
    table = client.get(url, params).context["table"]
    assert table.page.paginator.count == 200 and len(table.page.object_list) == table.page_size == 100


def test_headers_are_translated_with_the_unit(db):
    from django.utils import translation

    from projects.tables import ProjectTable

    column = ProjectTable.columns["allocated_amount"]
    with translation.override("zh-hans"):
        assert column.label == "下达资金（万元）"
    with translation.override("en"):
        assert column.label == "Allocated (10k yuan)"


def test_long_selects_render_in_one_pass_with_the_choice_kept(unit_a, unit_b):
    from django.template import Context, Template

    from tracker.common.ledger import FastSelect
    from tracker.models import Unit

    units = Unit.objects.filter(pk__in=[unit_a.pk, unit_b.pk]).order_by("code")
    html = Template("{% load ledger %}{% options units sel %}").render(Context({"units": units, "sel": str(unit_b.pk)}))
    # the shortest markup HTML allows (ids unquoted, no </option>): the list is most of a leader's ledger page
    assert html == f"<option value={unit_a.pk}>井研县<option value={unit_b.pk} selected>沐川县"
    widget = FastSelect(choices=[("", "全部"), (unit_a.pk, "<井研县>"), ("a b", "x"), ('"><script>', "y")])
    assert widget.render("unit", unit_a.pk, {"id": "id_unit"}) == (
        '<select id="id_unit" name="unit"><option value="">全部'
        f"<option value={unit_a.pk} selected>&lt;井研县&gt;"
        '<option value="a b">x<option value="&quot;&gt;&lt;script&gt;">y</select>'
    )


def test_short_option_markup_parses_to_the_same_list():
    """A browser's parser (html.parser here, as lenient about optional end tags) reads each option's value, label
    and selection as written."""
    from html.parser import HTMLParser

    from tracker.common.ledger import option_tags

    class Options(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[list] = []

        def handle_starttag(self, tag, attrs):
            if tag == "option":
                a = dict(attrs)
                self.found.append([a["value"], "selected" in a, ""])

        def handle_data(self, data):
            if self.found:
                self.found[-1][2] += data

    parser = Options()
    parser.feed("<select>" + option_tags([(7, "井研县"), ("x-1", "A & B"), ("", "全部")], {"x-1"}) + "</select>")
    assert parser.found == [["7", False, "井研县"], ["x-1", True, "A & B"], ["", False, "全部"]]
