"""Forms parse and explain input; the services decide. Status is never a form field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker import fields
from tracker.common.ledger import FastSelect
from tracker.models import Unit

from .choices import Area, Colour, InspectionKind, NoticeLevel, Status
from .models import Inspection


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is type/size-checked by the service (tracker.common.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class LedgerFilterForm(forms.Form):
    inspection = forms.ModelChoiceField(
        Inspection.objects.all(), required=False, label=_("来源批次"), widget=FastSelect
    )
    area = forms.ChoiceField(choices=[("", _("全部")), *Area.choices], required=False, label=_("领域"))
    unit = forms.ModelChoiceField(Unit.objects.all(), required=False, label=_("责任单位"), widget=FastSelect)
    status = forms.ChoiceField(choices=[("", _("全部")), *Status.choices], required=False, label=_("状态"))
    colour = forms.ChoiceField(choices=[("", _("全部")), *Colour.choices], required=False, label=_("预警"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        self.fields["inspection"].empty_label = _("全部")
        self.fields["unit"].empty_label = _("全部")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "inspection": data["inspection"].pk if data["inspection"] else None,
            "unit": data["unit"].pk if data["unit"] else None,
            "area": data["area"],
            "status": data["status"],
            "colour": data["colour"],
        }


class NoticeFilterForm(forms.Form):
    level = forms.ChoiceField(choices=[("", _("全部")), *NoticeLevel.choices], required=False, label=_("等级"))
    unit = forms.ModelChoiceField(Unit.objects.all(), required=False, label=_("责任单位"), widget=FastSelect)
    unread = forms.BooleanField(required=False, label=_("只看未签收"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("全部")

    def apply(self, notices):
        """The notices narrowed by the valid filters (an invalid one is ignored, not an error page)."""
        if not self.is_bound or not self.is_valid():
            return notices
        data = self.cleaned_data
        if data["level"]:
            notices = notices.filter(level=data["level"])
        if data["unit"]:
            notices = notices.filter(unit=data["unit"])
        if data["unread"]:
            notices = notices.filter(read_at__isnull=True)
        return notices


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=fields.TEXT_MAX_CHARS
    )
    files = MultipleFileField(label=_("佐证材料（照片/PDF）"))


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=fields.TEXT_MAX_CHARS
    )
    progress = forms.IntegerField(label=_("完成进度(%)"), min_value=0, max_value=100)
    files = MultipleFileField(label=_("佐证材料（照片/PDF）"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("批次类型"), choices=InspectionKind.choices)
    name = forms.CharField(label=_("批次名称"), max_length=120)
    date = fields.DateField(label=_("督察/检查日期"))
    file = forms.FileField(label=_("问题清单（.xlsx 或 .csv）"))


class PeriodForm(forms.Form):
    start = fields.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = fields.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit = forms.TypedChoiceField(label=_("责任单位"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    category = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("逾期")), ("rebounded", _("反弹")), ("newly_closed", _("新销号"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(rectification_items__isnull=False).distinct().order_by("sort_order", "code")
        self.fields["unit"].choices = [("", _("全部")), *units.values_list("pk", "name")]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


class ReviewPlanForm(forms.Form):
    """A 回头看 plan: scope, rule and due date; which items it picks is the service's decision."""

    name = forms.CharField(label=_("计划名称"), max_length=120)
    inspection = forms.ModelChoiceField(
        label=_("来源批次"), queryset=Inspection.objects.all(), required=False, empty_label=_("全部批次")
    )
    closed_before = forms.DateField(label=_("销号截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    rule = forms.ChoiceField(label=_("选取方式"), choices=[("all", _("全部复查")), ("sample", _("随机抽查"))])
    sample_percent = forms.IntegerField(label=_("抽查比例(%)"), min_value=1, max_value=100, initial=30)
    due = forms.DateField(label=_("复查完成时限"), widget=forms.DateInput(attrs={"type": "date"}))


class ReviewCheckForm(forms.Form):
    result = forms.ChoiceField(label=_("复查结果"), choices=[("passed", _("复查通过")), ("rebound", _("发现反弹"))])
    note = forms.CharField(label=_("复查说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
