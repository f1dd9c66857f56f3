"""转为整改问题: a monitoring warning (监测预警) or a river patrol's finding (巡河发现) becomes a rectification item.

These writes live here, not in tracker: tracker is the bottom layer and knows no other app, so the item points at
its source (`RectificationItem.source_warning`, `.source_patrol`) and the tracker pages read the link back through
the reverse relation (`warning.rectification_item`, `patrol.rectification_item`). Who may escalate is the
capability `escalate_warnings` (inspectors and admins).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.choices import WatchSource
from tracker.common.access import has_cap
from tracker.common.audit import audited
from tracker.common.workflow import Stale
from tracker.models import MonitoringWarning, RiverPatrol
from tracker.selectors.watch import get_warning_for_user
from tracker.services.watch import warning_mark_escalated

from .choices import Area, InspectionKind
from .models import RectificationItem
from .services import WorkflowError, rectification_item_create


@audited
def warning_escalate(
    *,
    user,
    warning_id: int,
    expected_version: int,
    deadline: dt.date,
    responsible_person: str,
    measures: str = "",
    note: str = "",
) -> tuple[MonitoringWarning, RectificationItem]:
    """待处置 → 已转整改: close the warning as escalated (tracker's own move, compare-and-set) and open a
    rectification item for its unit that points back at it (`source_warning`), in one transaction."""
    warning = get_warning_for_user(user, warning_id)
    if not has_cap(user, "escalate_warnings"):
        raise PermissionDenied(_("只有督察员或系统管理员可以将预警转为整改问题。"))
    if deadline < timezone.localdate():
        raise ValidationError(_("整改时限不能早于今天。"))
    warning = warning_mark_escalated(user=user, warning_id=warning.pk, expected_version=expected_version, note=note)
    rule = warning.rule
    description = _(
        "%(subject)s %(rule)s：自 %(start)s 起连续 %(n)d 期超限，峰值 %(peak)s（阈值 %(thr)s）。%(note)s"
    ) % {
        "subject": warning.subject_name,
        "rule": rule.name,
        "start": warning.episode_start.isoformat(),
        "n": warning.periods,
        "peak": f"{warning.peak_value:g}",
        "thr": f"{rule.threshold.normalize():f}",
        "note": note.strip(),
    }
    today = timezone.localdate()
    try:
        item = rectification_item_create(
            user=user,
            inspection_kind=InspectionKind.MONITORING,
            inspection_name=_("监测预警转办（%(y)d年）") % {"y": today.year},
            inspection_date=today,
            code=f"YJ{today.year}-{warning.pk:05d}",
            description=description,
            area=Area.AIR if rule.source == WatchSource.AIR else Area.WATER,
            unit=warning.unit,
            responsible_person=responsible_person,
            deadline=deadline,
            measures=measures,
            source_warning=warning,
        )
    except WorkflowError as exc:
        raise ValidationError(str(exc)) from exc
    return warning, item


@audited
def river_patrol_to_item(
    *, user, patrol_id: int, deadline: dt.date, responsible_person: str, measures: str = "", note: str = ""
) -> tuple[RiverPatrol, RectificationItem]:
    """转为整改问题: open a rectification item for the patrol's unit from its finding, pointing back at the patrol
    (`source_patrol`) — once; a second attempt is refused (`Stale`). The patrol row is locked while this runs and
    `source_patrol` is unique (one-to-one), so two inspectors at once cannot both convert it."""
    if not has_cap(user, "escalate_warnings"):
        raise PermissionDenied(_("只有督察员或系统管理员可以将巡河发现的问题转为整改问题。"))
    patrol = (
        RiverPatrol.objects.select_for_update(of=("self",))
        .select_related("chief__river", "chief__person", "unit")
        .get(pk=patrol_id)
    )
    if RectificationItem.objects.filter(source_patrol=patrol).exists():
        raise Stale(_("该巡河记录已转为整改问题。"))
    if not patrol.has_problems:
        raise ValidationError(_("该次巡河未发现问题，无需转办。"))
    today = timezone.localdate()
    if deadline < today:
        raise ValidationError(_("整改时限不能早于今天。"))
    description = _("%(river)s %(stretch)s：%(level)s河长 %(person)s %(date)s 巡河发现：%(problems)s %(note)s") % {
        "river": patrol.chief.river.name,
        "stretch": patrol.stretch,
        "level": patrol.chief.get_level_display(),
        "person": patrol.chief.person.name,
        "date": patrol.date.isoformat(),
        "problems": patrol.problems,
        "note": note.strip(),
    }
    try:
        item = rectification_item_create(
            user=user,
            inspection_kind=InspectionKind.MONITORING,
            inspection_name=_("河湖长巡河发现问题转办（%(y)d年）") % {"y": today.year},
            inspection_date=today,
            code=f"HZ{today.year}-{patrol.pk:05d}",
            description=description.strip(),
            area=Area.WATER,
            unit=patrol.unit,
            responsible_person=responsible_person,
            deadline=deadline,
            measures=measures,
            source_patrol=patrol,
        )
    except WorkflowError as exc:
        raise ValidationError(str(exc)) from exc
    except IntegrityError as exc:  # the unique source_patrol: converted meanwhile (the whole transaction rolls back)
        raise Stale(_("该巡河记录已转为整改问题。")) from exc
    return patrol, item
