"""Water charts: pure DataFrame → Plotly figure (no Django import)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

CLASS_LABELS = ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类")
# The customary water-quality class colours of Chinese bulletins (Ⅰ–Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red).
CLASS_COLOURS = ("#33b5e5", "#1e88e5", "#43a047", "#fbc02d", "#fb8c00", "#e53935")


def section_class_figure(frame: pd.DataFrame, *, target_class: int, title: str) -> go.Figure:
    """Monthly class (1 = Ⅰ … 6 = 劣Ⅴ) as coloured bars, with the target class as a dashed line.

    `frame` has `month` (date) and `water_class` (int or None); months without data are left as gaps.
    """
    fig = go.Figure()
    data = frame.dropna(subset=["water_class"]) if not frame.empty else frame
    if not data.empty:
        ranks = data["water_class"].astype(int)
        fig.add_bar(
            x=pd.to_datetime(data["month"]),
            y=ranks,
            marker_color=[CLASS_COLOURS[r - 1] for r in ranks],
            customdata=[CLASS_LABELS[r - 1] for r in ranks],
            hovertemplate="%{x|%Y年%m月}<br>水质类别：%{customdata}<extra></extra>",
            name="月度水质类别",
        )
    fig.add_hline(
        y=target_class,
        line_dash="dash",
        line_color="#8c1d18",
        annotation_text=f"目标 {CLASS_LABELS[target_class - 1]}",
        annotation_position="top left",
    )
    fig.update_layout(
        title=title,
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        showlegend=False,
        plot_bgcolor="#fff",
        xaxis={"title": "月份", "tickformat": "%Y-%m", "dtick": "M3"},
        yaxis={
            "title": "水质类别（越低越好）",
            "tickvals": list(range(1, 7)),
            "ticktext": list(CLASS_LABELS),
            "range": [0, 6.5],
            "gridcolor": "#eee",
        },
    )
    return fig
