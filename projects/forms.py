"""Forms: parse and check input shape only; the money and stage rules live in services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker import fields
from tracker.common.ledger import FastSelect

from .choices import STAGE_INDEX, FundArea, FundLevel, Stage, allowed_transitions


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("支付金额（元）"), max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = fields.DateField(label=_("支付日期"))
    voucher_no = forms.CharField(label=_("凭证号"), max_length=60)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ReversalForm(forms.Form):
    amount = forms.DecimalField(
        label=_("冲销金额（元）"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("留空表示全额冲销"),
    )
    reason = forms.CharField(label=_("冲销原因"), max_length=200)


class StageForm(forms.Form):
    """The stage move. The list offers the moves from the stage the page showed; whether the posted move is
    allowed is the service's question (STAGE_WORKFLOW), asked after the version check, so a stale page says
    "已被他人修改" rather than "选择一个有效的选项"."""

    to_stage = forms.CharField(label=_("变更为"), max_length=20, widget=forms.Select)
    reason = forms.CharField(label=_("原因（退回时必填）"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Stage.choices)
        moves = allowed_transitions(current)
        # The forward step first (the usual move), then the stages one may go back to, nearest first.
        ordered = sorted(moves.items(), key=lambda item: (item[1], -STAGE_INDEX[item[0]]))
        self.fields["to_stage"].widget.choices = [
            (s, labels[s] + (_("（退回）") if back else "")) for s, back in ordered
        ]


class ProgressForm(forms.Form):
    reported_on = fields.DateField(label=_("报告日期"))
    progress = forms.IntegerField(label=_("形象进度（%）"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=fields.TEXT_MAX_CHARS
    )
    photo = forms.FileField(label=_("现场照片或 PDF（可选）"), required=False)


class RankingFilterForm(forms.Form):
    """Which funds the unit ranking covers: a year, a level, an area, or only the old funds (往年资金)."""

    year = forms.TypedChoiceField(label=_("资金年度"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label=_("资金级别"), required=False, choices=[("", _("全部")), *FundLevel.choices])
    area = forms.ChoiceField(label=_("资金领域"), required=False, choices=[("", _("全部")), *FundArea.choices])
    old = forms.BooleanField(label=_("只看往年资金"), required=False)

    def __init__(self, *args, years, old_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *((y, str(y)) for y in years)]
        self.fields["old"].label = _("只看%(y)d年以前资金") % {"y": old_year}


class LedgerFilterForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("责任单位"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    fund = forms.TypedChoiceField(label=_("资金"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    stage = forms.ChoiceField(label=_("阶段"), required=False, choices=[("", _("全部")), *Stage.choices])
    stalled = forms.BooleanField(label=_("只看停滞项目"), required=False)
    q = forms.CharField(label=_("名称/编号"), required=False, max_length=60)

    def __init__(self, *args, units, funds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部")), *((u.pk, u.name) for u in units)]
        self.fields["fund"].choices = [("", _("全部")), *((f.pk, f.name) for f in funds)]


class FundFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("资金年度"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label=_("资金级别"), required=False, choices=[("", _("全部")), *FundLevel.choices])
    area = forms.ChoiceField(label=_("资金领域"), required=False, choices=[("", _("全部")), *FundArea.choices])

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *((y, str(y)) for y in years)]


class PaymentFilterForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("责任单位"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    fund = forms.TypedChoiceField(label=_("资金"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    start = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    q = forms.CharField(label=_("凭证号/项目"), required=False, max_length=60)

    def __init__(self, *args, units, funds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部")), *((u.pk, u.name) for u in units)]
        self.fields["fund"].choices = [("", _("全部")), *((f.pk, f.name) for f in funds)]


class MilestoneDoneForm(forms.Form):
    """A pilot milestone recorded as done by its lead unit, with what was done."""

    done_on = fields.DateField(label=_("实际完成日期"))
    evidence = forms.CharField(
        label=_("完成情况及佐证"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
        error_messages={"required": _("请写明完成情况及佐证材料。")},
    )


class ProposalForm(forms.Form):
    """An official proposes a reserve project (项目储备) for a unit they report for."""

    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    investment = forms.DecimalField(
        label=_("估算总投资（元）"), min_value=Decimal("0"), max_digits=16, decimal_places=2
    )
    responsible_person = forms.CharField(label=_("责任人"), max_length=40, required=False)
    planned_start = fields.DateField(label=_("计划开工日期"), required=False)
    planned_completion = fields.DateField(label=_("计划竣工日期"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk


class ProposalDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("accept", _("纳入储备")), ("decline", _("不予纳入"))])
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)
