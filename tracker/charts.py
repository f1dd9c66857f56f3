"""Air charts: pure functions DataFrame → Plotly figure (no Django). Chinese titles, axes and hover text."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .standards import CATEGORY_COLOURS, CATEGORY_NAMES

FONT = {"family": "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif", "size": 12}


def _layout(fig: go.Figure, title: str, height: int = 340) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font=FONT,
        height=height,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="#ffffff",
        legend={"orientation": "h", "y": -0.15},
    )
    fig.update_yaxes(gridcolor="#e3e9e6")
    return fig


def daily_aqi_figure(df: pd.DataFrame, title: str = "逐日空气质量指数（AQI）") -> go.Figure:
    """Daily AQI bars coloured by the six HJ 633-2012 categories (one trace per category for the legend).

    `df` has columns date, aqi, category, pm25, o3_8h.
    """
    fig = go.Figure()
    for name in CATEGORY_NAMES:
        part = df[df["category"] == name]
        if part.empty:
            continue
        fig.add_bar(
            x=part["date"],
            y=part["aqi"],
            name=name,
            marker_color=CATEGORY_COLOURS[name],
            customdata=part[["pm25", "o3_8h"]].to_numpy(),
            hovertemplate="%{x|%Y-%m-%d}<br>AQI %{y}（" + name + "）<br>PM2.5 %{customdata[0]} µg/m³"
            "<br>O₃-8h %{customdata[1]} µg/m³<extra></extra>",
        )
    fig.update_layout(bargap=0)
    fig.update_xaxes(title_text="日期")
    fig.update_yaxes(title_text="AQI")
    for level in (100, 200):
        fig.add_hline(y=level, line_dash="dot", line_color="#888", line_width=1)
    return _layout(fig, title)


def monthly_compare_figure(monthly: pd.DataFrame, column: str, label: str, unit: str) -> go.Figure:
    """This year vs last year, by month, of one monthly statistic (`monthly` from selectors.monthly_frame)."""
    fig = go.Figure()
    for year, part in monthly.groupby("year"):
        fig.add_scatter(
            x=part["month"],
            y=part[column].round(1),
            mode="lines+markers",
            name=f"{year} 年",
            hovertemplate=f"{year} 年 %{{x}} 月<br>{label} %{{y}} {unit}<extra></extra>",
        )
    fig.update_xaxes(title_text="月份", tickmode="array", tickvals=list(range(1, 13)), range=[0.5, 12.5])
    fig.update_yaxes(title_text=f"{label}（{unit}）")
    return _layout(fig, f"{label}逐月对比", height=300)
