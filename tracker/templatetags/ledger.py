"""Filter forms of the ledgers: `{% options units selected %}` renders a long list of <option>s in one pass
(a leader's unit filter lists every unit, 2,844 nationally; a template loop takes ~100 ms for that)."""

from django import template
from django.db.models import QuerySet

from tracker.common.ledger import option_tags

register = template.Library()


def _pairs(items):
    """(pk, name) of each item; a queryset of a model with a `name` column reads just those two columns (building
    2,844 Unit objects to print two of their fields took a third of the tag's time)."""
    if isinstance(items, QuerySet) and any(f.name == "name" for f in items.model._meta.concrete_fields):
        return items.values_list("pk", "name")
    return (i if isinstance(i, tuple) else (i.pk, i.name) for i in items)


@register.simple_tag
def options(items, selected=None):
    """<option value=pk>name (`tracker.common.ledger.option_tags`: the shortest markup) for each object or
    (pk, name) pair (`values_list("pk", "name")`: no model instance per unit), the one whose pk equals `selected`
    (any type) selected."""
    chosen = frozenset() if selected in (None, "") else frozenset([str(selected)])
    return option_tags(_pairs(items), chosen)
