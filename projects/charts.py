"""Charts for the projects pages: DataFrame → Plotly figure. Pure: no Django import."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

GREEN, AMBER, RED, GREY = "#2e7d32", "#f9a825", "#c62828", "#90a4ae"


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        plot_bgcolor="white",
        font={"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif"},
    )
    return fig


def unit_ranking_chart(frame: pd.DataFrame, *, target: float) -> go.Figure:
    """Horizontal bars of each unit's execution rate (%), a dashed line at the target; below target in red."""
    rates = [float(r) if r is not None else 0.0 for r in frame["rate"]]
    colours = [GREEN if r >= target else (AMBER if r >= target * 0.75 else RED) for r in rates]
    hover = [
        f"{u}<br>执行率 {r:.2f}%<br>已支付 {float(p) / 1e4:,.1f} 万元 / 下达 {float(a) / 1e4:,.1f} 万元"
        for u, r, p, a in zip(frame["unit"], rates, frame["paid"], frame["allocated"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(x=rates, y=list(frame["unit"]), orientation="h", marker_color=colours, hovertext=hover, hoverinfo="text")
    )
    fig.add_vline(x=target, line_dash="dash", line_color="#555", annotation_text=f"目标 {target:.0f}%")
    fig.update_yaxes(autorange="reversed", title_text="责任单位")
    fig.update_xaxes(title_text="预算执行率（%）", range=[0, 100])
    return _layout(fig, "各单位预算执行率排名", height=max(300, 28 * len(frame) + 100))


def reserve_chart(frame: pd.DataFrame) -> go.Figure:
    """Project pool by stage: count as bars, estimated investment (万元) as a line on a second axis."""
    investment = [float(v) / 1e4 for v in frame["investment"]]
    fig = go.Figure()
    fig.add_bar(
        x=list(frame["label"]),
        y=list(frame["count"]),
        name="项目数（个）",
        marker_color=GREEN,
        hovertemplate="%{x}：%{y} 个<extra></extra>",
    )
    fig.add_scatter(
        x=list(frame["label"]),
        y=investment,
        name="估算总投资（万元）",
        yaxis="y2",
        mode="lines+markers",
        line={"color": AMBER},
        hovertemplate="%{x}：%{y:,.1f} 万元<extra></extra>",
    )
    fig.update_layout(
        yaxis={"title": {"text": "项目数（个）"}},
        yaxis2={"title": {"text": "估算总投资（万元）"}, "overlaying": "y", "side": "right"},
        legend={"orientation": "h", "y": -0.2},
        xaxis={"title": {"text": "项目阶段"}},
    )
    return _layout(fig, "项目储备（按阶段）")
