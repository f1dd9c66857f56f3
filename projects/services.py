"""Writes for projects: payments and their reversals, stage moves, progress reports.

Every service runs in one transaction, re-checks that the person may act for the project's unit, and records
who and when. Money rules are enforced with the project row locked, so concurrent payments cannot overspend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.access import has_cap
from tracker.common.audit import audited
from tracker.common.uploads import check_upload_quota, delete_on_rollback, storage_name, typed_filename, validate_upload
from tracker.common.workflow import MoveRefused, Stale, compare_and_set
from tracker.fields import check_plausible_date, check_text_length
from tracker.permissions import can_act_for_unit, is_unit_scoped

from .choices import FUNDED_STAGES, STAGE_WORKFLOW, Stage
from .models import Fund, Payment, ProgressPhoto, ProgressReport, Project, StageChange
from .permissions import can_allocate_funds

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")


def _check_can_report(user, project: Project) -> None:
    if not is_unit_scoped(user) or not can_act_for_unit(user, project.unit_id, "report"):
        raise PermissionDenied(_("您无权为该项目填报。"))


def _check_can_reverse(user, project: Project) -> None:
    """The project's own unit corrects its payments; the system admin corrects any (from the admin site)."""
    if has_cap(user, "admin_site") and user.is_staff:
        return
    _check_can_report(user, project)


REVERSAL_SUFFIX = "-冲销"


