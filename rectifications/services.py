"""Every write to rectification items. The workflow table is `choices.TRANSITIONS`; one service per entry.

Each transition re-checks who is acting, compare-and-sets on (status, version) so that of two people acting at
once exactly one wins, and writes one `Transition` row in the same transaction.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.choices import UnitKind
from tracker.common.access import has_cap
from tracker.common.audit import audited
from tracker.common.tabular import RowError, TableError, read_table
from tracker.common.uploads import check_upload_quota, delete_on_rollback, storage_name, typed_filename, validate_upload
from tracker.common.workflow import STALE_MESSAGE, Stale, compare_and_set
from tracker.dates import local_date
from tracker.fields import TEXT_MAX_CHARS
from tracker.models import Unit
from tracker.permissions import can_act_for_unit
from tracker.selectors.units import work_calendar

from . import warning
from .choices import (
    ACTOR_CAPABILITY,
    OPEN_STATUSES,
    RULES_BY_ACTION,
    TRANSITIONS,
    VERIFY_ACTION,
    WORKFLOW,
    Actor,
    Area,
    Colour,
    InspectionKind,
    Status,
    Term,
)
from .models import Evidence, Inspection, Notice, ProgressReport, RectificationItem, Transition

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """The action is refused; `str(exc)` is a Chinese message for the person."""


class NotAllowed(WorkflowError):
    pass


class StaleItem(WorkflowError):
    def __init__(self, message: str | None = None):
        super().__init__(message or str(STALE_MESSAGE))


def _thresholds() -> dict:
    return {"yellow_days": settings.DUE_SOON_DAYS, "red_days": settings.RECT_RED_DAYS}


def item_colour(
    *,
    status: str,
    deadline: datetime.date,
    rebounded: bool,
    on: datetime.date,
    status_changed_at: datetime.datetime | None = None,
    calendar=None,
) -> str:
    """`warning.warning_colour` with the site's thresholds and working-day calendar; an item waiting in 申请销号
    keeps the colour of the day it asked (escalation paused)."""
    paused_on = timezone.localdate(status_changed_at) if status_changed_at is not None else None
    return warning.warning_colour(
        status=status,
        deadline=deadline,
        today=on,
        rebounded=rebounded,
        calendar=calendar if calendar is not None else work_calendar(),
        paused_on=paused_on,
        **_thresholds(),
    )


def today() -> datetime.date:
    return timezone.localdate()


def may_act(user, item: RectificationItem, actor: str) -> bool:
    """Does this person fill the `actor` part (choices.Actor) for this item? The role's capability, and for
    the unit part the reach: a report grant on the item's responsible unit."""
    if actor not in ACTOR_CAPABILITY or not has_cap(user, ACTOR_CAPABILITY[actor]):
        return False
    return actor != Actor.UNIT or can_act_for_unit(user, item.unit_id)


def may_verify(user, item: RectificationItem) -> bool:
    return (
        item.lead_department_id is not None
        and has_cap(user, "verify_as_lead_department")
        and can_act_for_unit(user, item.lead_department_id)
    )


def allowed_actions(user, item: RectificationItem) -> list[tuple[str, str, bool]]:
    """(action, label, needs_comment) the person may take on the item now — for showing forms only."""
    out = []
    for move in WORKFLOW.allowed(item.status, user):
        rule = TRANSITIONS[(move.src, move.dst)]
        if not may_act(user, item, rule.actor):
            continue
        if rule.action == "close" and item.needs_dept_verification:
            continue
        out.append((rule.action, str(rule.label), rule.needs_comment))
    if item.needs_dept_verification and may_verify(user, item):
        out.append((VERIFY_ACTION, _("牵头部门核验通过"), False))
    return out


