"""Planning ahead (超前谋划) and the province's view of the city: writes.

- `scheme_copy_to_next_year`: next year's assessment scheme as an editable copy of this year's — items and the
  targets of their indicators — written whole or not at all.
- `targets_propose_from_ranking`: this year's targets of an indicator raised to pass the city one place above in
  the province's ranking (`targets.province.proposed_target`).

Both are the admin's acts (`manage_schemes`). Kept apart from `services.py`, which is past the size where a
module splits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from tracker.common.access import has_cap
from tracker.common.audit import audited

from . import province, scoring
from .choices import Direction
from .models import AssessmentItem, AssessmentScheme, ProvincialRanking, Target

logger = logging.getLogger(__name__)


def _check(user) -> None:
    if not has_cap(user, "manage_schemes"):
        raise PermissionDenied(_("只有系统管理员可以管理考核方案和目标值。"))


def next_year_name(name: str, year: int) -> str:
    """The copy's name: every "<year>" in the name becomes "<year + 1>"; without one, "（<year + 1>年）" is added."""
    if str(year) in name:
        return re.sub(str(year), str(year + 1), name)
    return f"{name}（{year + 1}年）"


@dataclass(frozen=True)
class SchemeCopy:
    scheme: AssessmentScheme
    items: int
    targets: int
    targets_kept: int  # next year's targets that already existed (left as they were)


@audited
def scheme_copy_to_next_year(*, scheme: AssessmentScheme, user) -> SchemeCopy:
    """Copy `scheme` to next year, unpublished, for editing: its caps, every item (indicator, points, rule,
    parameters, 不涉及 policy, veto, order) and, for each item's indicator, every unit's target and baseline
    of this year as next year's (a target already set for next year is kept, not overwritten).

    Refused when next year's scheme of that name exists. One transaction: all or nothing.
    """
    _check(user)
    year = scheme.year + 1
    name = next_year_name(scheme.name, scheme.year)
    if AssessmentScheme.objects.filter(year=year, name=name).exists():
        raise ValidationError(_("%(y)d年的考核方案“%(n)s”已存在，不能重复复制。") % {"y": year, "n": name})
    copy = AssessmentScheme.objects.create(year=year, name=name, published=False, caps=scheme.caps)
    items = list(scheme.items.order_by("sort_order", "pk"))
    AssessmentItem.objects.bulk_create(
        [
            AssessmentItem(
                scheme=copy,
                indicator_id=it.indicator_id,
                max_points=it.max_points,
                rule=it.rule,
                params=it.params,
                na_policy=it.na_policy,
                veto=it.veto,
                sort_order=it.sort_order,
            )
            for it in items
        ]
    )
    indicator_ids = [it.indicator_id for it in items]
    existing = set(
        Target.objects.filter(year=year, indicator_id__in=indicator_ids).values_list("indicator_id", "unit_id")
    )
    source = Target.objects.filter(year=scheme.year, indicator_id__in=indicator_ids)
    new = [
        Target(indicator_id=t.indicator_id, unit_id=t.unit_id, year=year, value=t.value, baseline=t.baseline)
        for t in source
        if (t.indicator_id, t.unit_id) not in existing
    ]
    Target.objects.bulk_create(new)
    logger.info("scheme %s copied to %s (%d items, %d targets) by user %s", scheme.pk, copy.pk, len(items),
                len(new), user.pk)  # fmt: skip
    return SchemeCopy(scheme=copy, items=len(items), targets=len(new), targets_kept=len(existing))


@dataclass(frozen=True)
class Proposal:
    ranking: ProvincialRanking
    value: float | None  # the proposed target; None when the ranking has no next place's value
    raised: int  # targets made stricter
    kept: int  # targets already at least as strict


@audited
def targets_propose_from_ranking(*, ranking: ProvincialRanking, user) -> Proposal:
    """Raise the ranking year's targets of its indicator so that meeting them passes the next place.

    The proposal is `province.proposed_target(next_value)`: the value of the city one place above plus one
    step of the indicator's precision. Every unit's target of that indicator and year that is weaker is set to
    it; stricter ones stay; units without a target get none (the admin sets those). A city already first, or a
    ranking without the next place's value, proposes nothing.
    """
    _check(user)
    ind = ranking.indicator
    if ranking.next_value is None or ranking.rank == 1:
        return Proposal(ranking=ranking, value=None, raised=0, kept=0)
    higher = ind.direction == Direction.HIGHER
    precision = scoring.default_precision(ind.unit_of_measure) if ind.precision is None else ind.precision
    value = province.proposed_target(ranking.next_value, higher_better=higher, precision=precision)
    targets = Target.objects.filter(indicator=ind, year=ranking.year)
    weaker = targets.filter(Q(value__lt=value) if higher else Q(value__gt=value))
    raised = weaker.update(value=value)
    return Proposal(ranking=ranking, value=value, raised=raised, kept=targets.count() - raised)
