"""Dashboards: each role reaches its own, officials only their unit, fixed query counts, cache, exports."""

import io

import openpyxl
import pytest
from django.urls import reverse

from rectifications.models import RectificationItem
from targets import services
from targets.models import UnitScore
from tests.dashboards import fakes
from tests.factories import AirStationFactory, MeasureFactory, RectificationItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("leader", "targets:dashboard_city"),
        ("admin", "targets:dashboard_city"),
        ("inspector", "targets:dashboard_inspector"),
    ],
)
def test_menu_entry_routes_city_wide_roles(client_for, actors, city, who, target):
    city(3)
    response = client_for(actors[who]).get(reverse("targets:dashboard"))
    assert response.status_code == 302 and response.url == reverse(target)


@pytest.mark.parametrize("who", ["official_a", "dept_official"])
def test_menu_entry_routes_officials_to_their_unit(client_for, actors, city, who):
    city(3)
    user = actors[who]
    response = client_for(user).get(reverse("targets:dashboard"))
    assert response.status_code == 302 and response.url == reverse("targets:dashboard_unit", args=[user.unit_id])


@pytest.mark.parametrize(
    ("who", "marker"),
    [
        ("leader", "全市生态环境工作调度看板"),
        ("admin", "全市生态环境工作调度看板"),
        ("inspector", "督察整改看板"),
        ("official_a", "井研县 · 工作看板"),
    ],
)
def test_home_page_is_the_roles_dashboard(client_for, actors, city, who, marker):
    city(3)
    response = client_for(actors[who]).get(reverse("home"))
    assert response.status_code == 200 and marker in response.content.decode()


def test_officials_see_only_their_own_unit_dashboard(client_for, official_a, unit_a, unit_b, city):
    city(3)
    client = client_for(official_a)
    assert client.get(reverse("targets:dashboard_unit", args=[unit_a.pk])).status_code == 200
    assert client.get(reverse("targets:dashboard_unit", args=[unit_b.pk])).status_code == 404
    assert client.get(reverse("targets:dashboard_unit_export", args=[unit_b.pk])).status_code == 404
    assert client.get(reverse("targets:dashboard_city")).status_code == 403
    assert client.get(reverse("targets:dashboard_city_export")).status_code == 403
    assert client.get(reverse("targets:dashboard_inspector")).status_code == 403


@pytest.mark.parametrize("who", ["leader", "inspector", "admin"])
def test_city_wide_roles_open_any_unit_and_the_map(client_for, actors, unit_b, city, who):
    city(3)
    client = client_for(actors[who])
    assert client.get(reverse("targets:dashboard_unit", args=[unit_b.pk])).status_code == 200
    assert client.get(reverse("targets:dashboard_map")).status_code == 200


def test_anonymous_is_sent_to_log_in(client_for, city):
    city(3)
    for name in ("targets:dashboard", "targets:dashboard_city", "targets:dashboard_map"):
        assert client_for(None).get(reverse(name)).status_code == 302


def _ranking_rows(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-unit="([^"]+)">', html)


def test_ranking_rows_follow_the_snapshot(client_for, leader, city):
    _scheme, run = city(4)
    html = client_for(leader).get(reverse("targets:dashboard_city")).content.decode()
    expected = list(
        UnitScore.objects.filter(run=run).order_by("rank", "unit__sort_order").values_list("unit__name", flat=True)
    )
    assert _ranking_rows(html) == expected
    assert expected[0] == "井研县"  # the override made it best (99 % against 88 %)


def test_leaders_page_counts_met_units_and_risks_from_the_runs_rows(client_for, leader, city):
    from django.template.defaultfilters import floatformat

    from targets import selectors as assessment
    from targets.models import ScoreSnapshot

    _scheme, run = city(4)
    html = client_for(leader).get(reverse("targets:dashboard_city")).content.decode()
    for item in assessment.run_items(run):
        statuses = list(ScoreSnapshot.objects.filter(run=run, item=item).values_list("status", flat=True))
        met, assessed = statuses.count("met"), sum(s in ("met", "missed") for s in statuses)
        assert f"{met}/{assessed} 个单位达标" in html, item.indicator.name
    risks = assessment.deduction_risks(run)
    assert len(risks) > 0
    points = floatformat(risks["points_at_risk"].sum(), 1)
    assert f'{len(risks)}</span><span class="label">项扣分风险（可能失分 {points} 分）' in html
    # the first rows in the risks' own order
    shown = [r.unit_name for r in risks.head(10).itertuples()]
    section = html[html.index('id="risks"') :]
    assert [section.index(f">{name}</a>") for name in dict.fromkeys(shown)] == sorted(
        section.index(f">{name}</a>") for name in dict.fromkeys(shown)
    )