def move_effects(
    action: str,
    item: RectificationItem,
    *,
    user,
    when: datetime.datetime,
    on: datetime.date | None = None,
    calendar=None,
) -> dict:
    """The fields a move sets besides status, version and colour — one place for the services and the replay.

    `on` is the move's calendar day (default: the Beijing date of `when`); `calendar` the working-day calendar,
    passed in by a caller that moves many items (one query for all of them)."""
    if action in ("request_close", "reject"):  # a new request (or a rejected one) needs a new verification
        return {"dept_verified_by": None, "dept_verified_at": None}
    if action == "close":
        on = on or timezone.localdate(when)
        # closed after its deadline (on the working-day calendar) counts as a missed deadline, kept with the item
        late = warning.closed_late(deadline=item.deadline, closed_on=on, calendar=calendar or work_calendar())
        return {"closed_on": on, "closed_late": late}
    if action == "rebound":
        return {
            "closed_on": None,
            "closed_late": False,
            "rebound_count": item.rebound_count + 1,
            "dept_verified_by": None,
            "dept_verified_at": None,
        }
    if action == VERIFY_ACTION:
        return {"dept_verified_by": user, "dept_verified_at": when}
    return {}


def _move(
    *,
    item: RectificationItem,
    user,
    action: str,
    src: str,
    dst: str,
    comment: str,
    on: datetime.date | None = None,
    **fields,
) -> RectificationItem:
    """Compare-and-set the item from `src` at its current version to `dst`; record the step (`on`: the service's
    calendar day, for the fields that depend on it)."""
    now = timezone.now()
    fields = {**move_effects(action, item, user=user, when=now, on=on), **fields}
    rebound_count = fields.get("rebound_count", item.rebound_count)
    rebounded = rebound_count > 0 if not isinstance(rebound_count, F) else True
    colour = item_colour(
        status=dst, deadline=item.deadline, rebounded=rebounded, on=timezone.localdate(now), status_changed_at=now
    )
    if src != dst:
        fields.update(status=dst, status_changed_at=now, colour=colour)
    try:  # the instance carries the version the person's page showed (set by rectification_item_act)
        compare_and_set(
            RectificationItem.objects, pk=item.pk, expected_version=item.version, state_field="status", state=src,
            **fields,
        )  # fmt: skip
    except Stale as exc:
        raise StaleItem() from exc
    Transition.objects.create(
        item=item, action=action, from_status=src, to_status=dst, actor=user, created_at=now, comment=comment
    )
    item.refresh_from_db()
    return item


def _check(item: RectificationItem, user, action: str, comment: str) -> tuple[str, str]:
    src, dst, rule = RULES_BY_ACTION[action]
    if not may_act(user, item, rule.actor):
        raise NotAllowed(_("您无权对该问题执行“%(a)s”。") % {"a": rule.label})
    if item.status != src:
        raise StaleItem(
            _("该问题当前状态为“%(s)s”，不能“%(a)s”；可能已被他人修改，请刷新后重试。")
            % {"s": Status(item.status).label, "a": rule.label}
        )
    if rule.needs_comment and not comment.strip():
        raise WorkflowError(_("“%(a)s”须填写说明。") % {"a": rule.label})
    if len(comment) > TEXT_MAX_CHARS:
        raise WorkflowError(_("说明不能超过 %(n)d 个字。") % {"n": TEXT_MAX_CHARS})
    return src, dst