def _reversal_voucher(project_id: int, voucher_no: str) -> str:
    """A voucher number for the reversal of `voucher_no`: `<voucher>-冲销`, always within the column and unique.

    A long original is shortened to leave room for the suffix; if the name is taken on the project (someone
    typed it as a voucher, or two long vouchers share a prefix) a counter follows: `-冲销2`, `-冲销3`…
    Called with the project row locked, so no concurrent reversal takes the same name.
    """
    limit = Payment._meta.get_field("voucher_no").max_length or 60
    taken = set(Payment.objects.filter(project_id=project_id).values_list("voucher_no", flat=True))
    n = 1
    while True:
        suffix = REVERSAL_SUFFIX + (str(n) if n > 1 else "")
        candidate = voucher_no[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(_("金额格式不正确。")) from exc
    return amount


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _paid_total(project_id: int) -> Decimal:
    return Payment.objects.filter(project_id=project_id).aggregate(s=Sum("amount"))["s"] or Decimal("0")


# --- fund-level allocation ---------------------------------------------------------------------------
def _allocated_elsewhere(fund_id: int, project_id: int | None) -> Decimal:
    others = Project.objects.filter(fund_id=fund_id)
    if project_id is not None:
        others = others.exclude(pk=project_id)
    return others.aggregate(s=Sum("allocated_amount"))["s"] or Decimal("0")


def fund_allocation_check(*, fund_id: int | None, project_id: int | None, amount) -> Fund | None:
    """Refuse an allocation that would take a fund's projects beyond the fund's amount (下达我市金额).

    Locks the fund row (`SELECT … FOR UPDATE`) until the surrounding transaction ends, so two allocations from
    the same fund made at the same moment are serialised: the second sees the first and is refused if the two
    together do not fit. Call it inside the transaction that saves the project (the admin's change form runs in
    one; `project_allocate` opens its own). Returns the locked fund (None without a fund).
    """
    if fund_id is None:
        return None
    amount = _money(amount)
    fund = Fund.objects.select_for_update().get(pk=fund_id)
    used = _allocated_elsewhere(fund.pk, project_id)
    if used + amount > fund.amount:
        raise ValidationError(
            _(
                "分配被拒绝：专项资金「%(fund)s」下达我市 %(total)s 元，已分配给其他项目 %(used)s 元，"
                "本项目最多可分配 %(left)s 元（本次填写 %(amount)s 元）。未保存任何数据。"
            )
            % {
                "fund": fund.name,
                "total": _yuan(fund.amount),
                "used": _yuan(used),
                "left": _yuan(max(fund.amount - used, Decimal("0"))),
                "amount": _yuan(amount),
            }
        )
    return fund


def fund_amount_check(*, fund_id: int | None, amount) -> None:
    """Refuse lowering a fund's amount below what its projects are already allocated (fund row locked)."""
    if fund_id is None:
        return
    amount = _money(amount)
    Fund.objects.select_for_update().filter(pk=fund_id).first()
    used = _allocated_elsewhere(fund_id, None)
    if amount < used:
        raise ValidationError(
            _("资金金额不能低于已分配给项目的 %(used)s 元（本次填写 %(amount)s 元）。未保存任何数据。")
            % {"used": _yuan(used), "amount": _yuan(amount)}
        )


@audited
def project_allocate(*, project: Project, fund: Fund | None, amount, user) -> Project:
    """Set a project's fund and allocated amount (资金下达), within what the fund has left.

    Admins only (allocations are the city's decision); the fund row is locked while the total is checked, so
    concurrent allocations can never together exceed the fund.
    """
    if not can_allocate_funds(user):
        raise PermissionDenied(_("只有系统管理员可以分配项目资金。"))
    amount = _money(amount)
    if amount < 0:
        raise ValidationError(_("下达资金不能为负数。"))
    fund_allocation_check(fund_id=fund.pk if fund else None, project_id=project.pk, amount=amount)
    Project.objects.filter(pk=project.pk).update(fund=fund, allocated_amount=amount)
    project.refresh_from_db()
    return project


@audited
def payment_record(
    *, project: Project, amount: Decimal, paid_on: date, voucher_no: str, user, note: str = ""
) -> Payment:
    """Record a payment from the project's allocation.

    Refused (nothing written) when the amount is not positive, the date is in the future, the project has no
    money allocated yet, the voucher number is already used on this project, or the total paid would exceed
    the allocated amount. The project row is locked (`SELECT … FOR UPDATE`) while the total is checked, so
    concurrent payments are serialised and can never together overspend.
    """
    _check_can_report(user, project)
    amount = _money(amount)
    voucher_no = (voucher_no or "").strip()
    if amount <= 0:
        raise ValidationError(_("支付金额必须大于 0 元。"))
    if paid_on > timezone.localdate():
        raise ValidationError(_("支付日期不能晚于今天。"))
    check_plausible_date(paid_on)
    if not voucher_no:
        raise ValidationError(_("请填写凭证号。"))
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.stage not in FUNDED_STAGES:
        raise ValidationError(
            _("项目处于「%(stage)s」阶段，资金尚未下达，不能登记支付。") % {"stage": locked.get_stage_display()}
        )
    if Payment.objects.filter(project_id=locked.pk, voucher_no=voucher_no).exists():
        raise ValidationError(_("凭证号 %(no)s 已在本项目登记过，请勿重复录入。") % {"no": voucher_no})
    paid = _paid_total(locked.pk)
    if paid + amount > locked.allocated_amount:
        raise ValidationError(
            _(
                "支付被拒绝：本次支付 %(amount)s 元后累计支付将达 %(total)s 元，超过下达资金 %(allocated)s 元；"
                "本项目尚可支付 %(left)s 元。未保存任何数据。"
            )
            % {
                "amount": _yuan(amount),
                "total": _yuan(paid + amount),
                "allocated": _yuan(locked.allocated_amount),
                "left": _yuan(locked.allocated_amount - paid),
            }
        )
    payment = Payment.objects.create(
        project=locked, amount=amount, paid_on=paid_on, voucher_no=voucher_no, note=note.strip(), entered_by=user
    )
    logger.info("payment %s recorded on project %s by %s: %s", payment.pk, locked.pk, user.pk, amount)
    return payment


@audited
def payment_reverse(
    *, payment: Payment, reason: str, user, amount: Decimal | None = None, reversed_on: date | None = None
) -> Payment:
    """Correct a payment by a negative reversing entry (冲销) pointing at it; the original is never edited.

    `amount` (positive, default: the whole payment) is how much to take back; it cannot exceed the original,
    a payment is reversed at most once, and a reversal cannot itself be reversed.
    """
    _check_can_reverse(user, payment.project)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("冲销必须填写原因。"))
    if len(reason) > (Payment._meta.get_field("note").max_length or 200):
        raise ValidationError(_("冲销原因不能超过 200 个字。"))
    Project.objects.select_for_update().filter(pk=payment.project_id).get()
    original = Payment.objects.get(pk=payment.pk)
    if original.is_reversal:
        raise ValidationError(_("冲销记录本身不能再冲销。"))
    if Payment.objects.filter(reverses=original).exists():
        raise ValidationError(_("凭证号 %(no)s 的支付已冲销过，不能重复冲销。") % {"no": original.voucher_no})
    take_back = original.amount if amount is None else _money(amount)
    if take_back <= 0:
        raise ValidationError(_("冲销金额必须大于 0 元。"))
    if take_back > original.amount:
        raise ValidationError(
            _("冲销金额 %(amount)s 元超过原支付金额 %(original)s 元。")
            % {"amount": _yuan(take_back), "original": _yuan(original.amount)}
        )
    on = reversed_on or timezone.localdate()
    if on < original.paid_on:
        raise ValidationError(_("冲销日期不能早于原支付日期。"))
    reversal = Payment.objects.create(
        project_id=original.project_id,
        amount=-take_back,
        paid_on=on,
        voucher_no=_reversal_voucher(original.project_id, original.voucher_no),
        reverses=original,
        note=reason,
        entered_by=user,
    )
    logger.info("payment %s reversed by %s (%s) by user %s", original.pk, reversal.pk, take_back, user.pk)
    return reversal


