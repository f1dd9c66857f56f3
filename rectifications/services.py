"""Every write to rectification items. The workflow table is `choices.TRANSITIONS`; one service per entry.

Each transition re-checks who is acting, compare-and-sets on (status, version) so that of two people acting at
once exactly one wins, and writes one `Transition` row in the same transaction.
"""

from __future__ import annotations

import datetime
import logging

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.audit import audited
from tracker.choices import UNIT_SCOPED_ROLES, Role, UnitKind
from tracker.dates import local_date
from tracker.models import Unit
from tracker.permissions import can_act_for_unit, user_role
from tracker.tabular import RowError, TableError, read_table
from tracker.uploads import delete_on_rollback, safe_filename, storage_name, validate_upload

from . import warning
from .choices import (
    OPEN_STATUSES,
    RULES_BY_ACTION,
    TRANSITIONS,
    VERIFY_ACTION,
    Actor,
    Area,
    Colour,
    InspectionKind,
    Status,
    Term,
)
from .models import Evidence, Inspection, Notice, ProgressReport, RectificationItem, Transition

logger = logging.getLogger(__name__)

STALE_MESSAGE = "已被他人修改，请刷新后重试。"


class WorkflowError(Exception):
    """The action is refused; `str(exc)` is a Chinese message for the person."""


class NotAllowed(WorkflowError):
    pass


class StaleItem(WorkflowError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _(STALE_MESSAGE))


def _thresholds() -> dict:
    return {"yellow_days": settings.RECT_YELLOW_DAYS, "red_days": settings.RECT_RED_DAYS}


def today() -> datetime.date:
    return timezone.localdate()


def may_act(user, item: RectificationItem, actor: str) -> bool:
    """Does this person fill the `actor` part (choices.Actor) for this item?"""
    role = user_role(user)
    if actor == Actor.INSPECTOR:
        return role == Role.INSPECTOR
    if actor == Actor.UNIT:
        return role in UNIT_SCOPED_ROLES and can_act_for_unit(user, item.unit_id)
    return False


def may_verify(user, item: RectificationItem) -> bool:
    return (
        item.lead_department_id is not None
        and user_role(user) == Role.DEPARTMENT_OFFICIAL
        and can_act_for_unit(user, item.lead_department_id)
    )


def allowed_actions(user, item: RectificationItem) -> list[tuple[str, str, bool]]:
    """(action, label, needs_comment) the person may take on the item now — for showing forms only."""
    out = []
    for (src, _dst), rule in TRANSITIONS.items():
        if item.status != src or not may_act(user, item, rule.actor):
            continue
        if rule.action == "close" and item.needs_dept_verification:
            continue
        out.append((rule.action, str(rule.label), rule.needs_comment))
    if item.needs_dept_verification and may_verify(user, item):
        out.append((VERIFY_ACTION, _("牵头部门核验通过"), False))
    return out


def _move(
    *,
    item: RectificationItem,
    user,
    action: str,
    src: str,
    dst: str,
    comment: str,
    **fields,
) -> RectificationItem:
    """Compare-and-set the item from `src` at its current version to `dst`; record the step."""
    now = timezone.now()
    rebound_count = fields.get("rebound_count", item.rebound_count)
    rebounded = rebound_count > 0 if not isinstance(rebound_count, F) else True
    colour = warning.warning_colour(
        status=dst, deadline=item.deadline, today=timezone.localdate(now), rebounded=rebounded, **_thresholds()
    )
    if src != dst:
        fields.update(status=dst, status_changed_at=now, colour=colour)
    updated = RectificationItem.objects.filter(pk=item.pk, status=src, version=item.version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        raise StaleItem()
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
    item = _move(
        item=item,
        user=user,
        action="request_close",
        src=src,
        dst=dst,
        comment=comment,
        dept_verified_by=None,
        dept_verified_at=None,
    )
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
        dept_verified_by=user,
        dept_verified_at=timezone.now(),
    )


