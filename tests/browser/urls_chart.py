"""A page with one Plotly chart rendered by `{% plotly_chart %}`, to check it draws under the CSP."""

import plotly.graph_objects as go
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_patterns

PAGE = """{% extends "base.html" %}{% load charts %}
{% block content %}<h1>图表</h1>{% plotly_chart fig %}{% endblock %}
{% block scripts %}{% include "includes/plotly.html" %}{% endblock %}"""


def chart(request):
    fig = go.Figure(go.Bar(x=["井研县", "沐川县"], y=[86.3, 91.2], customdata=["/units/", "/units/"]))
    fig.update_layout(title="优良天数率（%）</script><script>alert(1)</script>")
    html = engines["django"].from_string(PAGE).render({"fig": fig}, request)
    return HttpResponse(html)


urlpatterns = [path("chart/", chart), *site_patterns]
