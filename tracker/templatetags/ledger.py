"""Filter forms of the ledgers: `{% options units selected %}` renders a long list of <option>s in one pass
(a leader's unit filter lists every unit, 2,844 nationally; a template loop takes ~100 ms for that)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def options(items, selected=None):
    """<option value="pk">name</option> for each object or (pk, name) pair (`values_list("pk", "name")`: no model
    instance per unit), the one whose pk equals `selected` (any type) selected."""
    chosen = "" if selected in (None, "") else str(selected)
    pairs = (i if isinstance(i, tuple) else (i.pk, i.name) for i in items)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, mark_safe(" selected") if str(pk) == chosen else "", name) for pk, name in pairs),
    )
