"""Dashboard figures: pure functions DataFrame → Plotly figure (no Django).

Colours are consistent across the site and readable for colour-blind people:
- met / missed a target: Okabe–Ito blue #0072B2 / vermilion #D55E00 (distinct in all three colour-vision
  deficiencies), and every bar also carries its value and a "达标/未达标" label in the hover text;
- the four warning colours are the site's `--warn-*` (green, yellow, orange, red), always named in the legend;
- war zones use the Okabe–Ito qualitative palette, each zone named on the map's hover and legend;
- AQI categories use HJ 633-2012's colours (from `tracker.standards`), water classes the `.wq-*` colours.
Every figure has a Chinese title, axis titles and hover text; a point's `customdata[0]` is the URL of the
rows behind it (static/js/site.js follows it on click).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rectifications.warning import COLOUR_HEX
from tracker.charts import FONT

MET = "#0072B2"
MISSED = "#D55E00"
GREY = "#b8c2be"
WARN_COLOURS = COLOUR_HEX  # the one table of the four warning colours (rectifications.warning.COLOURS)
# score choropleth: a sequential, colour-blind-safe scale (low = light, high = dark blue)
SCORE_SCALE = [[0.0, "#d6e6f4"], [0.5, "#6aaed6"], [1.0, "#08306b"]]
SCORE_SCALE_R = [[0.0, "#08306b"], [0.5, "#6aaed6"], [1.0, "#d6e6f4"]]
# lines: Okabe–Ito blue, vermilion, bluish green, reddish purple … (told apart by dash pattern as well)
LINE_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
GRID = {"gridcolor": "#e3e9e6", "zerolinecolor": "#c9d3cf"}  # every y axis's grid and zero lines


def _layout(
    title: str, height: int = 320, legend: bool = True, *, xaxis: dict | None = None, yaxis: dict | None = None, **more
) -> dict:
    """The site's layout of a figure, with the figure's own axes (`xaxis`, `yaxis`) and anything `more`.

    It is given to `go.Figure(data, layout=...)` whole: a layout passed to the constructor is checked once, while
    `update_layout` / `update_xaxes` afterwards walk plotly's property paths on every call (~4 ms a figure against
    ~40 ms, most of a cold dashboard's chart time)."""
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "font": FONT,
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 48, "b": 50},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "showlegend": legend,
        "legend": {"orientation": "h", "y": -0.2},
        "hoverlabel": {"font": FONT},
        "colorway": LINE_COLOURS,
        "xaxis": xaxis or {},
        "yaxis": (yaxis or {}) | GRID,
    } | more


def _fmt(value, digits: int = 1) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def ranking_figure(rows: pd.DataFrame, title: str = "综合得分排名") -> go.Figure:
    """Horizontal bars of the totals, best at the top. `rows`: unit_name, total, rank, movement, url.

    Beyond 40 units only the first and last 20 are drawn (the table and the export have them all).
    """
    df = rows.sort_values("rank")
    if len(df) > 40:
        df = pd.concat([df.head(20), df.tail(20)])
    df = df.iloc[::-1]
    move = [
        "—" if pd.isna(m) else ("持平" if m == 0 else (f"上升 {int(m)} 位" if m > 0 else f"下降 {int(-m)} 位"))
        for m in df["movement"]
    ]
    bars = go.Bar(
        x=df["total"].round(2),
        y=[f"{r}. {n}" for r, n in zip(df["rank"], df["unit_name"], strict=True)],
        orientation="h",
        marker_color=MET,
        text=df["total"].map(lambda v: f"{v:.2f}"),
        textposition="outside",
        customdata=np.column_stack([df["url"], move]),
        hovertemplate="%{y}<br>总分 %{x:.2f}<br>较上期 %{customdata[1]}<extra>点击查看单位</extra>",
        name="总分",
    )
    layout = _layout(
        title,
        height=max(260, 26 * len(df) + 90),
        legend=False,
        xaxis={"title": {"text": "总分"}, "range": [0, max(float(df["total"].max()), 1.0) * 1.12]},
        yaxis={"title": {"text": ""}, "automargin": True},
    )
    return go.Figure(bars, layout=layout)


