"""Forms parse and explain input; the services decide. Status is never a form field."""

import datetime

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import fields
from tracker.common.ledger import FastChoiceField, FastSelect
from tracker.models import Unit

from .choices import AccountabilityKind, Area, Colour, FindingKind, InspectionKind, NoticeLevel, Status
from .models import Inspection, RectificationItem


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
    unit = FastChoiceField(label=_("责任单位"), required=False)
    category = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("逾期")), ("rebounded", _("反弹")), ("newly_closed", _("新销号"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # units that have items: a semi-join on the unit index (DISTINCT over the item join read every item)
        has_items = RectificationItem.objects.filter(unit=OuterRef("pk"))
        units = Unit.objects.filter(Exists(has_items)).order_by("sort_order", "code")
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


class SpecialInspectionForm(forms.Form):
    """A special inspection round (专项督查): its name, date and targets (projects and/or tasks)."""

    name = forms.CharField(label=_("批次名称"), max_length=120)
    date = fields.DateField(label=_("督查日期"))
    reason = forms.CharField(label=_("督查事由"), max_length=200, required=False)
    projects = forms.TypedMultipleChoiceField(label=_("督查项目"), coerce=int, required=False)
    measures = forms.TypedMultipleChoiceField(label=_("督查攻坚任务"), coerce=int, required=False)

    def __init__(self, *args, project_choices=(), measure_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = project_choices
        self.fields["measures"].choices = measure_choices
        for name in ("projects", "measures"):
            self.fields[name].widget.attrs["size"] = 8


class FindingForm(forms.Form):
    """One finding of a special round against one of its targets."""

    target = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("处理方式"), choices=FindingKind.choices)
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}), max_length=fields.TEXT_MAX_CHARS
    )
    place = forms.CharField(label=_("点位"), max_length=120, required=False)
    area = forms.ChoiceField(label=_("领域"), choices=Area.choices, initial=Area.OTHER)
    responsible_person = forms.CharField(label=_("责任人"), max_length=60)
    deadline = fields.DateField(label=_("整改/办结时限"))


class DirectiveDoneForm(forms.Form):
    note = forms.CharField(
        label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=fields.TEXT_MAX_CHARS
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- 奖惩到人 -------------------------------------------------------------------------------------------
class AccountabilityFilterForm(forms.Form):
    unit = forms.IntegerField(label=_("所在单位"), required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=[("", _("全部")), *AccountabilityKind.choices], required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)


# how many recent document numbers and notices the basis lists offer (the newest; older ones through the admin)
BASIS_CHOICES_LIMIT = 300


class AccountabilityForm(forms.Form):
    """A leader or an admin records a commendation, criticism, interview or accountability decision."""

    person = forms.ModelChoiceField(label=_("责任人"), queryset=None)
    kind = forms.ChoiceField(label=_("类别"), choices=AccountabilityKind.choices)
    date = fields.DateField(label=_("日期"))
    document_number = forms.ModelChoiceField(
        label=_("依据文号"), queryset=None, required=False, help_text=_("通报或提醒函、警示函、督办函的发文字号")
    )
    item_code = forms.CharField(label=_("依据整改问题编号"), max_length=40, required=False)
    notice = forms.ModelChoiceField(label=_("依据预警通知"), queryset=None, required=False)
    description = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, **kwargs):
        from tracker.models import Person

        from .models import DocumentNumber, Notice

        super().__init__(*args, **kwargs)
        people = Person.objects.filter(is_active=True).select_related("unit").order_by("unit__sort_order", "name")
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.unit.name} · {p.name}（{p.post}）"
        numbers = DocumentNumber.objects.order_by("-issued_at", "-pk")
        self.fields["document_number"].queryset = DocumentNumber.objects.filter(
            pk__in=list(numbers.values_list("pk", flat=True)[:BASIS_CHOICES_LIMIT])
        ).order_by("-issued_at", "-pk")
        self.fields["document_number"].label_from_instance = _number_label
        notices = Notice.objects.order_by("-created_at", "-pk")
        self.fields["notice"].queryset = (
            Notice.objects.filter(pk__in=list(notices.values_list("pk", flat=True)[:BASIS_CHOICES_LIMIT]))
            .select_related("unit", "item")
            .order_by("-created_at", "-pk")
        )
        self.fields["notice"].label_from_instance = lambda n: (
            f"{n.unit.name} · {n.get_level_display()} · {n.item.code} · {n.created_at:%Y-%m-%d}"
        )

    def clean_item_code(self):
        from .models import RectificationItem

        code = (self.cleaned_data.get("item_code") or "").strip()
        if not code:
            return None
        item = RectificationItem.objects.filter(code=code).first()
        if item is None:
            raise forms.ValidationError(_("没有编号为“%(code)s”的整改问题。") % {"code": code})
        return item


def _number_label(n) -> str:
    if n.notice_id is None and n.period_start and n.period_end:
        return f"{n.text} · {n.get_kind_display()} {n.period_start:%Y-%m-%d}～{n.period_end:%Y-%m-%d}"
    return f"{n.text} · {n.get_kind_display()}"


class EscalationForm(forms.Form):
    """转为整改问题 from a river patrol's finding (posted from the patrol's page; `escalation.river_patrol_to_item`)."""

    responsible_person = forms.CharField(label=_("责任人"), max_length=60)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    note = forms.CharField(label=_("转办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=30)


class WarningEscalateForm(EscalationForm):
    """转为整改问题 from a monitoring warning (posted from the warning's page; `escalation.warning_escalate`): the
    warning's version is compared and set."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
