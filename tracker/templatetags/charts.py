"""`{% plotly_chart fig %}`: a Plotly figure as a JSON data block drawn by static/js/site.js.

No inline script, so the page keeps a strict Content-Security-Policy (script-src 'self').
"""

from __future__ import annotations

import itertools

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
_ids = itertools.count(1)
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def plotly_chart(fig, height: int | None = None, css_class: str = "chart"):
    """Render `fig` (a plotly Figure, or its dict/JSON) into a div plus a non-executed JSON block."""
    if fig is None:
        return ""
    payload = fig if isinstance(fig, str) else (fig.to_json() if hasattr(fig, "to_json") else _dumps(fig))
    chart_id = f"chart-{next(_ids)}"
    style = f"height:{int(height)}px" if height else ""
    return format_html(
        '<div class="{}" id="{}" style="{}" role="img"></div>'
        '<script type="application/json" data-plotly-for="{}">{}</script>',
        css_class,
        chart_id,
        style,
        chart_id,
        mark_safe(payload.translate(_ESCAPES)),
    )


def _dumps(obj) -> str:
    import plotly.io as pio

    return pio.to_json(obj)