def item_figure(df: pd.DataFrame, *, title: str, measure: str, higher_better: bool) -> go.Figure:
    """One assessment item across units: each unit's value as a bar (blue met, vermilion missed, grey no data,
    not applicable or no target) with its own target as a black marker. `df`: unit_name, value, target, url and
    `status` — the run's stored status (met / missed / na / no_data / no_target); nothing is re-derived here.
    `higher_better` only orders the bars."""
    df = df.sort_values("value", ascending=not higher_better, na_position="last")
    if len(df) > 40:
        df = pd.concat([df.head(20), df.tail(20)])
    values = df["value"].astype(float)
    targets = df["target"].astype(float)
    stored = df["status"].fillna("").astype(str).to_numpy()
    labels = {"met": "达标", "missed": "未达标", "na": "不涉及", "no_target": "无目标"}
    status = np.array([labels.get(x, "无数据") for x in stored], dtype=object)
    colours = np.where(stored == "met", MET, np.where(stored == "missed", MISSED, GREY))
    suffix = f"（{measure}）" if measure else ""
    custom = np.column_stack([df["url"], status, [_fmt(t) for t in targets]])
    traces: list = [
        go.Bar(
            x=df["unit_name"],
            y=values.round(2),
            marker_color=colours,
            text=[_fmt(v) for v in values],
            textposition="outside",
            customdata=custom,
            hovertemplate="%{x}<br>实际 %{y}"
            + measure
            + "<br>目标 %{customdata[2]}"
            + measure
            + "<br>%{customdata[1]}<extra>点击查看明细</extra>",
            name="实际值",
            showlegend=False,
        )
    ]
    for label, colour in (("达标", MET), ("未达标", MISSED), ("无数据", GREY)):
        traces.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"color": colour, "symbol": "square", "size": 10},
                name=label,
                hoverinfo="skip",
            )
        )
    traces.append(
        go.Scatter(
            x=df["unit_name"],
            y=targets,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 26, "color": "#222", "line": {"width": 3, "color": "#222"}},
            name="目标值",
            customdata=custom,
            hovertemplate="%{x}<br>目标 %{y}" + measure + "<extra></extra>",
        )
    )
    layout = _layout(
        title,
        height=320,
        xaxis={"title": {"text": "责任单位"}, "tickangle": -30},
        yaxis={"title": {"text": f"{title}{suffix}"}, "rangemode": "tozero"},
    )
    return go.Figure(traces, layout=layout)


def trend_figure(df: pd.DataFrame, *, title: str, ytitle: str, target: float | None = None) -> go.Figure:
    """Lines over scoring dates. `df`: as_of, series (name), value and optionally url (the point's ranking);
    an optional horizontal target line."""
    traces = []
    dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
    for n, (name, part) in enumerate(df.groupby("series", sort=False)):
        part = part.sort_values("as_of")
        traces.append(
            go.Scatter(
                x=pd.to_datetime(part["as_of"]),
                y=part["value"].astype(float).round(2),
                mode="lines+markers",
                name=str(name),
                line={"dash": dashes[n % len(dashes)]},
                customdata=part[["url"]].to_numpy() if "url" in part else None,
                hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}<br>{ytitle} %{{y}}<extra></extra>",
            )
        )
    layout = _layout(
        title,
        height=300,
        xaxis={"title": {"text": "计分截止日"}, "tickformat": "%Y-%m"},
        yaxis={"title": {"text": ytitle}},
    )
    fig = go.Figure(traces, layout=layout)
    if target is not None and not math.isnan(target):
        fig.add_hline(
            y=target,
            line_dash="dot",
            line_color="#222",
            annotation_text=f"目标 {target:g}",
            annotation_position="top left",
        )
    return fig


def warning_figure(
    counts: pd.DataFrame, *, title: str = "未销号问题四色预警", labels: dict[str, str] | None = None
) -> go.Figure:
    """Open rectification items by warning colour. `counts`: colour (green…red), count, url; `labels`: the
    colours' (translated) names, `rectifications.choices.Colour` labels as the caller passes them."""
    df = counts.set_index("colour").reindex(list(WARN_COLOURS)).fillna({"count": 0}).reset_index()
    labels = labels or {}
    bars = go.Bar(
        x=[labels.get(c, c) for c in df["colour"]],
        y=df["count"].astype(int),
        marker_color=[WARN_COLOURS[c] for c in df["colour"]],
        marker_line={"color": "#333", "width": 1},
        text=df["count"].astype(int),
        textposition="outside",
        customdata=df[["url"]].to_numpy(),
        hovertemplate="%{x}预警 %{y} 项<extra>点击查看问题</extra>",
    )
    layout = _layout(
        title,
        height=280,
        legend=False,
        xaxis={"title": {"text": "预警等级"}},
        yaxis={"title": {"text": "问题数（项）"}, "rangemode": "tozero"},
    )
    return go.Figure(bars, layout=layout)