def _seed_live(units):
    for u in units:
        RectificationItemFactory(unit=u, status="open")
        MeasureFactory(unit=u)
        AirStationFactory(unit=u, lon=103.7, lat=29.5)


@pytest.mark.parametrize("name", ["targets:dashboard_city", "targets:dashboard_map", "targets:dashboard_inspector"])
def test_city_pages_cost_the_same_queries_for_3_and_30_units(
    client_for, leader, city, name, django_assert_max_num_queries
):
    from django.core.cache import cache

    from tracker.models import Unit

    # one database, two sizes: 3 units first, then 27 more units and a new run
    scheme, _run = city(3)
    _seed_live(Unit.objects.all())
    client = client_for(leader)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse(name)).status_code == 200
    from targets.models import Indicator
    from tests.factories import TargetFactory, UnitFactory
    from tracker.choices import UnitKind

    good = Indicator.objects.get(code="air_good_day_rate")
    new = [UnitFactory(code=f"5197{i:02d}", name=f"扩展区{i}", kind=UnitKind.DISTRICT) for i in range(27)]
    for u in new:
        TargetFactory(indicator=good, unit=u, value=88.0, year=scheme.year)
    _seed_live(new)
    services.scores_compute(scheme_id=scheme.pk, as_of=_run.as_of)
    cache.clear()
    with django_assert_max_num_queries(40) as large:
        assert client.get(reverse(name)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_unit_page_costs_the_same_queries_for_3_and_30_units(
    client_for, official_a, unit_a, city, django_assert_max_num_queries
):
    from django.core.cache import cache

    from tests.factories import UnitFactory
    from tracker.choices import UnitKind

    scheme, run = city(3)
    client = client_for(official_a)
    url = reverse("targets:dashboard_unit", args=[unit_a.pk])
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for i in range(27):
        u = UnitFactory(code=f"5196{i:02d}", name=f"扩展县{i}", kind=UnitKind.COUNTY)
        RectificationItemFactory(unit=u)
    services.scores_compute(scheme_id=scheme.pk, as_of=run.as_of)
    cache.clear()
    with django_assert_max_num_queries(40) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_second_view_is_served_from_the_cache(client_for, leader, city, django_assert_max_num_queries):
    city(3)
    client = client_for(leader)
    client.get(reverse("targets:dashboard_city"))
    # 12 for the shell and the cached panels, + the live panels outside the cache: the province's ranking (1),
    # the pilots (at most 4, projects.pilots.pilot_portfolio) and the deduction-risk follow-ups (one aggregate)
    # + the weather warning in force (one query) + the watch summary (four counts)
    with django_assert_max_num_queries(12 + 1 + 4 + 1 + 1 + 4):
        assert client.get(reverse("targets:dashboard_city")).status_code == 200


def test_a_new_scoring_run_shows_at_once(client_for, leader, city):
    scheme, run = city(3)
    client = client_for(leader)
    assert _ranking_rows(client.get(reverse("targets:dashboard_city")).content.decode())[0] == "井研县"
    fakes.OVERRIDE["511124"] = 10.0  # 井研县 collapses
    services.scores_compute(scheme_id=scheme.pk, as_of=run.as_of)
    assert _ranking_rows(client.get(reverse("targets:dashboard_city")).content.decode())[-1] == "井研县"


def test_a_new_overdue_item_shows_without_a_new_run(client_for, leader, unit_a, city, today):
    import datetime

    city(3)
    client = client_for(leader)
    assert "T-OVERDUE" not in client.get(reverse("targets:dashboard_city")).content.decode()
    RectificationItemFactory(unit=unit_a, code="T-OVERDUE", deadline=today - datetime.timedelta(days=3))
    assert "T-OVERDUE" in client.get(reverse("targets:dashboard_city")).content.decode()


def _sheet(response, title):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book[title].iter_rows(values_only=True))


