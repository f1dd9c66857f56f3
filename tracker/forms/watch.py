import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import WarningLevel, WarningStatus, WatchSource


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *WarningStatus.choices], required=False)
    source = forms.ChoiceField(label=_("数据来源"), choices=[("", _("全部")), *WatchSource.choices], required=False)
    level = forms.ChoiceField(label=_("预警级别"), choices=[("", _("全部")), *WarningLevel.choices], required=False)
    unit = forms.IntegerField(label=_("责任单位"), required=False)


class WarningRespondForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    response = forms.CharField(
        label=_("处置情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("写明采取了哪些措施（如停工、限产、洒水降尘、排查排口）以及效果。"),
    )


class WarningEscalateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    responsible_person = forms.CharField(label=_("责任人"), max_length=60)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    note = forms.CharField(label=_("转办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=30)