def unit_items_figure(df: pd.DataFrame, *, title: str = "各考核项得分（得分 / 满分）") -> go.Figure:
    """A unit's points per item against the maximum. `df`: item, points, max_points, met (bool or None), url."""
    df = df.iloc[::-1]
    colours = [GREY if m is None else (MET if m else MISSED) for m in df["met"]]
    fig = go.Figure()
    fig.add_bar(
        y=df["item"],
        x=df["max_points"],
        orientation="h",
        name="满分",
        marker_color="#eef2f0",
        marker_line={"color": GREY, "width": 1},
        hovertemplate="%{y}<br>满分 %{x}<extra></extra>",
    )
    fig.add_bar(
        y=df["item"],
        x=df["points"].round(2),
        orientation="h",
        name="得分",
        marker_color=colours,
        text=df["points"].map(lambda v: f"{v:.2f}"),
        textposition="auto",
        customdata=df[["url"]].to_numpy(),
        hovertemplate="%{y}<br>得分 %{x}<extra>点击查看计分依据</extra>",
    )
    fig.update_layout(
        _layout(
            title,
            height=max(240, 30 * len(df) + 100),
            xaxis={"title": {"text": "分值"}},
            yaxis={"automargin": True},
            barmode="overlay",
        )
    )
    return fig


def zone_figure(df: pd.DataFrame, *, title: str = "各战区优良天数率与 PM2.5") -> go.Figure:
    """Per war zone: good-day rate (bars, left axis) and PM2.5 (diamonds, right axis).
    `df`: zone, rate, pm25, url, colour; the zone pulling the city down is the one with the lowest rate."""
    fig = go.Figure()
    fig.add_bar(
        x=df["zone"],
        y=df["rate"].round(1),
        name="优良天数率（%）",
        marker_color=df["colour"],
        marker_line={"color": "#333", "width": 1},
        text=[_fmt(v) for v in df["rate"]],
        textposition="outside",
        customdata=df[["url"]].to_numpy(),
        hovertemplate="%{x}<br>优良天数率 %{y}%<extra>点击查看战区</extra>",
    )
    fig.add_scatter(
        x=df["zone"],
        y=df["pm25"].round(1),
        name="PM2.5（µg/m³）",
        yaxis="y2",
        mode="markers",
        marker={"symbol": "diamond", "size": 13, "color": "#222"},
        customdata=df[["url"]].to_numpy(),
        hovertemplate="%{x}<br>PM2.5 %{y} µg/m³<extra></extra>",
    )
    pm_top = float(df["pm25"].max()) if df["pm25"].notna().any() else 50.0
    layout = _layout(
        title,
        height=320,
        xaxis={"title": {"text": "战区"}},
        yaxis={"title": {"text": "优良天数率（%）"}, "range": [0, 105]},
        yaxis2={
            "title": {"text": "PM2.5（µg/m³）"},
            "overlaying": "y",
            "side": "right",
            "range": [0, pm_top * 1.25],
            "tickformat": ".0f",
            "showgrid": False,
        }
        | GRID,
    )
    fig.update_layout(layout)
    return fig