def test_city_export_has_the_page_ranking(client_for, leader, city):
    _scheme, run = city(4)
    response = client_for(leader).get(reverse("targets:dashboard_city_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response, "综合排名")
    totals = list(
        UnitScore.objects.filter(run=run).order_by("rank", "unit__sort_order").values_list("unit__name", "total")
    )
    assert [(r[1], r[2]) for r in rows[1:]] == [(n, round(t, 2)) for n, t in totals]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"综合排名", "优良天数率", "近一周变化", "扣分风险"} <= set(book.sheetnames)


def test_unit_export_has_each_item(client_for, official_a, unit_a, city):
    city(3)
    rows = _sheet(client_for(official_a).get(reverse("targets:dashboard_unit_export", args=[unit_a.pk])), "目标与完成")
    assert rows[1][0] == "优良天数率" and rows[1][2] == 99.0 and rows[1][3] == 88.0


@pytest.mark.clock
def test_inspector_export_lists_waiting_requests_oldest_first(client_for, inspector, unit_a, unit_b, city):
    import datetime

    from django.utils import timezone

    city(3)
    old = RectificationItemFactory(unit=unit_a, status="closing_requested", code="Q-OLD")
    new = RectificationItemFactory(unit=unit_b, status="closing_requested", code="Q-NEW")
    RectificationItem.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=9))
    RectificationItem.objects.filter(pk=new.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=1))
    client = client_for(inspector)
    html = client.get(reverse("targets:dashboard_inspector")).content.decode()
    assert html.index("Q-OLD") < html.index("Q-NEW")
    rows = _sheet(client.get(reverse("targets:dashboard_inspector_export")), "待核验销号申请")
    # Moved 9×24 h and 1×24 h ago: 9 and 1 calendar days on the Beijing clock, at any hour (the UTC date of the
    # move lagged a day between 00:00 and 08:00 Beijing time and made it 10).
    assert [r[0] for r in rows[1:]] == ["Q-OLD", "Q-NEW"] and rows[1][4] == 9 and rows[2][4] == 1


def test_zone_export_and_map_without_boundary(client_for, leader, city):
    city(3)
    client = client_for(leader)
    page = client.get(reverse("targets:dashboard_map")).content.decode()
    assert "尚未上传行政区划边界" in page
    assert client.get(reverse("targets:dashboard_zones_export")).status_code == 200


def test_unknown_period_is_404(client_for, leader, city):
    city(3)
    assert client_for(leader).get(reverse("targets:dashboard_city") + "?run=999999").status_code == 404


def test_officials_map_links_only_their_own_unit(client_for, official_a, unit_a, unit_b, city):
    city(3)
    page = client_for(official_a).get(reverse("targets:dashboard_map")).content.decode()
    assert f'<a href="{reverse("targets:dashboard_unit", args=[unit_a.pk])}">井研县</a>' in page
    assert reverse("targets:dashboard_unit", args=[unit_b.pk]) not in page
    assert "<td>沐川县" in page  # listed, without a link


def test_long_tables_show_head_and_tail_with_the_count_left_out():
    from targets.dashboards.views import _head_tail

    rows, hidden = _head_tail(list(range(100)))
    assert hidden == 40 and rows[:40] == list(range(40)) and rows[40] is None and rows[41:] == list(range(80, 100))
    assert _head_tail(list(range(80))) == (list(range(80)), 0)


def test_inspector_sees_overdue_and_rebounded_by_unit(client_for, inspector, unit_a, city, today):
    import datetime

    city(3)
    RectificationItemFactory(unit=unit_a, deadline=today - datetime.timedelta(days=5))
    RectificationItemFactory(unit=unit_a, status="rebounded")
    html = client_for(inspector).get(reverse("targets:dashboard_inspector")).content.decode()
    assert "各单位逾期与反弹问题" in html and '"name":"反弹"' in html.replace(" ", "")


def test_area_filter_keeps_only_that_areas_panels(client_for, leader, city):
    city(3)
    client = client_for(leader)
    every = client.get(reverse("targets:dashboard_city")).content.decode()
    air = client.get(reverse("targets:dashboard_city") + "?area=air").content.decode()
    assert "逾期整改问题 <span" in every and "逾期整改问题 <span" not in air
    assert "优良天数率 <span" in air


