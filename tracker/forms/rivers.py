"""Forms of the river-chief pages: they only parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import FishingCaseKind, FishingCaseOutcome

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class PatrolForm(forms.Form):
    chief = forms.TypedChoiceField(label=_("河长"), coerce=int)
    date = forms.DateField(label=_("巡河日期"), widget=DATE)
    stretch = forms.CharField(label=_("巡查河段"), max_length=120)
    problems = forms.CharField(
        label=_("发现问题"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000,
        help_text=_("如：岸边垃圾堆放、排污口异常排水、非法捕捞；未发现问题可留空。"),
    )  # fmt: skip
    handled = forms.CharField(
        label=_("现场处理情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    photos = MultipleFileField(label=_("现场照片"), required=False)

    def __init__(self, *args, chiefs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chief"].choices = [(c.pk, f"{c.river.name} · {c.get_level_display()} · {c.person.name}")
                                        for c in chiefs]  # fmt: skip
        self.fields["date"].initial = timezone.localdate()


class FishingCaseForm(forms.Form):
    case_no = forms.CharField(label=_("案件编号"), max_length=40)
    date = forms.DateField(label=_("查处日期"), widget=DATE)
    river = forms.TypedChoiceField(label=_("水域"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("案件类型"), choices=FishingCaseKind.choices)
    outcome = forms.ChoiceField(label=_("处理结果"), choices=FishingCaseOutcome.choices)
    description = forms.CharField(label=_("案情"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, rivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["river"].choices = [("", "—"), *[(r.pk, r.name) for r in rivers]]
        self.fields["date"].initial = timezone.localdate()
