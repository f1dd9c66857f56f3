"""Who may see and act on rectification items: `RectificationItem.objects.restrict`.

Officials reach their own unit's items and the items their department leads; city-wide readers see all;
`report` (act) reaches the same items, but only for officials, through their report grant.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tracker.common.scoping import get_for_user_or_404

from .models import RectificationItem


def items_for_user(user, action: str = "view") -> QuerySet[RectificationItem]:
    return RectificationItem.objects.restrict(user, action)


def get_item_for_user(user, pk, action: str = "view") -> RectificationItem:
    qs = RectificationItem.objects.select_related("unit", "lead_department", "inspection")
    return get_for_user_or_404(qs, pk, user, action)
