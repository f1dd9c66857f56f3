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
    # the section ledger (a page and its count), the cards (the sections' ids), the unit ranking (the sections'
    # units), the period assessment (the sections' names) — each reading its facts from the cache by the data
    # versions (one query each) — and the top bar's unread-message count: 17 on a warm water index, whatever the
    # number of sections (tests/core/test_ledgers.py checks the ledger's count is constant); cold, the two cached
    # builds add three (the sections' year facts; the assessed sections and their readings): 20
    for page in PAGES:
        with django_assert_max_num_queries(20):
            assert client.get(reverse(page)).status_code == 200
        with django_assert_max_num_queries(17):
            assert client.get(reverse(page)).status_code == 200
    outlet = SewageOutletFactory(unit=unit_a)
    with django_assert_max_num_queries(13):
        client.get(reverse("tracker:outlet_detail", args=[outlet.pk]))
    with django_assert_max_num_queries(13):
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


def test_section_page_and_export_show_limiting_factors_and_exceedance(client_for, leader, unit_a):
    from tracker.services.water import water_readings_upsert

    river = RiverFactory(name="黄鹤水库", water_body="reservoir")
    WaterSectionFactory(code="HH1", name="黄鹤水库坝前", unit=unit_a, river=river, target_class=3)
    month = _month(1).strftime("%Y-%m")
    # reservoir, target III: TP 0.08 → IV (湖库 III limit 0.05), 超标倍数 (0.08 − 0.05)/0.05 = 0.60
    row = {"section": "HH1", "month": month, "do": "8", "codmn": "3", "nh3n": "0.3", "tp": "0.08", "tn": "1.1"}
    row |= {"chla": "10", "sd": "1.0"}
    water_readings_upsert([{**row, "_row": 2}])
    section = WaterSectionFactory._meta.model.objects.get(code="HH1")
    body = client_for(leader).get(reverse("tracker:water_section_detail", args=[section.pk])).content.decode()
    assert "定类因子" in body and "总磷 0.60倍" in body and "水库" in body and "1.100" in body
    # TLI: 0.26626·50.006 + 0.18787·53.342 + 0.17903·56.145 + 0.18342·(51.18 + 30.324) = 48.34 → 48.3 中营养
    assert "48.3 中营养" in body
    response = client_for(leader).get(reverse("tracker:water_index"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "HH1")
    assert row[header.index("定类因子")] == "总磷" and row[header.index("超标倍数")] == "总磷 0.60倍"
    assert row[header.index("水质类别")] == "Ⅳ类" and row[header.index("水体类型")] == "水库"


def test_national_sections_are_assessed_on_the_period_mean_with_cwqi_ranking(leader, unit_a, unit_b):
    from tracker.selectors.water import section_period_assessment
    from tracker.services.water import water_readings_upsert

    WaterSectionFactory(code="NA", unit=unit_a, level="national", target_class=3)
    WaterSectionFactory(code="NB", unit=unit_b, level="provincial", target_class=3)
    WaterSectionFactory(code="NC", unit=unit_b, level="city", target_class=3)  # 市考: not in this assessment
    base = {"do": "6", "codmn": "3", "cod": "10", "bod5": "2"}
    rows = [
        # NA: NH₃-N 0.8 and 1.4 → mean 1.1 → IV by the mean, though one month was III (评价办法 §3)
        {"section": "NA", "month": "2026-01", **base, "nh3n": "0.8", "tp": "0.1"},
        {"section": "NA", "month": "2026-02", **base, "nh3n": "1.4", "tp": "0.1"},
        {"section": "NB", "month": "2026-01", **base, "nh3n": "0.5", "tp": "0.1"},
        {"section": "NC", "month": "2026-01", **base, "nh3n": "3.0", "tp": "0.1"},
    ]
    water_readings_upsert([{**r, "_row": i} for i, r in enumerate(rows, start=2)], today=dt.date(2026, 3, 1))
    sections, units = section_period_assessment(user=leader, year=2026, as_of=dt.date(2026, 3, 1))
    by_code = {r["code"]: r for r in sections}
    assert set(by_code) == {"NA", "NB"}
    assert by_code["NA"]["rank"] == 4 and not by_code["NA"]["compliant"] and by_code["NA"]["factors"] == "氨氮"
    assert by_code["NA"]["exceedance"] == "氨氮 0.10倍"  # (1.1 − 1.0)/1.0
    # CWQI: DO 5/6 = 0.8333, CODMn 0.5, COD 0.5, BOD5 0.5, TP 0.5; NH₃-N NA 1.1, NB 0.5
    # NA 0.8333 + 2.0 + 1.1 = 3.9333 → 3.93; NB 0.8333 + 2.0 + 0.5 = 3.3333 → 3.33
    assert by_code["NA"]["cwqi"] == 3.93 and by_code["NB"]["cwqi"] == 3.33
    ranking = units.set_index("unit_name")
    assert ranking.loc[unit_b.name, "rank"] == 1 and ranking.loc[unit_a.name, "rank"] == 2
    assert ranking.loc[unit_b.name, "good_rate"] == 100.0 and ranking.loc[unit_a.name, "good_rate"] == 0.0


# --- the water index on a whole country's lists: paged, cached by data versions, scoped -----------------------
JUNE = dt.datetime(2026, 6, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a working day, Beijing time
CLEAN = {"do": "6", "codmn": "3", "cod": "10", "bod5": "2", "nh3n": "0.5", "tp": "0.1"}  # class II (river)


def _readings(*rows: dict) -> None:
    from tracker.services.water import water_readings_upsert

    water_readings_upsert([{**r, "_row": i} for i, r in enumerate(rows, start=2)], today=JUNE.date())


@pytest.fixture
def three_sections(unit_a, unit_b):
    """Three assessed sections, one of unit A and two of unit B, with readings in January and February."""
    import time_machine

    WaterSectionFactory(code="NA", name="甲断面", unit=unit_a, level="national", target_class=3)
    WaterSectionFactory(code="NB", name="乙断面", unit=unit_b, level="provincial", target_class=3)
    WaterSectionFactory(code="NC", name="丙断面", unit=unit_b, level="provincial", target_class=3)
    _readings(*({"section": c, "month": m, **CLEAN} for c in ("NA", "NB", "NC") for m in ("2026-01", "2026-02")))
    with time_machine.travel(JUNE, tick=True):
        yield


def test_water_index_pages_its_rankings_and_assessment_each_with_its_own_parameter(
    client_for, leader, three_sections, monkeypatch
):
    monkeypatch.setattr("tracker.views.water.LIST_PAGE", 1)
    client = client_for(leader)
    page = client.get(reverse("tracker:water_index")).context
    assert [p["page"].paginator.count for p in (page["ranking_paged"], page["assessed_paged"], page["cwqi_paged"])] == [
        2,
        3,
        2,
    ]
    assert [r["code"] for r in page["assessed_paged"]["page"]] == ["NA"]
    second = client.get(reverse("tracker:water_index"), {"apage": 2, "rpage": 2})
    assert [r["code"] for r in second.context["assessed_paged"]["page"]] == ["NB"]
    assert second.context["ranking_paged"]["page"].number == 2 and second.context["cwqi_paged"]["page"].number == 1
    body = second.content.decode()
    # each pager keeps the other lists' pages and brings the reader back to its own panel
    assert "?rpage=2&apage=3#assessed" in body and "?apage=2&amp;rpage=2&cpage=2#cwqi" in body
    assert 'id="ranking"' in body and 'id="assessed"' in body and 'id="cwqi"' in body


def test_water_index_shows_a_new_reading_at_once(client_for, leader, three_sections):
    client = client_for(leader)
    before = client.get(reverse("tracker:water_index")).context  # builds and caches the year's facts
    assert {r["code"]: r["months"] for r in before["assessed_paged"]["page"]} == {"NA": 2, "NB": 2, "NC": 2}
    assert before["summary"]["ytd_rate"] == 100.0
    # March: NA at class V (NH₃-N 1.8), not compliant; its period mean NH₃-N (0.5 + 0.5 + 1.8)/3 = 0.933 is III
    _readings({"section": "NA", "month": "2026-03", **CLEAN, "nh3n": "1.8"})
    after = client.get(reverse("tracker:water_index")).context
    assert {r["code"]: r["months"] for r in after["assessed_paged"]["page"]} == {"NA": 3, "NB": 2, "NC": 2}
    assert after["summary"]["latest_compliant"] == 2 and after["summary"]["ytd_rate"] == pytest.approx(600 / 7)
    ranking = {r["unit_name"]: (r["compliant"], r["total"]) for r in after["ranking_paged"]["page"]}
    assert ranking == {"井研县": (2, 3), "沐川县": (4, 4)}


def test_water_index_judges_a_section_again_when_its_river_becomes_a_lake(client_for, leader, three_sections):
    from tracker.models import River, WaterSection

    client = client_for(leader)
    first = {r["code"]: r for r in client.get(reverse("tracker:water_index")).context["assessed_paged"]["page"]}
    assert first["NA"]["class_label"] == "Ⅱ类" and first["NA"]["compliant"]
    # TP 0.1 meets the river limit of II (0.1) but not the lake one of III (0.05): IV, 超标 (0.1 − 0.05)/0.05 = 1.00倍.
    # The river table is not versioned: the cached result is re-judged on the section's water body now.
    River.objects.filter(pk=WaterSection.objects.get(code="NA").river_id).update(water_body="lake")
    again = {r["code"]: r for r in client.get(reverse("tracker:water_index")).context["assessed_paged"]["page"]}
    assert again["NA"]["class_label"] == "Ⅳ类" and not again["NA"]["compliant"]
    assert again["NA"]["exceedance"] == "总磷 1.00倍" and again["NB"]["class_label"] == "Ⅱ类"


def test_water_index_lists_only_the_officials_own_unit_from_the_shared_cache(
    client_for, leader, official_a, three_sections, unit_a
):
    client_for(leader).get(reverse("tracker:water_index"))  # the leader builds the cached facts of every section
    page = client_for(official_a).get(reverse("tracker:water_index")).context
    assert [r["code"] for r in page["assessed_paged"]["page"]] == ["NA"]
    assert [r["unit_id"] for r in page["ranking_paged"]["page"]] == [unit_a.pk]
    assert [r["unit_id"] for r in page["cwqi_paged"]["page"]] == [unit_a.pk]
    assert page["summary"]["count"] == 1 and [u for u, _ in page["units"]] == [unit_a.pk]
