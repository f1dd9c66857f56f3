"""Dashboard figures (pure): colours carry meaning consistently, every point links to its rows."""

import math

import pandas as pd

from targets.dashboards import charts


def test_item_bars_are_blue_when_met_and_vermilion_when_missed_lower_better():
    # PM2.5 (lower is better), targets 35: 30 met, 40 missed, no value → grey; hand-made table
    df = pd.DataFrame(
        {
            "unit_name": ["甲", "乙", "丙"],
            "value": [30.0, 40.0, math.nan],
            "target": [35.0, 35.0, 35.0],
            "url": ["/a", "/b", "/c"],
        }
    )
    fig = charts.item_figure(df, title="PM2.5", measure="µg/m³", higher_better=False)
    bars = fig.data[0]
    assert list(bars.x) == ["甲", "乙", "丙"]  # best first, no data last
    assert list(bars.marker.color) == [charts.MET, charts.MISSED, charts.GREY]
    assert [c[1] for c in bars.customdata] == ["达标", "未达标", "无数据"]
    assert [c[0] for c in bars.customdata] == ["/a", "/b", "/c"]
    assert fig.layout.title.text == "PM2.5" and "µg/m³" in fig.layout.yaxis.title.text


def test_warning_chart_uses_the_four_site_colours_in_order():
    counts = pd.DataFrame({"colour": ["red", "green"], "count": [2, 5], "url": ["/r", "/g"]})
    labels = {"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
    fig = charts.warning_figure(counts, labels=labels)
    assert list(fig.data[0].x) == ["绿色", "黄色", "橙色", "红色"]
    assert list(fig.data[0].y) == [5, 0, 0, 2]
    assert list(fig.data[0].marker.color) == ["#2e7d32", "#f2c200", "#e66100", "#b3261e"]


def test_ranking_chart_keeps_first_and_last_twenty_of_many():
    n = 100
    rows = pd.DataFrame(
        {
            "unit_name": [f"u{i}" for i in range(n)],
            "total": [100.0 - i for i in range(n)],
            "rank": range(1, n + 1),
            "movement": [0] * n,
            "url": [f"/u/{i}" for i in range(n)],
        }
    )
    fig = charts.ranking_figure(rows)
    assert len(fig.data[0].y) == 40 and fig.data[0].y[-1] == "1. u0" and fig.data[0].y[0] == "100. u99"


def test_map_has_no_basemap_and_matches_adcode():
    geo = {"type": "FeatureCollection", "features": []}
    areas = pd.DataFrame(
        {
            "code": ["511124"],
            "unit_name": ["井研县"],
            "value": [60.0],
            "label": ["井研县"],
            "url": ["/x"],
            "zone": ["东部战区"],
            "zone_colour": ["#E69F00"],
        }
    )
    stations = pd.DataFrame({"name": ["站"], "lon": [104.0], "lat": [29.6], "label": ["站"], "url": ["/s"]})
    for mode in ("total", "zone"):
        fig = charts.map_figure(geo, areas, stations, title="地图", mode=mode, colour_label="总分")
        assert fig.data[0].type == "choropleth" and fig.data[0].featureidkey == "properties.adcode"
        assert fig.layout.geo.visible is False and fig.layout.geo.fitbounds == "locations"
        assert {t.type for t in fig.data} <= {"choropleth", "scattergeo"}  # no tile layers
        assert fig.data[-1].type == "scattergeo" and list(fig.data[-1].customdata[0]) == ["/s"]
