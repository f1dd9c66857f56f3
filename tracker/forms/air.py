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
    # 超前谋划: next year's task list is the tasks due next year
    year = forms.IntegerField(label=_("完成年度"), required=False, min_value=2000, max_value=2100)


class MeasureAssignForm(forms.Form):
    """A city department (or an admin) assigns a task (攻坚任务) to a unit."""

    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    title = forms.CharField(label=_("任务名称"), max_length=200)
    area = forms.ChoiceField(label=_("领域"), choices=MeasureArea.choices)
    source_type = forms.ChoiceField(
        label=_("污染源类型"), choices=[("", "—"), *SourceType.choices], required=False, help_text=_("仅大气任务")
    )
    deadline = fields.DateField(label=_("完成时限"))
    responsible = forms.ModelChoiceField(
        label=_("责任人（名册）"), queryset=None, required=False, help_text=_("从责任单位的责任人名册中选择")
    )
    responsible_person = forms.CharField(
        label=_("责任人职务"), max_length=40, required=False, help_text=_("如“分管副县长”；选择了名册人员时可留空")
    )
    description = forms.CharField(label=_("工作要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        from ..models import Person, Unit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.order_by("sort_order", "code")
        people = Person.objects.filter(is_active=True).select_related("unit").order_by("unit__sort_order", "name")
        self.fields["responsible"].queryset = people
        self.fields["responsible"].label_from_instance = lambda p: f"{p.unit.name} · {p.name}（{p.post}）"

    def clean(self):
        data = super().clean()
        if data.get("source_type") and data.get("area") != "air":
            self.add_error("source_type", _("只有大气任务有污染源类型"))
        if data.get("deadline") and data["deadline"] < timezone.localdate():
            self.add_error("deadline", _("完成时限不能早于今天"))
        person, unit = data.get("responsible"), data.get("unit")
        if person is not None and unit is not None and person.unit_id != unit.pk:
            self.add_error("responsible", _("责任人须为该记录责任单位的人员。"))
        if person is not None and not (data.get("responsible_person") or "").strip():
            data["responsible_person"] = person.post
        if person is None and not (data.get("responsible_person") or "").strip():
            self.add_error("responsible_person", _("请选择名册中的责任人或填写责任人职务。"))
        return data
