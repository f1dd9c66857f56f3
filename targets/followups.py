"""扣分风险跟踪督办 — the writes: a leader or an admin hands a deduction risk to a unit and a person; the unit's
officials report back until a final report says it is done.

The follow-up is keyed to (scheme year, unit, assessment item), never to a run: the nightly re-run replaces the
run and its risk rows, the follow-up stays. Each move goes through `FOLLOWUP_WORKFLOW`, a compare-and-set on the
version the page showed, and an event row, in one transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import has_cap
from tracker.common.workflow import Stale, compare_and_set
from tracker.models import InboxKind, Person, Unit
from tracker.services.inbox import inbox_notify, inbox_notify_units

from .choices import FOLLOWUP_WORKFLOW, FollowUpStatus, RunStatus
from .models import AssessmentItem, RiskFollowUp, RiskFollowUpEvent, RiskFollowUpReport, ScoreSnapshot


def can_assign_followups(user) -> bool:
    return has_cap(user, "assign_risk_followups")


def current_points_at_risk(*, item: AssessmentItem, unit_id: int) -> float | None:
    """Points at risk of (unit, item) in the newest succeeded run of the item's scheme (None: no such run)."""
    snap = (
        ScoreSnapshot.objects.filter(
            item=item, unit_id=unit_id, run__status=RunStatus.SUCCEEDED, scheme_id=item.scheme_id
        )
        .order_by("-run__as_of", "-run__created_at")
        .values_list("points_at_risk", flat=True)
        .first()
    )
    return snap


@transaction.atomic
def risk_followup_assign(
    *,
    user,
    unit_id: int,
    item_id: int,
    deadline: datetime.date,
    note: str = "",
    person_id: int | None = None,
    expected_version: int | None = None,
) -> RiskFollowUp:
    """Hand (or hand again) the deduction risk of `unit` on `item` to the unit and a person, with a deadline.

    A first assignment needs the pair to be at risk in the newest run; handing it again (new deadline, other
    person, reopening a finished one) needs the version the page showed. The unit's officials are told.
    """
    if not can_assign_followups(user):
        raise PermissionDenied(_("只有市领导和系统管理员可以交办扣分风险。"))
    item = AssessmentItem.objects.select_related("scheme", "indicator").filter(pk=item_id).first()
    unit = Unit.objects.filter(pk=unit_id).first()
    if item is None or unit is None:
        raise ValidationError(_("没有这个单位或考核项。"))
    errors: dict[str, str] = {}
    if person_id is not None and not Person.objects.filter(pk=person_id, unit_id=unit_id).exists():
        errors["person"] = _("责任人须为该记录责任单位的人员。")
    if deadline < timezone.localdate():
        errors["deadline"] = _("办结时限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    year = item.scheme.year
    now = timezone.now()
    at_risk = current_points_at_risk(item=item, unit_id=unit_id) or 0.0
    existing = RiskFollowUp.objects.filter(year=year, unit_id=unit_id, item_id=item_id).first()
    fields = {
        "person_id": person_id,
        "deadline": deadline,
        "note": note.strip(),
        "assigned_by": user,
        "assigned_at": now,
        "points_at_risk": at_risk,
    }
    if existing is None:
        if at_risk <= 0:
            raise ValidationError(_("该单位此考核项在最新计分中没有扣分风险。"))
        try:
            with transaction.atomic():
                followup = RiskFollowUp.objects.create(year=year, unit_id=unit_id, item_id=item_id, **fields)
        except IntegrityError as exc:  # someone assigned the same risk a moment ago
            raise Stale() from exc
        src = ""
    else:
        if expected_version is None:
            raise Stale()
        FOLLOWUP_WORKFLOW.check(existing.status, FollowUpStatus.ASSIGNED, user)
        compare_and_set(
            RiskFollowUp.objects,
            pk=existing.pk,
            expected_version=expected_version,
            state_field="status",
            state=existing.status,
            status=FollowUpStatus.ASSIGNED,
            done_on=None,
            **fields,
        )
        src = existing.status
        followup = RiskFollowUp.objects.get(pk=existing.pk)
    RiskFollowUpEvent.objects.create(
        followup=followup, actor=user, at=now, from_status=src, to_status=FollowUpStatus.ASSIGNED, note=note[:300]
    )
    who = Person.objects.filter(pk=person_id).first() if person_id else None
    inbox_notify_units(
        unit_ids=[unit_id],
        kind=InboxKind.RISK_FOLLOWUP,
        title=f"扣分风险督办：{item.indicator.name}",
        body=(
            f"可能失分 {at_risk:.2f} 分；责任人 {who.name if who else '—'}；办结时限 {deadline:%Y-%m-%d}。"
            f"{note.strip()}"
        ),
        url=reverse("targets:risk_followup_detail", args=[followup.pk]),
    )
    return followup


@transaction.atomic
def risk_followup_report(
    *, user, followup: RiskFollowUp, text: str, final: bool, expected_version: int
) -> RiskFollowUpReport:
    """The unit's official reports what was done; a final report closes the follow-up (已完成)."""
    if not RiskFollowUp.objects.restrict(user, "report").filter(pk=followup.pk).exists():
        raise PermissionDenied(_("只能为本单位的督办事项报告落实情况。"))
    if not text.strip():
        raise ValidationError({"text": _("请填写落实情况。")})
    dst = FollowUpStatus.DONE if final else FollowUpStatus.REPORTING
    FOLLOWUP_WORKFLOW.check(followup.status, dst, user)
    today = timezone.localdate()
    compare_and_set(
        RiskFollowUp.objects,
        pk=followup.pk,
        expected_version=expected_version,
        state_field="status",
        state=followup.status,
        status=dst,
        done_on=today if final else None,
    )
    report = RiskFollowUpReport.objects.create(
        followup=followup, text=text.strip(), final=final, reported_by=user, reported_on=today
    )
    RiskFollowUpEvent.objects.create(
        followup=followup,
        actor=user,
        at=timezone.now(),
        from_status=followup.status,
        to_status=dst,
        note=text.strip()[:300],
    )
    if final:
        inbox_notify(
            users=[followup.assigned_by_id],
            kind=InboxKind.RISK_FOLLOWUP,
            title=f"扣分风险督办已完成：{followup.unit.name} {followup.item.indicator.name}",
            body=text.strip()[:500],
            url=reverse("targets:risk_followup_detail", args=[followup.pk]),
        )
    followup.refresh_from_db()
    return report
