"""Dashboards in a real browser, for each role: the charts draw, the ranking rows match the database, and a
drill-down (a table link and a click on a chart's bar) leads to the rows behind the number."""

import datetime
import re

import pytest

from rectifications.models import RectificationItem
from targets.models import GeoBoundary, UnitScore
from targets.services import geo_boundary_save
from tests.dashboards.conftest import _fresh_cache, city, fake_air, today  # noqa: F401 - fixtures
from tests.factories import RectificationItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = ".chart-drawn svg.main-svg"


def _square(code, x):
    ring = [[x, 29.0], [x + 0.2, 29.0], [x + 0.2, 29.2], [x, 29.2], [x, 29.0]]
    return {"type": "Feature", "properties": {"adcode": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_leader_reads_the_city_dashboard_and_drills_down(login, leader, city, live_server):  # noqa: F811 - the fixture
    _scheme, run = city(4)
    page = login("leader")
    page.wait_for_selector(DRAWN)
    assert page.locator("h1").inner_text() == "全市生态环境工作调度看板"
    shown = page.locator("table[data-table=ranking] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")
    expected = list(
        UnitScore.objects.filter(run=run).order_by("rank", "unit__sort_order").values_list("unit__name", flat=True)
    )
    assert shown == expected
    assert page.locator(".chart-drawn").count() >= 3  # warning colours, ranking, totals trend
    # the item panels load their charts when they come near the viewport
    page.locator("section.area-panel").last.scroll_into_view_if_needed()
    page.wait_for_selector("[data-panel-src] .chart-drawn")
    assert page.locator("[data-panel-src] .chart-drawn").count() >= 1
    page.locator("#ranking").scroll_into_view_if_needed()
    # a click on the best unit's bar in the ranking chart opens that unit's dashboard
    ranking_chart = page.locator("#ranking .chart-drawn").first
    ranking_chart.locator("g.point path").last.click(force=True)
    page.wait_for_url("**/dashboard/units/*/")
    assert page.locator("h1").inner_text().startswith(expected[0])
    page.wait_for_selector(DRAWN)


def test_leader_map_draws_counties_from_the_boundary(login, leader, city, live_server):  # noqa: F811 - the fixture
    city(3)
    geo_boundary_save(
        boundary=GeoBoundary(name="测试边界"),
        doc={"type": "FeatureCollection", "features": [_square("511124", 103.0), _square("511129", 103.3)]},
    )
    page = login("leader")
    page.goto(f"{live_server.url}/dashboard/map/?mode=zone")
    page.wait_for_selector(".chart-drawn .choroplethlayer path", state="attached")
    assert page.locator(".chart-drawn .choroplethlayer path").count() == 2
    assert "测试区0" in page.locator(".map-layout").inner_text()  # listed beside the map (no boundary)


def test_leader_dashboard_prints_as_clean_a4(login, leader, city, live_server, tmp_path):  # noqa: F811 - the fixture
    city(3)
    page = login("leader")
    page.wait_for_selector(DRAWN)
    page.emulate_media(media="print")
    assert page.locator(".mainnav").is_hidden() and page.locator("form.filters").first.is_hidden()
    assert page.locator("#ranking .chart-drawn").first.is_visible()
    assert page.locator(".area-panel").first.is_hidden()  # the per-area panels stay on screen and in Excel
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page


def test_official_sees_own_unit_targets_and_follows_an_item(login, official_a, unit_a, city, live_server):  # noqa: F811 - the fixture
    _scheme, run = city(3)
    page = login("official_a")
    page.wait_for_selector(DRAWN)
    assert page.locator("h1").inner_text().startswith("井研县")
    rows = page.locator("table[data-table=unit-items] tbody tr")
    assert rows.count() == 3
    assert rows.first.locator("td").nth(0).inner_text() == "优良天数率"
    assert rows.first.locator("td").nth(1).inner_text().startswith("99.00")
    rows.first.locator("a").click()
    page.wait_for_url(f"**/assessment/runs/{run.pk}/units/{unit_a.pk}/")
    assert "优良天数比例 99.0%" in page.content()


def test_inspector_sees_the_queue_oldest_first_and_opens_an_item(login, inspector, unit_a, unit_b, city, live_server):  # noqa: F811 - the fixture
    from django.utils import timezone

    city(3)
    old = RectificationItemFactory(unit=unit_a, status="closing_requested", code="Q-OLD")
    new = RectificationItemFactory(unit=unit_b, status="closing_requested", code="Q-NEW")
    RectificationItem.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=9))
    RectificationItem.objects.filter(pk=new.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=2))
    page = login("inspector")
    page.wait_for_selector(DRAWN)
    codes = page.locator("table[data-table=queue] tbody tr td:first-child").all_inner_texts()
    assert codes == ["Q-OLD", "Q-NEW"]
    page.click("text=Q-OLD")
    page.wait_for_url(f"**/rectifications/items/{old.pk}/")