@audited
def rectification_item_start(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """待整改 → 整改中, by an official of the responsible unit."""
    src, dst = _check(item, user, "start", comment)
    return _move(item=item, user=user, action="start", src=src, dst=dst, comment=comment)


@audited
def rectification_item_request_close(
    *, item: RectificationItem, user, comment: str, files: list | None = None
) -> RectificationItem:
    """整改中 → 申请销号: the unit's self-check (`comment`) with evidence; clears any earlier verification."""
    src, dst = _check(item, user, "request_close", comment)
    checked = _validated(list(files or []))
    if not checked and not item.evidence.exists():
        raise WorkflowError(_("申请销号须附佐证材料（照片或 PDF）。"))
    item = _move(item=item, user=user, action="request_close", src=src, dst=dst, comment=comment)
    _store_evidence(item=item, report=None, user=user, checked=checked)  # only once the move has won
    return item


@audited
def rectification_item_verify(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """The lead department verifies a closing request (no status change; recorded in the history)."""
    if not may_verify(user, item):
        raise NotAllowed(_("只有牵头部门可以核验该销号申请。"))
    if item.status != Status.CLOSING_REQUESTED:
        raise StaleItem(_("该问题不在“申请销号”状态，无需核验；可能已被他人修改，请刷新后重试。"))
    if item.dept_verified_at is not None:
        raise StaleItem(_("牵头部门已核验过该申请。"))
    return _move(
        item=item,
        user=user,
        action=VERIFY_ACTION,
        src=Status.CLOSING_REQUESTED,
        dst=Status.CLOSING_REQUESTED,
        comment=comment,
    )


@audited
def rectification_item_close(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """申请销号 → 已销号, by an inspector, only after the lead department's verification where there is one."""
    src, dst = _check(item, user, "close", comment)
    if item.needs_dept_verification:
        raise WorkflowError(_("该问题设有牵头部门，须先经牵头部门核验后才能销号。"))
    # the service's clock (tests set it) decides the closing day and whether it was late
    return _move(item=item, user=user, action="close", src=src, dst=dst, comment=comment, on=today())


@audited
def rectification_item_reject(*, item: RectificationItem, user, comment: str) -> RectificationItem:
    """申请销号 → 整改中, by an inspector, with a reason."""
    src, dst = _check(item, user, "reject", comment)
    moved = _move(item=item, user=user, action="reject", src=src, dst=dst, comment=comment)
    _inbox_rejected(moved, comment)
    return moved


def _inbox_rejected(item: RectificationItem, comment: str) -> None:
    """Tell the unit's officials why their closing request came back (issue 15: nobody was told)."""
    from django.urls import reverse

    from tracker.models import InboxKind
    from tracker.services.inbox import inbox_notify_units

    inbox_notify_units(
        unit_ids=[item.unit_id],
        kind=InboxKind.ITEM_REJECTED,
        title=f"销号申请被退回：{item.code}",
        body=f"退回原因：{comment}",
        url=reverse("rectifications:detail", args=[item.pk]),
    )


@audited
def rectification_item_rebound(*, item: RectificationItem, user, comment: str) -> RectificationItem:
    """已销号 → 反弹: a re-inspection (回头看) finds the problem back; by an inspector."""
    src, dst = _check(item, user, "rebound", comment)
    return _move(item=item, user=user, action="rebound", src=src, dst=dst, comment=comment)


@audited
def rectification_item_restart(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """反弹 → 整改中, by an official of the responsible unit."""
    src, dst = _check(item, user, "restart", comment)
    return _move(item=item, user=user, action="restart", src=src, dst=dst, comment=comment)


SERVICES = {
    "start": rectification_item_start,
    "request_close": rectification_item_request_close,
    "close": rectification_item_close,
    "reject": rectification_item_reject,
    "rebound": rectification_item_rebound,
    "restart": rectification_item_restart,
    VERIFY_ACTION: rectification_item_verify,
}


def rectification_item_act(
    *,
    item: RectificationItem,
    user,
    action: str,
    comment: str = "",
    files: list | None = None,
    expected_version: int | None = None,
) -> RectificationItem:
    """Run the service named by a posted `action`; an unknown action is refused.

    `expected_version` is the version the person's page showed; the move compare-and-sets against it (without
    it, against the version of the `item` handed in)."""
    service = SERVICES.get(action)
    if service is None:
        raise NotAllowed(_("不存在的操作。"))
    if expected_version is not None:
        item.version = expected_version
    kwargs = {"item": item, "user": user, "comment": comment}
    if action == "request_close":
        kwargs["files"] = files
    return service(**kwargs)


def rectification_item_move(*, item: RectificationItem, user, to_status: str, comment: str = "") -> RectificationItem:
    """Move to `to_status` if the table allows that pair at all; otherwise refuse."""
    rule = TRANSITIONS.get((item.status, to_status))
    if rule is None:
        raise NotAllowed(
            _("不允许从“%(a)s”变为“%(b)s”。") % {"a": Status(item.status).label, "b": Status(to_status).label}
        )
    return rectification_item_act(item=item, user=user, action=rule.action, comment=comment)


@dataclass(frozen=True)
class ReplayStep:
    action: str  # a TRANSITIONS action or VERIFY_ACTION
    user: Any
    when: datetime.datetime
    comment: str = ""


@transaction.atomic
def rectification_items_replay(*, histories: list[tuple[RectificationItem, list[ReplayStep]]], today: datetime.date):
    """The bulk variant of the transition services, for seeding a history in one go.

    Each item (saved, at 待整改, version 0) walks through its dated steps; every step is refused exactly as the
    live service would refuse it (the workflow table, who may act, a reason where one is needed, evidence with
    a closing request, the lead department's verification before closing) and has the same side effects
    (`move_effects`, the colour rule). The transition rows and the items are then written in bulk.
    """
    with_evidence = set(
        Evidence.objects.filter(item__in=[item for item, _steps in histories]).values_list("item_id", flat=True)
    )
    reach: dict[tuple[int, int], bool] = {}  # (user, unit) → may act: one grant query per pair, not per step

    def acts_for(user, unit_id) -> bool:
        key = (user.pk, unit_id)
        if key not in reach:
            reach[key] = can_act_for_unit(user, unit_id)
        return reach[key]

    calendar = work_calendar()
    transitions = []
    for item, steps in histories:
        for step in steps:
            src: str
            dst: str
            if step.action == VERIFY_ACTION:
                if not (
                    item.needs_dept_verification
                    and has_cap(step.user, "verify_as_lead_department")
                    and acts_for(step.user, item.lead_department_id)
                ):
                    raise NotAllowed(_("只有牵头部门可以核验该销号申请。"))
                src = dst = Status.CLOSING_REQUESTED
            else:
                src, dst, rule = RULES_BY_ACTION[step.action]
                move = WORKFLOW.get(item.status, dst)
                if item.status != src or move is None or not has_cap(step.user, move.capability):
                    raise NotAllowed(_("您无权对该问题执行“%(a)s”。") % {"a": rule.label})
                if rule.actor == Actor.UNIT and not acts_for(step.user, item.unit_id):
                    raise NotAllowed(_("您无权对该问题执行“%(a)s”。") % {"a": rule.label})
                if rule.needs_comment and not step.comment.strip():
                    raise WorkflowError(_("“%(a)s”须填写说明。") % {"a": rule.label})
                if step.action == "request_close" and item.pk not in with_evidence:
                    raise WorkflowError(_("申请销号须附佐证材料（照片或 PDF）。"))
                if step.action == "close" and item.needs_dept_verification:
                    raise WorkflowError(_("该问题设有牵头部门，须先经牵头部门核验后才能销号。"))
            for name, value in move_effects(
                step.action, item, user=step.user, when=step.when, calendar=calendar
            ).items():
                setattr(item, name, value)
            if src != dst:
                item.status, item.status_changed_at = dst, step.when
            item.version += 1
            transitions.append(
                Transition(
                    item=item,
                    action=step.action,
                    from_status=src,
                    to_status=dst,
                    actor=step.user,
                    created_at=step.when,
                    comment=step.comment,
                )
            )
        item.colour = item_colour(
            status=item.status,
            deadline=item.deadline,
            rebounded=item.rebound_count > 0,
            on=today,
            status_changed_at=item.status_changed_at,
            calendar=calendar,
        )
    Transition.objects.bulk_create(transitions, batch_size=1000)
    RectificationItem.objects.bulk_update(
        [item for item, _steps in histories],
        [
            "status",
            "version",
            "status_changed_at",
            "closed_on",
            "closed_late",
            "rebound_count",
            "colour",
            "dept_verified_by",
            "dept_verified_at",
        ],
        batch_size=500,
    )


# --- progress and evidence ---------------------------------------------------------------------------------


def _validated(files: list) -> list[tuple]:
    """(upload, detected MIME) for every file, or WorkflowError for the first that is not an image/PDF."""
    rows = []
    try:
        check_upload_quota(files)
    except ValidationError as exc:
        raise WorkflowError(" ".join(exc.messages)) from exc
    for upload in files:
        try:
            rows.append((upload, validate_upload(upload, kinds=("image", "pdf"))))
        except ValidationError as exc:
            raise WorkflowError(" ".join(exc.messages)) from exc
    return rows


def _store_evidence(
    *, item: RectificationItem, report: ProgressReport | None, user, checked: list[tuple]
) -> list[Evidence]:
    out = []
    with delete_on_rollback() as files:
        for upload, mime in checked:
            ev = Evidence(
                item=item,
                report=report,
                original_name=typed_filename(upload.name, mime),
                mime=mime,
                size=upload.size,
                uploaded_by=user,
            )
            files.save(ev.file, storage_name(f"rectifications/{item.pk}", upload.name, mime), upload)
            out.append(ev)
        Evidence.objects.bulk_create(out)
    return out


@audited
def progress_report_create(
    *, item: RectificationItem, user, text: str, progress: int, files: list | None = None
) -> ProgressReport:
    """An official of the responsible unit reports progress, optionally with photos/PDF evidence."""
    if not may_act(user, item, Actor.UNIT):
        raise NotAllowed(_("只有责任单位的填报员可以报送整改进展。"))
    if item.status == Status.CLOSED:
        raise WorkflowError(_("已销号的问题不再报送进展。"))
    if not 0 <= int(progress) <= 100:
        raise WorkflowError(_("完成进度须在 0–100 之间。"))
    if not text.strip():
        raise WorkflowError(_("请填写进展情况。"))
    if len(text) > TEXT_MAX_CHARS:
        raise WorkflowError(_("进展情况不能超过 %(n)d 个字。") % {"n": TEXT_MAX_CHARS})
    checked = _validated(list(files or []))
    report = ProgressReport.objects.create(
        item=item, text=text.strip(), progress=int(progress), reported_by=user, reported_on=today()
    )
    _store_evidence(item=item, report=report, user=user, checked=checked)
    return report


def evidence_create_bytes(*, item: RectificationItem, user, name: str, content: bytes, mime: str) -> Evidence:
    """Store generated evidence (demo placeholders): the same storage path scheme as uploads."""
    ev = Evidence(item=item, original_name=name, mime=mime, size=len(content), uploaded_by=user)
    ev.file.save(storage_name(f"rectifications/{item.pk}", name), ContentFile(content), save=False)
    return ev


# --- warnings and notices ----------------------------------------------------------------------------------


@transaction.atomic
def rectification_colours_recompute(*, on: datetime.date, item_ids: list[int] | None = None) -> int:
    """Recompute the colour of every item (or of `item_ids`) by `warning.warning_colour` — the one definition —
    on the working-day calendar; write the changed ones in at most one UPDATE per colour. Returns how many changed.

    Called by the daily job, and by a deadline edit (admin) for the edited item."""
    calendar = work_calendar()
    qs = RectificationItem.objects.all()
    if item_ids is not None:
        qs = qs.filter(pk__in=item_ids)
    changed: dict[str, list[int]] = {}
    for pk, status, deadline, rebound_count, colour, changed_at in qs.values_list(
        "pk", "status", "deadline", "rebound_count", "colour", "status_changed_at"
    ).order_by():
        new = item_colour(
            status=status,
            deadline=deadline,
            rebounded=rebound_count > 0,
            on=on,
            status_changed_at=changed_at if status == Status.CLOSING_REQUESTED else None,
            calendar=calendar,
        )
        if new != colour:
            changed.setdefault(new, []).append(pk)
    for colour, pks in changed.items():
        RectificationItem.objects.filter(pk__in=pks).update(colour=colour)
    return sum(len(pks) for pks in changed.values())


# Items whose clock runs: 申请销号 waits for the inspector, so it gets no new notices (escalation paused).
ESCALATING_STATUSES = tuple(s for s in OPEN_STATUSES if s != Status.CLOSING_REQUESTED)


@transaction.atomic
def rectification_notices_send(*, on: datetime.date) -> int:
    """Send each escalating item the next notice its colour calls for — one step per working day — and
    return how many are new. Nothing is sent on a rest day or holiday, nor to an item waiting in 申请销号."""
    calendar = work_calendar()
    if not calendar.is_working_day(on):
        return 0
    now = timezone.now()
    rows = list(
        RectificationItem.objects.filter(status__in=ESCALATING_STATUSES)
        .exclude(colour=Colour.GREEN)
        .values("pk", "unit_id", "responsible_person", "colour", "deadline")
    )
    sent: dict[int, set[str]] = {}
    for item_id, level in Notice.objects.filter(item_id__in=[r["pk"] for r in rows]).values_list("item_id", "level"):
        sent.setdefault(item_id, set()).add(level)
    today_sent = set(
        Notice.objects.filter(item_id__in=[r["pk"] for r in rows], sent_on__gte=on).values_list("item_id", flat=True)
    )
    new = []
    for r in rows:
        if r["pk"] in today_sent:  # already stepped today (a second run the same day)
            continue
        level = warning.next_notice(
            colour=r["colour"],
            overdue_days=warning.overdue_days(deadline=r["deadline"], today=on, calendar=calendar),
            sent=sent.get(r["pk"], set()),
            interview_days=settings.RECT_INTERVIEW_DAYS,
        )
        if level is not None:
            new.append(
                Notice(
                    item_id=r["pk"],
                    unit_id=r["unit_id"],
                    person=r["responsible_person"],
                    level=level,
                    created_at=now,
                    sent_on=on,
                )
            )
    before = Notice.objects.count()
    Notice.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    _inbox_notices(now)
    return Notice.objects.count() - before


def _inbox_notices(sent_at) -> None:
    """Each notice created just now (they share `sent_at`) reaches its unit's officials' inboxes."""
    from django.urls import reverse

    from tracker.models import InboxKind
    from tracker.services.inbox import inbox_notify_units

    for n in Notice.objects.filter(created_at=sent_at).select_related("item"):
        inbox_notify_units(
            unit_ids=[n.unit_id],
            kind=InboxKind.NOTICE,
            title=f"{n.get_level_display()}：{n.item.code}",
            body=f"责任人 {n.person}；整改时限 {n.item.deadline:%Y-%m-%d}。",
            url=reverse("rectifications:detail", args=[n.item_id]),
            key=f"notice:{n.pk}",
        )


def rectification_warnings_run(*, on: datetime.date) -> dict:
    """The daily job: colours first, then notices."""
    changed = rectification_colours_recompute(on=on)
    sent = rectification_notices_send(on=on)
    logger.info("rectification warnings on %s: %d colours changed, %d notices sent", on, changed, sent)
    return {"colours_changed": changed, "notices_sent": sent}


@transaction.atomic
def notice_mark_read(*, notice: Notice, user) -> Notice:
    """An official of the notice's unit marks it read (idempotent)."""
    if not can_act_for_unit(user, notice.unit_id):
        raise NotAllowed(_("只有责任单位的填报员可以签收通知。"))
    Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    notice.refresh_from_db()
    return notice


# --- import ------------------------------------------------------------------------------------------------

IMPORT_COLUMNS = {
    "code": ["问题编号", "编号"],
    "description": ["问题描述", "问题"],
    "area": ["领域"],
    "unit": ["责任单位"],
    "lead_department": ["牵头部门"],
    "responsible_person": ["责任人"],
    "deadline": ["整改时限", "完成时限"],
    "measures": ["整改措施"],
    "term": ["整改期限类型", "期限类型"],
}
IMPORT_REQUIRED = ("code", "description", "unit", "responsible_person", "deadline")


def _by_label(choices) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[str(label)] = value
        out[value] = value
    return out


@audited
def rectification_items_import(*, user, kind: str, name: str, date: datetime.date, upload) -> tuple[Inspection, int]:
    """Import a new inspection's item list: the whole file is checked first; one bad row writes nothing."""
    if not has_cap(user, "import_items"):
        raise NotAllowed(_("只有督察员或系统管理员可以导入问题清单。"))
    if kind not in InspectionKind.values:
        raise WorkflowError(_("请选择批次类型。"))
    if not name.strip():
        raise WorkflowError(_("请填写批次名称。"))
    if Inspection.objects.filter(name=name.strip()).exists():
        raise WorkflowError(_("批次“%(n)s”已存在，请换一个名称。") % {"n": name})
    frame = read_table(upload, columns=IMPORT_COLUMNS, required=IMPORT_REQUIRED)
    if frame.empty:
        raise TableError([RowError(0, "", _("文件中没有数据行。"))])
    units = {u.name: u for u in Unit.objects.all()} | {u.code: u for u in Unit.objects.all()}
    areas, terms = _by_label(Area), _by_label(Term)
    existing = set(RectificationItem.objects.filter(code__in=list(frame["code"])).values_list("code", flat=True))
    errors: list[RowError] = []
    items: list[RectificationItem] = []
    seen: set[str] = set()
    on = today()
    calendar = work_calendar()
    for rec in frame.to_dict("records"):
        row = rec["_row"]
        before = len(errors)
        code = rec["code"]
        if not code:
            errors.append(RowError(row, "问题编号", _("不能为空。")))
        elif code in existing:
            errors.append(RowError(row, "问题编号", _("编号 %(c)s 已存在。") % {"c": code}))
        elif code in seen:
            errors.append(RowError(row, "问题编号", _("编号 %(c)s 在文件中重复。") % {"c": code}))
        seen.add(code)
        if not rec["description"]:
            errors.append(RowError(row, "问题描述", _("不能为空。")))
        unit = units.get(rec["unit"])
        if unit is None:
            errors.append(RowError(row, "责任单位", _("找不到单位“%(u)s”。") % {"u": rec["unit"]}))
        lead = None
        if rec.get("lead_department"):
            lead = units.get(rec["lead_department"])
            if lead is None or lead.kind != UnitKind.DEPARTMENT:
                errors.append(RowError(row, "牵头部门", _("“%(u)s”不是市级部门。") % {"u": rec["lead_department"]}))
        if not rec["responsible_person"]:
            errors.append(RowError(row, "责任人", _("不能为空。")))
        deadline = pd.to_datetime(rec["deadline"], errors="coerce")
        if pd.isna(deadline):
            errors.append(RowError(row, "整改时限", _("“%(d)s”不是日期（如 2026-06-30）。") % {"d": rec["deadline"]}))
        area = areas.get(rec.get("area") or "其他")
        if area is None:
            errors.append(RowError(row, "领域", _("只能是：%(c)s。") % {"c": "、".join(map(str, Area.labels))}))
        term = terms.get(rec.get("term") or "短期")
        if term is None:
            errors.append(RowError(row, "整改期限类型", _("只能是：短期、中期、长期。")))
        if len(errors) > before:
            continue
        assert area is not None and term is not None  # refused above otherwise
        deadline = local_date(deadline.to_pydatetime())
        items.append(
            RectificationItem(
                code=code,
                description=rec["description"],
                area=area,
                unit=unit,
                lead_department=lead,
                responsible_person=rec["responsible_person"],
                deadline=deadline,
                measures=rec.get("measures", ""),
                term=term,
                colour=item_colour(status=Status.OPEN, deadline=deadline, rebounded=False, on=on, calendar=calendar),
            )
        )
    if errors:
        raise TableError(errors)
    inspection = Inspection.objects.create(kind=kind, name=name.strip(), date=date)
    for it in items:
        it.inspection = inspection
    RectificationItem.objects.bulk_create(items, batch_size=500)
    return inspection, len(items)


# --- 回头看 plans --------------------------------------------------------------------------------------------


@audited
def review_plan_create(
    *,
    user,
    name: str,
    closed_before: datetime.date,
    due: datetime.date,
    rule: str = "all",
    sample_percent: int = 100,
    inspection_id: int | None = None,
):
    """An inspector draws up a 回头看 plan: the closed items in scope (closed on or before `closed_before`, of
    one inspection or all), all of them or a reproducible sample (seeded by the plan's name: the same plan always
    picks the same items; at least one item when any is in scope). Returns the plan with its pending checks."""
    from .models import ReviewCheck, ReviewPlan

    if not has_cap(user, "close_items"):
        raise NotAllowed(_("只有督察员可以制定回头看计划。"))
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("请填写计划名称。"))
    if ReviewPlan.objects.filter(name=name).exists():
        raise WorkflowError(_("计划“%(n)s”已存在，请换一个名称。") % {"n": name})
    if rule not in ReviewPlan.Rule.values:
        raise WorkflowError(_("请选择选取方式。"))
    if not 1 <= int(sample_percent) <= 100:
        raise WorkflowError(_("抽查比例须在 1–100 之间。"))
    if due < closed_before:
        raise WorkflowError(_("复查完成时限不能早于销号截止日期。"))
    scope = RectificationItem.objects.filter(status=Status.CLOSED, closed_on__lte=closed_before)
    if inspection_id:
        scope = scope.filter(inspection_id=inspection_id)
    ids = list(scope.order_by("code").values_list("pk", flat=True))
    if not ids:
        raise WorkflowError(_("范围内没有已销号的问题。"))
    if rule == ReviewPlan.Rule.SAMPLE:
        import math
        import random

        k = max(1, math.ceil(len(ids) * int(sample_percent) / 100))
        ids = sorted(random.Random(name).sample(ids, k))
    plan = ReviewPlan.objects.create(
        name=name,
        inspection_id=inspection_id,
        closed_before=closed_before,
        rule=rule,
        sample_percent=int(sample_percent) if rule == ReviewPlan.Rule.SAMPLE else 100,
        due=due,
        created_by=user,
    )
    ReviewCheck.objects.bulk_create([ReviewCheck(plan=plan, item_id=pk) for pk in ids])
    return plan


@audited
def review_check_record(*, check, user, result: str, note: str = ""):
    """An inspector records one re-check: passed, or rebound — which moves the item 已销号 → 反弹 through
    `rectification_item_rebound` in the same transaction. A check is recorded once (compare-and-set on pending)."""
    from .models import ReviewCheck

    if not has_cap(user, "close_items"):
        raise NotAllowed(_("只有督察员可以记录回头看复查结果。"))
    if result not in (ReviewCheck.Result.PASSED, ReviewCheck.Result.REBOUND):
        raise WorkflowError(_("请选择复查结果。"))
    note = (note or "").strip()
    if result == ReviewCheck.Result.REBOUND:
        if not note:
            raise WorkflowError(_("发现反弹须填写复查说明。"))
        item = RectificationItem.objects.get(pk=check.item_id)
        rectification_item_rebound(item=item, user=user, comment=f"{_('回头看')}（{check.plan.name}）：{note}")
    updated = ReviewCheck.objects.filter(pk=check.pk, result=ReviewCheck.Result.PENDING).update(
        result=result, checked_by=user, checked_on=today(), note=note
    )
    if updated != 1:
        raise StaleItem()
    check.refresh_from_db()
    return check


@audited
def rectification_item_create(
    *,
    user,
    inspection_kind: str,
    inspection_name: str,
    inspection_date: datetime.date,
    code: str,
    description: str,
    area: str,
    unit: Unit,
    responsible_person: str,
    deadline: datetime.date,
    measures: str = "",
    term: str = Term.SHORT,
    source_warning=None,
    source_patrol=None,
    place: str = "",
) -> RectificationItem:
    """Open one item by hand (an inspector or an admin), filed under the named batch (created on first use).

    Used by `rectifications.escalation` to turn a monitoring warning (`source_warning`) or a river patrol's finding
    (`source_patrol`) into an item; the item then follows the ordinary workflow from 待整改.
    """
    if not has_cap(user, "import_items"):  # inspectors and admins file new items
        raise NotAllowed(_("只有督察员或系统管理员可以新建整改问题。"))
    if inspection_kind not in InspectionKind.values:
        raise WorkflowError(_("请选择批次类型。"))
    if area not in Area.values or term not in Term.values:
        raise WorkflowError(_("领域或整改期限类型无效。"))
    if not description.strip() or not responsible_person.strip():
        raise WorkflowError(_("问题描述和责任人不能为空。"))
    if RectificationItem.objects.filter(code=code).exists():
        raise WorkflowError(_("编号 %(c)s 已存在。") % {"c": code})
    inspection, _created = Inspection.objects.get_or_create(
        name=inspection_name, defaults={"kind": inspection_kind, "date": inspection_date}
    )
    return RectificationItem.objects.create(
        code=code,
        inspection=inspection,
        description=description.strip(),
        area=area,
        unit=unit,
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        measures=measures.strip(),
        term=term,
        source_warning=source_warning,
        source_patrol=source_patrol,
        place=(place or "").strip()[:120],
        colour=item_colour(status=Status.OPEN, deadline=deadline, rebounded=False, on=today()),
    )
