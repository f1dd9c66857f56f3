from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import fields
from tracker.permissions import units_for_user

from .choices import FollowUpStatus
from .models import MAX_ENTERED_VALUE
from .selectors import entered_indicators


class DataValueForm(forms.Form):
    """An official enters a value for their own unit; the unit list only offers units they report for."""

    unit = forms.ModelChoiceField(
        label=_("责任单位"), queryset=None, error_messages={"invalid_choice": _("只能为本单位填报")}
    )
    indicator = forms.ModelChoiceField(label=_("指标"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.IntegerField(
        label=_("月份"), min_value=0, max_value=12, help_text=_("1–12 为月度（年初至当月累计），0 为全年")
    )
    value = forms.FloatField(label=_("数值"), max_value=MAX_ENTERED_VALUE)
    verified = forms.BooleanField(label=_("核定数（不勾选为快报数）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200, required=False, help_text=_("更正已审核的数据时必填"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_user(user, "report")
        if user.unit_id:
            self.fields["unit"].initial = user.unit_id
        self.fields["indicator"].queryset = entered_indicators()
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["month"].initial = today.month

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value < 0:
            raise forms.ValidationError(_("数值不能为负数"))
        return value

    def clean(self):
        data = super().clean()
        ind = data.get("indicator")
        if ind is not None and ind.unit_of_measure == "%" and data.get("value") is not None and data["value"] > 100:
            self.add_error("value", _("百分比不能超过 100"))
        return data


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回原因"), max_length=200)


class PublishForm(forms.Form):
    title = forms.CharField(label=_("通报标题"), max_length=120)


# --- 扣分风险跟踪督办 ------------------------------------------------------------------------------------
class FollowUpFilterForm(forms.Form):
    unit = forms.IntegerField(label=_("责任单位"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *FollowUpStatus.choices], required=False)
    scheme = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FollowUpAssignForm(forms.Form):
    """A leader or an admin hands a risk (unit × assessment item) to the unit and one of its people."""

    unit = forms.IntegerField(widget=forms.HiddenInput)
    item = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person = forms.ModelChoiceField(label=_("责任人"), queryset=None, required=False)
    deadline = fields.DateField(label=_("办结时限"))
    note = forms.CharField(
        label=_("督办要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )

    def __init__(self, *args, unit_id: int | None = None, **kwargs):
        from tracker.models import Person

        super().__init__(*args, **kwargs)
        people = Person.objects.filter(unit_id=unit_id, is_active=True) if unit_id else Person.objects.none()
        self.fields["person"].queryset = people.order_by("name")


class FollowUpReportForm(forms.Form):
    """The unit's official reports what it did; ticking 已完成 closes the follow-up."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    final = forms.BooleanField(label=_("已完成（最终报告）"), required=False)
