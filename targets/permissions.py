"""Which entered values a person may see, enter or approve: `DataValue.objects.restrict`."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet

from tracker.common.access import has_cap

from .models import DataValue

ValueAction = Literal["view", "report", "approve"]


def data_values_for_user(user, action: ValueAction = "view") -> QuerySet[DataValue]:
    """Entered values within reach: `view` by unit scope, `report` own units only, `approve` `approve_values`."""
    return DataValue.objects.select_related("indicator", "unit", "entered_by", "approved_by").restrict(user, action)


def can_approve(user) -> bool:
    return has_cap(user, "approve_values")


def can_compute(user) -> bool:
    return has_cap(user, "compute_scores")