@audited
def project_change_stage(*, project: Project, to_stage: str, reason: str, user, expected_version: int) -> Project:
    """Move a project one step forward, or back to any earlier stage with a reason; history row in the same transaction.

    Compare-and-set on (stage, version): if someone else moved the project meanwhile, nothing changes and the
    person is asked to reload. Moving to 资金下达 needs a fund and an allocated amount (entered by the admin).
    """
    _check_can_report(user, project)
    reason = (reason or "").strip()
    current = Project.objects.get(pk=project.pk)
    if current.version != expected_version:  # the page was stale: say so, not "that move is not allowed"
        raise Stale()
    if current.proposal_status in ("proposed", "declined"):  # a unit's proposal moves only once accepted
        raise ValidationError(_("该项目是单位的储备申报，纳入储备后才能推进阶段。"))
    try:
        move = STAGE_WORKFLOW.check(current.stage, to_stage, user)
    except MoveRefused as exc:
        raise ValidationError(
            _("不能从「%(from)s」直接变更为「%(to)s」：项目只能逐级推进。")
            % {"from": current.get_stage_display(), "to": STAGE_WORKFLOW.label(to_stage)}
        ) from exc
    if move.needs_reason and not reason:
        raise ValidationError(_("项目退回到之前的阶段，必须填写原因。"))
    if to_stage == Stage.FUNDED and (current.fund_id is None or current.allocated_amount <= 0):
        raise ValidationError(_("项目尚未登记资金来源和下达金额，不能变更为「资金下达」，请联系系统管理员登记。"))
    today = timezone.localdate()
    changes: dict = {"stage": to_stage}
    if to_stage == Stage.STARTED and current.actual_start is None:
        changes["actual_start"] = today
    if to_stage == Stage.COMPLETED:
        changes["actual_completion"] = today
    compare_and_set(
        Project.objects, pk=current.pk, expected_version=expected_version, state_field="stage", state=current.stage,
        **changes,
    )  # fmt: skip
    StageChange.objects.create(
        project_id=current.pk, from_stage=current.stage, to_stage=to_stage, reason=reason, changed_by=user
    )
    current.refresh_from_db()
    return current


@audited
def progress_report_submit(
    *,
    project: Project,
    reported_on: date,
    progress: int,
    note: str,
    user,
    files: Sequence = (),
) -> ProgressReport:
    """Record a progress report with optional photos/PDFs (type-checked).

    The latest report (by date) sets the project's visible progress.
    """
    _check_can_report(user, project)
    if reported_on > timezone.localdate():
        raise ValidationError(_("报告日期不能晚于今天。"))
    if progress is None or not 0 <= int(progress) <= 100:
        raise ValidationError(_("形象进度必须在 0 到 100 之间。"))
    check_plausible_date(reported_on)
    check_text_length(note, _("进展情况"))
    check_upload_quota(files)
    checked = [(f, validate_upload(f, kinds=("image", "pdf"))) for f in files]
    report = ProgressReport.objects.create(
        project_id=project.pk,
        reported_on=reported_on,
        progress=int(progress),
        note=(note or "").strip(),
        reported_by=user,
    )
    with delete_on_rollback() as stored:
        for upload, mime in checked:
            photo = ProgressPhoto(report=report, original_name=typed_filename(upload.name, mime), content_type=mime)
            stored.save(photo.file, storage_name(f"projects/{project.pk}", upload.name, mime), upload)
            photo.save()
        latest = ProgressReport.objects.filter(project_id=project.pk).order_by("-reported_on", "-pk").first()
        if latest is not None and latest.pk == report.pk:
            Project.objects.filter(pk=project.pk).update(progress=report.progress)
    return report