def test_trend_points_link_to_the_ranking_they_come_from(client_for, leader, city, today):
    import datetime

    scheme, run = city(3)
    if today.month == 1:
        pytest.skip("a monthly trend needs two months of the scheme year")
    earlier = services.scores_compute(scheme_id=scheme.pk, as_of=today.replace(day=1) - datetime.timedelta(days=1))
    html = client_for(leader).get(reverse("targets:dashboard_city")).content.decode()
    assert "综合得分逐月走势" in html
    for r in (earlier, run):  # in a chart's point data, not only in a link
        assert f'["{reverse("targets:index")}?run={r.pk}"]' in html


def test_cached_panels_are_kept_per_language(client_for, official_a, unit_a, city):
    # The unit dashboard caches its panels (chart titles inside). An English visit first must not hand its
    # English chart text to the Chinese reader who comes next (the cache key holds the language).
    city(3)
    client = client_for(official_a)
    url = reverse("targets:dashboard_unit", args=[unit_a.pk])
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "My unit’s total score by month" in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "本单位总分逐月走势" in chinese and "My unit’s total score by month" not in chinese


def test_item_panels_load_apart_from_the_page(client_for, leader, city, django_assert_max_num_queries):
    # The page carries one placeholder per assessment item; each item's charts and table come from their own
    # URL, built there from that item's stored rows of the run (the page's build reads no unit's item values) and
    # cached under the same language, role and units' version.
    from targets.models import AssessmentItem

    scheme, run = city(3)
    client = client_for(leader)
    html = client.get(reverse("targets:dashboard_city")).content.decode()
    items = list(AssessmentItem.objects.filter(scheme=scheme).order_by("sort_order"))
    urls = [reverse("targets:dashboard_city_panel", args=[i.pk]) for i in items]
    for url in urls:
        assert f'data-panel-src="{url}?run={run.pk}"' in html
    assert html.count("data-plotly-for") == 3  # warnings, ranking, totals trend: no item chart in the page
    good = next(i for i in items if i.indicator.code == "air_good_day_rate")
    # the shell (9, as a warm view below) and the item, the month-end runs and their trend (its units' rows are
    # read by COPY, which the count does not see)
    with django_assert_max_num_queries(12):
        panel = client.get(reverse("targets:dashboard_city_panel", args=[good.pk]), {"run": run.pk})
    assert panel.status_code == 200
    body = panel.content.decode()
    assert body.count("data-plotly-for") >= 1 and "优良天数率" in body and "井研县" in body
    assert client.get(reverse("targets:dashboard_city_panel", args=[987654]), {"run": run.pk}).status_code == 404
    with django_assert_max_num_queries(9):  # a second view: from the cache
        assert (
            client.get(reverse("targets:dashboard_city_panel", args=[good.pk]), {"run": run.pk}).content
            == panel.content
        )


def test_an_item_panel_builds_on_an_empty_cache_and_follows_the_language(client_for, leader, city):
    from django.core.cache import cache

    from targets.models import AssessmentItem

    scheme, _run = city(3)
    item = AssessmentItem.objects.filter(scheme=scheme, indicator__code="air_good_day_rate").get()
    url = reverse("targets:dashboard_city_panel", args=[item.pk])
    cache.clear()
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "明细表" in chinese and "明细表" not in english


def test_a_status_change_rebuilds_only_the_live_part_of_the_leaders_page(client_for, leader, unit_a, city, today):
    # The run's panels are keyed by the run (and the units' names); the due-and-overdue part by the data version.
    # After one rectification status change the next view rebuilds the live parts alone, not the run's panels.
    import datetime

    from targets.dashboards import selectors as dash

    city(3)
    item = RectificationItemFactory(unit=unit_a, code="T-LIVE", deadline=today - datetime.timedelta(days=3))
    client = client_for(leader)
    assert "T-LIVE" in client.get(reverse("targets:dashboard_city")).content.decode()
    counted = dash.builds()
    RectificationItem.objects.filter(pk=item.pk).update(status="closed", closed_on=today)
    html = client.get(reverse("targets:dashboard_city")).content.decode()
    assert "T-LIVE" not in html and "综合得分排名" in html
    # the live parts only: the due-and-overdue cards and panel, and the other live panels (both keyed by the data
    # version); the run's panels (the expensive part) are not rebuilt
    assert dash.builds() == counted + 2
