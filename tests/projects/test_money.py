"""Money and stage rules in the services: what is refused is refused with a clear message and nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.choices import Stage
from projects.models import Payment, Project, StageChange
from projects.services import payment_record, payment_reverse, project_change_stage
from tests.factories import ProjectFactory

D = Decimal


@pytest.fixture
def project(unit_a):
    return ProjectFactory(unit=unit_a, allocated_amount=D("100000.00"))


def pay(project, user, amount, voucher="PZ-1"):
    return payment_record(project=project, amount=D(amount), paid_on=date(2022, 6, 1), voucher_no=voucher, user=user)


def test_payment_within_allocation_is_recorded_with_who_and_when(project, official_a):
    payment = pay(project, official_a, "60000.00")
    assert payment.amount == D("60000.00") and payment.entered_by == official_a and payment.entered_at is not None


def test_payment_up_to_exactly_the_allocation_is_accepted(project, official_a):
    pay(project, official_a, "60000.00", "PZ-1")
    pay(project, official_a, "40000.00", "PZ-2")
    assert sum(p.amount for p in project.payments.all()) == D("100000.00")


def test_overpayment_is_rejected_with_a_clear_message_and_nothing_written(project, official_a):
    pay(project, official_a, "60000.00", "PZ-1")
    with pytest.raises(ValidationError) as excinfo:
        pay(project, official_a, "40000.01", "PZ-2")
    message = excinfo.value.messages[0]
    assert "超过下达资金 100,000.00 元" in message
    assert "尚可支付 40,000.00 元" in message
    assert "未保存" in message
    assert list(project.payments.values_list("voucher_no", flat=True)) == ["PZ-1"]


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_payment_must_be_positive(project, official_a, amount):
    with pytest.raises(ValidationError, match="必须大于 0"):
        pay(project, official_a, amount)
    assert not Payment.objects.exists()


def test_payment_on_a_project_without_money_is_refused(unit_a, official_a):
    reserve = ProjectFactory(unit=unit_a, stage=Stage.LIBRARY, fund=None, allocated_amount=D("0"))
    with pytest.raises(ValidationError, match="资金尚未下达"):
        pay(reserve, official_a, "1")


def test_duplicate_voucher_is_refused(project, official_a):
    pay(project, official_a, "10", "PZ-9")
    with pytest.raises(ValidationError, match="已在本项目登记过"):
        pay(project, official_a, "10", "PZ-9")


@pytest.mark.parametrize("who", ["official_b", "dept_official", "leader", "inspector", "admin"])
def test_only_the_projects_own_unit_may_record_a_payment(project, actors, who):
    with pytest.raises(PermissionDenied):
        pay(project, actors[who], "10")
    assert not Payment.objects.exists()


def test_reversal_is_a_negative_entry_pointing_at_the_original(project, official_a):
    original = pay(project, official_a, "30000.00")
    reversal = payment_reverse(payment=original, amount=D("1000.00"), reason="金额录错", user=official_a)
    original.refresh_from_db()
    assert original.amount == D("30000.00")  # never edited
    assert (reversal.amount, reversal.reverses, reversal.note) == (D("-1000.00"), original, "金额录错")


def test_reversal_frees_room_under_the_allocation(project, official_a):
    original = pay(project, official_a, "100000.00")
    payment_reverse(payment=original, reason="重复支付", user=official_a)
    pay(project, official_a, "100000.00", "PZ-2")  # would be refused without the reversal
    assert sum(p.amount for p in project.payments.all()) == D("100000.00")


def test_reversal_cannot_exceed_what_it_reverses(project, official_a):
    original = pay(project, official_a, "500.00")
    with pytest.raises(ValidationError, match="超过原支付金额"):
        payment_reverse(payment=original, amount=D("500.01"), reason="错", user=official_a)
    assert Payment.objects.count() == 1


def test_a_payment_is_reversed_only_once(project, official_a):
    original = pay(project, official_a, "500.00")
    payment_reverse(payment=original, amount=D("100"), reason="错", user=official_a)
    with pytest.raises(ValidationError, match="已冲销过"):
        payment_reverse(payment=original, amount=D("100"), reason="又错", user=official_a)
    assert Payment.objects.count() == 2


def test_a_reversal_cannot_itself_be_reversed(project, official_a):
    reversal = payment_reverse(payment=pay(project, official_a, "500.00"), reason="错", user=official_a)
    with pytest.raises(ValidationError, match="不能再冲销"):
        payment_reverse(payment=reversal, reason="错", user=official_a)


def test_reversal_needs_a_reason(project, official_a):
    with pytest.raises(ValidationError, match="原因"):
        payment_reverse(payment=pay(project, official_a, "500.00"), reason="  ", user=official_a)


def test_database_refuses_a_second_reversal_even_bypassing_the_service(project, official_a):
    from django.db import IntegrityError, transaction

    original = pay(project, official_a, "500.00")
    Payment.objects.create(
        project=project,
        amount=D("-1"),
        paid_on=date(2022, 6, 2),
        voucher_no="R1",
        reverses=original,
        entered_by=official_a,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            project=project, amount=D("-1"), paid_on=date(2022, 6, 2), voucher_no="R2", reverses=original,
            entered_by=official_a,
        )  # fmt: skip


def test_a_payment_with_a_60_character_voucher_can_be_reversed(project, official_a):
    voucher = "V" * 60  # the column's full width: "<voucher>-冲销" would be 63 characters
    reversal = payment_reverse(payment=pay(project, official_a, "500.00", voucher), reason="录错", user=official_a)
    assert reversal.voucher_no == "V" * 57 + "-冲销"  # 57 + 3 = 60
    assert reversal.amount == D("-500.00")


def test_reversal_voucher_does_not_collide_with_an_existing_voucher(project, official_a):
    pay(project, official_a, "100.00", "PZ-7-冲销")  # someone typed the would-be reversal name as a real voucher
    original = pay(project, official_a, "200.00", "PZ-7")
    reversal = payment_reverse(payment=original, reason="录错", user=official_a)
    assert reversal.voucher_no == "PZ-7-冲销2"


def test_two_long_vouchers_with_the_same_prefix_both_reverse(project, official_a):
    first = pay(project, official_a, "100.00", "A" * 58 + "01")
    second = pay(project, official_a, "100.00", "A" * 58 + "02")
    r1 = payment_reverse(payment=first, reason="错", user=official_a)
    r2 = payment_reverse(payment=second, reason="错", user=official_a)
    # both shortened to 57 "A" + "-冲销"; the second takes the counter, shortened one more character to fit
    assert (r1.voucher_no, r2.voucher_no) == ("A" * 57 + "-冲销", "A" * 56 + "-冲销2")
    assert all(len(r.voucher_no) <= 60 for r in (r1, r2))


def test_the_system_admin_may_reverse_a_payment(project, official_a, admin_user):
    original = pay(project, official_a, "300.00")
    reversal = payment_reverse(payment=original, reason="管理员更正", user=admin_user)
    assert (reversal.amount, reversal.entered_by) == (D("-300.00"), admin_user)


@pytest.mark.parametrize("who", ["official_b", "dept_official", "leader", "inspector"])
def test_others_may_not_reverse(project, official_a, actors, who):
    original = pay(project, official_a, "300.00")
    with pytest.raises(PermissionDenied):
        payment_reverse(payment=original, reason="x", user=actors[who])
    assert Payment.objects.count() == 1


def test_admin_site_action_reverses_selected_payments(client, project, official_a, admin_user):
    from django.urls import reverse

    original = pay(project, official_a, "300.00", "W" * 60)
    client.force_login(admin_user)
    url = reverse("admin:projects_payment_changelist")
    data = {"action": "reverse_selected", "_selected_action": [original.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "冲销原因" in confirm.content.decode()
    done = client.post(url, {**data, "reason": "管理员更正"})
    assert done.status_code == 302
    reversal = Payment.objects.get(reverses=original)
    assert (reversal.amount, reversal.note, reversal.entered_by) == (D("-300.00"), "管理员更正", admin_user)


# --- stages ---------------------------------------------------------------------------------------------


def test_stage_moves_forward_one_step_and_is_recorded(unit_a, official_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    moved = project_change_stage(
        project=project, to_stage=Stage.STARTED, reason="", user=official_a, expected_version=0
    )
    assert moved.stage == Stage.STARTED and moved.version == 1 and moved.actual_start is not None
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.changed_by) == (Stage.FUNDED, Stage.STARTED, official_a)


def test_stage_cannot_skip_forward(unit_a, official_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.RESERVE, fund=None, allocated_amount=0)
    with pytest.raises(ValidationError, match="逐级推进"):
        project_change_stage(project=project, to_stage=Stage.LIBRARY, reason="", user=official_a, expected_version=0)


def test_stage_backwards_needs_a_reason(unit_a, official_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.STARTED)
    with pytest.raises(ValidationError, match="必须填写原因"):
        project_change_stage(project=project, to_stage=Stage.FUNDED, reason=" ", user=official_a, expected_version=0)
    assert not StageChange.objects.exists()
    moved = project_change_stage(
        project=project, to_stage=Stage.PACKAGING, reason="设计方案被退回", user=official_a, expected_version=0
    )
    assert moved.stage == Stage.PACKAGING
    assert StageChange.objects.get(project=project).reason == "设计方案被退回"


def test_stale_version_is_refused_as_changed_by_someone_else(unit_a, official_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    Project.objects.filter(pk=project.pk).update(version=3)
    with pytest.raises(ValidationError, match="已被他人修改"):
        project_change_stage(project=project, to_stage=Stage.STARTED, reason="", user=official_a, expected_version=0)


def test_funded_stage_needs_fund_and_amount(unit_a, official_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.LIBRARY, fund=None, allocated_amount=0)
    with pytest.raises(ValidationError, match="资金来源和下达金额"):
        project_change_stage(project=project, to_stage=Stage.FUNDED, reason="", user=official_a, expected_version=0)


@pytest.mark.parametrize("who", ["official_b", "leader", "admin"])
def test_stage_change_only_by_own_unit(unit_a, actors, who):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    with pytest.raises(PermissionDenied):
        project_change_stage(project=project, to_stage=Stage.STARTED, reason="", user=actors[who], expected_version=0)