def map_figure(
    geojson: dict,
    areas: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    title: str,
    mode: str,
    colour_label: str,
    higher_better: bool = True,
) -> go.Figure:
    """The city's counties coloured by a value (mode "value") or by war zone (mode "zone"), stations as points.

    `areas`: code, unit_name, value, label (hover text), url, zone, zone_colour.
    `stations`: name, lon, lat, level, aqi_text. No basemap tiles: the outline is drawn from the GeoJSON alone.
    """
    fig = go.Figure()
    if mode == "zone":
        # one choropleth (the boundary is embedded once) with a stepped colour scale: zone n → its colour
        named = areas.assign(
            zone=areas["zone"].astype(object).where(areas["zone"].notna(), "").replace("", "未划入战区")
        )
        named["zone_colour"] = named["zone_colour"].astype(object).where(named["zone_colour"].notna(), "#e0e0e0")
        zones = list(dict.fromkeys(named["zone"]))
        colours = [named.loc[named["zone"] == z, "zone_colour"].iloc[0] for z in zones]
        n = len(zones)
        scale = []
        for i, colour in enumerate(colours):
            scale += [[i / n, colour], [(i + 1) / n, colour]]
        fig.add_choropleth(
            geojson=geojson,
            featureidkey="properties.adcode",
            locations=named["code"],
            z=[zones.index(z) + 0.5 for z in named["zone"]],
            zmin=0,
            zmax=n,
            colorscale=scale,
            showscale=False,
            marker_line={"color": "#ffffff", "width": 1.2},
            text=named["label"],
            customdata=named[["url"]].to_numpy(),
            hovertemplate="%{text}<extra></extra>",
            name="战区",
            showlegend=False,
        )
        for zone, colour in zip(zones, colours, strict=True):  # legend entries naming each colour
            fig.add_scattergeo(
                lon=[None],
                lat=[None],
                mode="markers",
                name=zone,
                hoverinfo="skip",
                marker={"size": 12, "symbol": "square", "color": colour},
            )
    else:
        scale = SCORE_SCALE if higher_better else SCORE_SCALE_R
        fig.add_choropleth(
            geojson=geojson,
            featureidkey="properties.adcode",
            locations=areas["code"],
            z=areas["value"].astype(float),
            colorscale=scale,
            marker_line={"color": "#ffffff", "width": 1.2},
            text=areas["label"],
            customdata=areas[["url"]].to_numpy(),
            hovertemplate="%{text}<extra></extra>",
            colorbar={"title": {"text": f"{colour_label}<br>（越深越好）"}, "thickness": 14, "len": 0.8},
            name=colour_label,
        )
    if not stations.empty:
        fig.add_scattergeo(
            lon=stations["lon"],
            lat=stations["lat"],
            mode="markers",
            name="空气监测站点",
            marker={"size": 8, "color": "#222", "symbol": "triangle-up", "line": {"color": "#fff", "width": 1}},
            text=stations["label"],
            customdata=stations[["url"]].to_numpy(),
            hovertemplate="%{text}<extra></extra>",
        )
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    layout = _layout(title, height=520)
    fig.update_layout(layout | {"margin": {"l": 10, "r": 10, "t": 48, "b": 10}, "legend": {"orientation": "h", "y": 0}})
    return fig


def unit_issue_figure(df: pd.DataFrame, *, title: str = "各单位逾期与反弹问题") -> go.Figure:
    """Overdue (orange) and rebounded (red) open items per unit, most first; the bars link to the unit's items.
    `df`: unit_name, overdue, rebounded, url. Beyond 30 units only the 30 with most overdue items are drawn."""
    df = df.head(30)
    fig = go.Figure()
    for column, name, colour, pattern in (
        ("overdue", "逾期未销号", WARN_COLOURS["orange"], ""),
        ("rebounded", "反弹", WARN_COLOURS["red"], "/"),
    ):
        fig.add_bar(
            x=df["unit_name"],
            y=df[column],
            name=name,
            marker_color=colour,
            marker_pattern_shape=pattern,
            marker_line={"color": "#333", "width": 1},
            text=df[column],
            textposition="outside",
            customdata=df[["url"]].to_numpy(),
            hovertemplate="%{x}<br>" + name + " %{y} 项<extra>点击查看问题</extra>",
        )
    layout = _layout(
        title,
        height=320,
        xaxis={"title": {"text": "责任单位"}, "tickangle": -30},
        yaxis={"title": {"text": "问题数（项）"}, "rangemode": "tozero"},
        barmode="group",
    )
    fig.update_layout(layout)
    return fig


def warm() -> None:
    """Build each kind of figure the leaders' and units' dashboards draw once, on one-row tables, and throw them
    away: plotly loads its figure classes, property validators and JSON encoder on first use, ~0.4 s on the 2-core
    machine that a new web process would otherwise spend inside its first dashboard request. `config/wsgi.py`
    calls this when a process starts, before it takes a request."""
    url = ["/"]
    ranking_figure(pd.DataFrame({"unit_name": ["甲"], "total": [1.0], "rank": [1], "movement": [None], "url": url}))
    units = pd.DataFrame({"unit_name": ["甲"], "value": [1.0], "target": [1.0], "url": url, "status": ["met"]})
    item_figure(units, title="", measure="", higher_better=True)
    trend = pd.DataFrame({"as_of": [pd.Timestamp("2026-01-31")], "series": ["甲"], "value": [1.0], "url": url})
    trend_figure(trend, title="", ytitle="", target=1.0)
    unit_items_figure(pd.DataFrame({"item": ["甲"], "points": [1.0], "max_points": [1.0], "met": [True], "url": url}))
    warning_figure(pd.DataFrame({"colour": ["red"], "count": [1], "url": url})).to_json()