@audited
def rectification_item_close(*, item: RectificationItem, user, comment: str = "") -> RectificationItem:
    """申请销号 → 已销号, by an inspector, only after the lead department's verification where there is one."""
    src, dst = _check(item, user, "close", comment)
    if item.needs_dept_verification:
        raise WorkflowError(_("该问题设有牵头部门，须先经牵头部门核验后才能销号。"))
    return _move(item=item, user=user, action="close", src=src, dst=dst, comment=comment, closed_on=today())


@audited
def rectification_item_reject(*, item: RectificationItem, user, comment: str) -> RectificationItem:
    """申请销号 → 整改中, by an inspector, with a reason."""
    src, dst = _check(item, user, "reject", comment)
    moved = _move(
        item=item,
        user=user,
        action="reject",
        src=src,
        dst=dst,
        comment=comment,
        dept_verified_by=None,
        dept_verified_at=None,
    )
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
    return _move(
        item=item,
        user=user,
        action="rebound",
        src=src,
        dst=dst,
        comment=comment,
        closed_on=None,
        rebound_count=item.rebound_count + 1,
        dept_verified_by=None,
        dept_verified_at=None,
    )


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
    *, item: RectificationItem, user, action: str, comment: str = "", files: list | None = None
) -> RectificationItem:
    """Run the service named by a posted `action`; an unknown action is refused."""
    service = SERVICES.get(action)
    if service is None:
        raise NotAllowed(_("不存在的操作。"))
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


# --- progress and evidence ---------------------------------------------------------------------------------


def _validated(files: list) -> list[tuple]:
    """(upload, detected MIME) for every file, or WorkflowError for the first that is not an image/PDF."""
    rows = []
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
                original_name=safe_filename(upload.name),
                mime=mime,
                size=upload.size,
                uploaded_by=user,
            )
            files.save(ev.file, storage_name(f"rectifications/{item.pk}", upload.name), upload)
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


def colour_case(on: datetime.date):
    """SQL for `warning.warning_colour` over the item table, given `on` (the same rule, set-based)."""
    th = _thresholds()
    return Case(
        When(status=Status.CLOSED, then=Value(Colour.GREEN)),
        When(rebound_count__gt=0, then=Value(Colour.RED)),
        When(deadline__lt=on - datetime.timedelta(days=th["red_days"]), then=Value(Colour.RED)),
        When(deadline__lt=on, then=Value(Colour.ORANGE)),
        When(deadline__lte=on + datetime.timedelta(days=th["yellow_days"]), then=Value(Colour.YELLOW)),
        default=Value(Colour.GREEN),
    )


@transaction.atomic
def rectification_colours_recompute(*, on: datetime.date) -> int:
    """Recompute every item's colour in one UPDATE; returns how many changed."""
    expr = colour_case(on)
    return RectificationItem.objects.exclude(colour=expr).update(colour=expr)


@transaction.atomic
def rectification_notices_send(*, on: datetime.date) -> int:
    """Send each open item the notices its colour calls for and it has not had yet; returns how many are new."""
    now = timezone.now()
    rows = RectificationItem.objects.filter(status__in=OPEN_STATUSES).exclude(colour=Colour.GREEN)
    values = list(rows.values("pk", "unit_id", "responsible_person", "colour", "deadline"))
    new = []
    for r in values:
        overdue = (on - r["deadline"]).days
        for level in warning.notice_levels_due(
            colour=r["colour"], overdue_days=overdue, interview_days=settings.RECT_INTERVIEW_DAYS
        ):
            new.append(
                Notice(
                    item_id=r["pk"], unit_id=r["unit_id"], person=r["responsible_person"], level=level, created_at=now
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
    if user_role(user) not in (Role.INSPECTOR, Role.ADMIN):
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
                colour=warning.warning_colour(
                    status=Status.OPEN, deadline=deadline, today=on, rebounded=False, **_thresholds()
                ),
            )
        )
    if errors:
        raise TableError(errors)
    inspection = Inspection.objects.create(kind=kind, name=name.strip(), date=date)
    for it in items:
        it.inspection = inspection
    RectificationItem.objects.bulk_create(items, batch_size=500)
    return inspection, len(items)
