"""Water pages: who sees what, filters, fixed query counts, exports."""

import datetime as dt

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    DrinkingWaterSourceFactory,
    RiverFactory,
    SewageOutletFactory,
    WaterMonthlyReadingFactory,
    WaterSectionFactory,
)
from tracker.charts_water import section_class_figure

pytestmark = pytest.mark.django_db


def _month(offset):
    today = timezone.localdate().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - offset, 12)
    return dt.date(year, month + 1, 1)


@pytest.fixture
def water_data(unit_a, unit_b):
    river = RiverFactory(name="茫溪河")
    a = WaterSectionFactory(code="A1", name="王村", unit=unit_a, river=river)
    b = WaterSectionFactory(code="B1", name="舟坝", unit=unit_b)
    for i in range(1, 4):
        WaterMonthlyReadingFactory(section=a, month=_month(i), water_class=5, compliant=False)
        WaterMonthlyReadingFactory(section=b, month=_month(i), water_class=2, compliant=True)
    SewageOutletFactory(unit=unit_a, name="井研排口", deadline=dt.date(2020, 1, 1))
    SewageOutletFactory(unit=unit_b, name="沐川排口")
    DrinkingWaterSourceFactory(unit=unit_a, name="黄鹤水库")
    DrinkingWaterSourceFactory(unit=unit_b, name="沐溪河水源")
    return a, b


PAGES = ["tracker:water_index", "tracker:outlet_list", "tracker:drinking_water_list"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector", "admin"])
def test_every_role_opens_the_water_pages(client_for, actors, water_data, page, who):
    assert client_for(actors[who]).get(reverse(page)).status_code == 200


def test_anonymous_is_sent_to_log_in(client, water_data):
    assert client.get(reverse("tracker:water_index")).status_code == 302


def test_official_sees_only_own_unit_records(client_for, official_a, water_data):
    client = client_for(official_a)
    body = client.get(reverse("tracker:water_index")).content.decode()
    assert "王村" in body and "舟坝" not in body
    body = client.get(reverse("tracker:outlet_list")).content.decode()
    assert "井研排口" in body and "沐川排口" not in body
    body = client.get(reverse("tracker:drinking_water_list")).content.decode()
    assert "黄鹤水库" in body and "沐溪河水源" not in body


def test_leader_sees_all_and_section_list_filters(client_for, leader, water_data, unit_b):
    client = client_for(leader)
    body = client.get(reverse("tracker:water_index")).content.decode()
    assert "王村" in body and "舟坝" in body
    assert "wq-5" in body  # class coloured
    body = client.get(reverse("tracker:water_index"), {"unit": unit_b.pk}).content.decode()
    assert "王村" not in body and "舟坝" in body
    body = client.get(reverse("tracker:water_index"), {"river": water_data[0].river_id}).content.decode()
    assert "王村" in body and "舟坝" not in body


def test_section_detail_for_other_unit_is_404(client_for, official_b, official_a, water_data):
    url = reverse("tracker:water_section_detail", args=[water_data[0].pk])
    assert client_for(official_b).get(url).status_code == 404
    response = client_for(official_a).get(url)
    assert response.status_code == 200
    assert "plotly" in response.content.decode().lower()


def test_outlet_detail_for_other_unit_is_404(client_for, official_b, unit_a):
    outlet = SewageOutletFactory(unit=unit_a)
    assert client_for(official_b).get(reverse("tracker:outlet_detail", args=[outlet.pk])).status_code == 404


def test_outlet_ledger_counts_and_overdue(client_for, leader, water_data):
    response = client_for(leader).get(reverse("tracker:outlet_list"))
    counts = {c["unit__name"]: c for c in response.context["counts"]}
    assert counts["井研县"]["total"] == 1 and counts["井研县"]["overdue"] == 1
    assert counts["沐川县"]["overdue"] == 0
    assert "row-overdue" in response.content.decode()
    only = client_for(leader).get(reverse("tracker:outlet_list"), {"overdue": "1"})
    assert [o.name for o in only.context["table"].page.object_list] == ["井研排口"]


def test_outlet_ledger_excel_export(client_for, leader, water_data):
    response = client_for(leader).get(reverse("tracker:outlet_list"), {"export": "xlsx"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(__import__("io").BytesIO(response.content))
    assert wb.sheetnames == ["排口台账", "分单位统计"]
    names = [row[1] for row in wb["排口台账"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["井研排口", "沐川排口"]


def test_section_list_excel_export(client_for, official_a, water_data):
    response = client_for(official_a).get(reverse("tracker:water_index"), {"export": "xlsx"})
    wb = openpyxl.load_workbook(__import__("io").BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["A1"]
    ranking = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    # unit A's section missed every month (class V against target III): 0 of its months this year comply
    this_year = sum(1 for i in range(1, 4) if _month(i).year == timezone.localdate().year)
    assert [r[1:] for r in ranking] == ([("井研县", 0, this_year, 0.0)] if this_year else [])


def test_pages_use_a_fixed_number_of_queries(client_for, leader, water_data, django_assert_max_num_queries, unit_a):
    client = client_for(leader)
    for _ in range(10):
        s = WaterSectionFactory(unit=unit_a)
        WaterMonthlyReadingFactory(section=s, month=_month(1))
        SewageOutletFactory(unit=unit_a)
        DrinkingWaterSourceFactory(unit=unit_a)
    for page in PAGES:
        # 13: the section ledger's cards read the latest classes and the year's counts in two queries
        with django_assert_max_num_queries(13):
            assert client.get(reverse(page)).status_code == 200
    outlet = SewageOutletFactory(unit=unit_a)
    with django_assert_max_num_queries(12):
        client.get(reverse("tracker:outlet_detail", args=[outlet.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("tracker:water_section_detail", args=[water_data[0].pk]))


def test_chart_marks_target_and_colours_classes():
    import pandas as pd

    frame = pd.DataFrame({"month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)], "water_class": [2, 6]})
    fig = section_class_figure(frame, target_class=3, title="测试")
    bar = fig.data[0]
    assert list(bar.y) == [2, 6]
    assert list(bar.customdata) == ["Ⅱ类", "劣Ⅴ类"]
    assert fig.layout.shapes[0].y0 == 3
    empty = section_class_figure(pd.DataFrame(columns=["month", "water_class"]), target_class=2, title="空")
    assert len(empty.data) == 0
