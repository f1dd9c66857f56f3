from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import fields

from ..choices import OUTLET_TRANSITIONS, OutletStep, outlet_move_is_backward
from ..services.water import OUTLET_DOCUMENT_KINDS
from ..uploads import validate_upload


class OutletMoveForm(forms.Form):
    """Move an outlet to another step. The service re-checks everything; this explains mistakes early."""

    to_step = forms.ChoiceField(label=_("变更为"))
    work_date = fields.DateField(label=_("工作日期"))
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
        self.fields["to_step"].choices = forward + backward
        self.fields["version"].initial = outlet.version
        self.fields["work_date"].initial = timezone.localdate()

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            validate_upload(document, kinds=OUTLET_DOCUMENT_KINDS)
        return document

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version")
        if version is not None and version != self.outlet.version:
            # The page was stale: its step list no longer applies, so say only that (not "invalid choice").
            self._errors.clear()
            raise ValidationError(_("已被他人修改，请刷新后重试。"))
        to_step = cleaned.get("to_step")
        if not to_step:
            return cleaned
        if outlet_move_is_backward(self.outlet.step, to_step):
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("退回之前的环节必须填写退回原因。"))
        elif not cleaned.get("document") and "document" not in self.errors:
            self.add_error("document", _("推进环节需上传方案或佐证材料。"))
        work_date = cleaned.get("work_date")
        if work_date and work_date > timezone.localdate():
            self.add_error("work_date", ValidationError(_("工作日期不能晚于今天。")))
        return cleaned


class ReadingUploadForm(forms.Form):
    file = forms.FileField(label=_("监测数据文件"), help_text=_("Excel (.xlsx) 或 CSV；第一行为表头。"))
