from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import fields

from ..choices import MeasureArea, SourceType


class AirReadingsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("Excel (.xlsx) 或 CSV；列：站点编码、日期、SO2、NO2、PM10、CO(mg/m³)、O3_8h、PM2.5。"),
    )


class MeasureReportForm(forms.Form):
    date = fields.DateField(label=_("报告日期"))
    progress = forms.IntegerField(
        label=_("形象进度 (%)"),
        min_value=0,
        max_value=100,
        error_messages={"min_value": _("形象进度不能小于 0。"), "max_value": _("形象进度不能大于 100。")},
    )
    note = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class MeasureFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("领域"), choices=[("", _("全部")), *MeasureArea.choices], required=False)
    zone = forms.IntegerField(label=_("战区"), required=False)
    unit = forms.IntegerField(label=_("责任单位"), required=False)
    source_type = forms.ChoiceField(
        label=_("污染源类型"), choices=[("", _("全部")), *SourceType.choices], required=False
    )
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)
