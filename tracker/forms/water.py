from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import fields

from ..choices import OUTLET_TRANSITIONS, OutletStep, outlet_move_is_backward


class OutletMoveForm(forms.Form):
    """Move an outlet to another step. The form only parses what was typed; every rule (which move, reason,
    document, dates, a stale page) is `outlet_move`'s, and its refusals are shown on this form."""

    to_step = forms.CharField(label=_("变更为"), max_length=20, widget=forms.Select)
    work_date = fields.DateField(label=_("工作日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("工作说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("退回之前的环节时必填。"),
    )
    document = forms.FileField(
        label=_("方案/佐证材料"), required=False, help_text=_("推进环节时必传：图片、PDF 或 Word/Excel，不超过 20 MB。")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, outlet, **kwargs):
        super().__init__(*args, **kwargs)
        self.outlet = outlet
        # The next step first (the usual move), then the earlier steps it may be sent back to.
        allowed = OUTLET_TRANSITIONS[outlet.step]
        forward = [
            (s, _("推进至：%(step)s") % {"step": OutletStep(s).label})
            for s in allowed
            if not outlet_move_is_backward(outlet.step, s)
        ]
        backward = [
            (s, _("退回至：%(step)s") % {"step": OutletStep(s).label})
            for s in reversed(allowed)
            if outlet_move_is_backward(outlet.step, s)
        ]
        self.fields["to_step"].widget.choices = forward + backward
        self.fields["version"].initial = outlet.version
        self.fields["work_date"].initial = timezone.localdate()


class ReadingUploadForm(forms.Form):
    file = forms.FileField(label=_("监测数据文件"), help_text=_("Excel (.xlsx) 或 CSV；第一行为表头。"))
