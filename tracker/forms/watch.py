from django import forms
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
