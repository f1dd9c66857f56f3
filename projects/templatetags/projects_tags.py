"""Display helpers for money and rates on the projects pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def wan(value) -> str:
    """Yuan → 万元 with two decimals and thousands separators ("—" for nothing)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) / 10000:,.2f}"


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def pct(value) -> str:
    """A percent with two decimals, or "—" when there is no rate (nothing allocated)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):.2f}%"


@register.filter
def bar(value) -> str:
    """Width for a `.progress` bar: the value clamped to 0–100, as a plain number for a style attribute."""
    if value is None or value == "":
        return "0"
    return f"{max(0.0, min(100.0, float(value))):.1f}"
