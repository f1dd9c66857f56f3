"""Forms of the heavy-pollution weather pages: they only parse; the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import WarningLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REDUCTION = {"min_value": 0, "max_digits": 8, "decimal_places": 3, "initial": 0}


class WeatherWarningIssueForm(forms.Form):
    title = forms.CharField(label=_("预警名称"), max_length=120)
    level = forms.ChoiceField(label=_("预警级别"), choices=WarningLevel.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    planned_end = forms.DateField(label=_("预计结束日期"), widget=DATE)
    reason = forms.CharField(label=_("预警依据"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["planned_end"].initial = today + datetime.timedelta(days=3)


class WeatherWarningLevelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    level = forms.ChoiceField(label=_("调整为"), choices=WarningLevel.choices)
    planned_end = forms.DateField(label=_("预计结束日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class WeatherWarningLiftForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    lifted_on = forms.DateField(label=_("解除日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lifted_on"].initial = timezone.localdate()


class EmergencyMeasureForm(forms.Form):
    measure_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    enterprise = forms.TypedChoiceField(label=_("重点企业"), coerce=int, required=False, empty_value=None)
    source = forms.CharField(label=_("污染源"), max_length=80)
    measure = forms.CharField(label=_("减排措施"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    from_level = forms.ChoiceField(label=_("启动级别"), choices=WarningLevel.choices)
    pm25_reduction = forms.DecimalField(label=_("PM2.5 减排量（吨/日）"), **REDUCTION)
    nox_reduction = forms.DecimalField(label=_("NOx 减排量（吨/日）"), **REDUCTION)
    vocs_reduction = forms.DecimalField(label=_("VOCs 减排量（吨/日）"), **REDUCTION)
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", "—"), *[(e.pk, e.name) for e in enterprises]]


class EmergencyResponseForm(forms.Form):
    date = forms.DateField(label=_("落实日期"), widget=DATE)
    measure = forms.TypedChoiceField(label=_("清单措施"), coerce=int, required=False, empty_value=None)
    enterprise = forms.TypedChoiceField(label=_("重点企业"), coerce=int, required=False, empty_value=None)
    action = forms.CharField(
        label=_("落实情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("写明停限产、停工、洒水降尘、错峰运输等措施及执行情况。"),
    )

    def __init__(self, *args, measures=(), enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["measure"].choices = [("", "—"), *[(m.pk, str(m)) for m in measures]]
        self.fields["enterprise"].choices = [("", "—"), *[(e.pk, e.name) for e in enterprises]]


class ForecastRangeForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    end = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    unit = forms.IntegerField(label=_("单位"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 92:
            raise forms.ValidationError(_("一次最多查看 92 天。"))
        return data
