"""Admins set indicators, targets and schemes here. Workflow fields (status, runs, snapshots) are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.common.admin import ModelAdmin, TabularInline

from . import planning, scoring
from .choices import Area
from .geo import MAX_BYTES, BoundaryError, parse_boundary
from .models import (
    AssessmentItem,
    AssessmentScheme,
    DataValue,
    GeoBoundary,
    Indicator,
    NotApplicable,
    ProvincialRanking,
    Publication,
    QuarterTarget,
    RiskFollowUp,
    ScoringRun,
    Target,
)
from .scoring import validate_params
from .services import default_as_of, geo_boundary_save, scores_preview


@admin.register(Indicator)
class IndicatorAdmin(ModelAdmin):
    list_display = (
        "code",
        "name",
        "unit_of_measure",
        "direction",
        "area",
        "source",
        "aggregate",
        "accrual",
        "precision",
    )
    list_filter = ("area", "source")
    search_fields = ("code", "name")


def baseline_beats_target(target: Target) -> bool:
    """A baseline already at or beyond the target (a relaxed target, 不退步 after a good year): the linear rule
    then scores full-or-zero; worth a second look when it is entered."""
    if target.baseline is None:
        return False
    if target.indicator.direction == scoring.HIGHER:
        return target.baseline >= target.value
    return target.baseline <= target.value


@admin.register(Target)
class TargetAdmin(ModelAdmin):
    list_display = ("indicator", "unit", "year", "value", "baseline", "relaxed")
    list_filter = ("year", "indicator__area", "unit")
    autocomplete_fields = ("indicator",)

    @admin.display(boolean=True, description=_("基数已优于目标"))
    def relaxed(self, obj):
        return baseline_beats_target(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if baseline_beats_target(obj):
            messages.warning(
                request,
                _("%(unit)s %(ind)s：基数 %(b)s 已优于目标 %(t)s，线性计分将按是否达标计（达到目标满分，否则 0 分）。")
                % {"unit": obj.unit, "ind": obj.indicator, "b": obj.baseline, "t": obj.value},
            )


class ItemForm(forms.ModelForm):
    """An item's rule parameters as labelled fields (每次扣分, 最多扣分, 每项加分, 每低一名减分), not raw JSON."""

    per = forms.FloatField(label=_("每次扣分 / 每项加分"), required=False, min_value=0)
    cap = forms.FloatField(label=_("最多扣分"), required=False, min_value=0)
    step = forms.FloatField(label=_("每低一名减分"), required=False, min_value=0)

    class Meta:
        model = AssessmentItem
        fields = ("indicator", "max_points", "rule", "per", "cap", "step", "na_policy", "veto", "sort_order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("per", "cap", "step"):
            if name in (self.instance.params or {}):
                self.fields[name].initial = self.instance.params[name]

    def clean(self):
        data = super().clean()
        rule = data.get("rule", "")
        params = {name: data[name] for name in scoring.RULE_PARAMS.get(rule, {}) if data.get(name) is not None}
        errors = validate_params(rule, params)
        if errors:
            self.add_error(None, errors)
        self.instance.params = params
        return data


class ItemInline(TabularInline):
    model = AssessmentItem
    form = ItemForm
    extra = 0
    autocomplete_fields = ("indicator",)


CAP_KINDS = (("deduction", _("扣分上限")), ("bonus", _("加分上限")))
CAP_AREAS = (("overall", _("全部领域合计")), *Area.choices)


class _SchemeFormBase(forms.ModelForm):
    """The scheme with its caps as labelled fields (扣分上限 / 加分上限, overall and per area), not raw JSON."""

    class Meta:
        model = AssessmentScheme
        fields = ("year", "name", "published")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        caps = self.instance.caps or {}
        for kind, _label in CAP_KINDS:
            for area, _area_label in CAP_AREAS:
                self.fields[f"cap_{kind}_{area}"].initial = (caps.get(kind) or {}).get(area)

    def clean(self):
        data = super().clean()
        caps = {}
        for kind, _label in CAP_KINDS:
            limits = {
                area: data[f"cap_{kind}_{area}"]
                for area, _area_label in CAP_AREAS
                if data.get(f"cap_{kind}_{area}") is not None
            }
            if limits:
                caps[kind] = limits
        self.instance.caps = caps
        return data


CAP_FIELDS = [f"cap_{kind}_{area}" for kind, _label in CAP_KINDS for area, _area_label in CAP_AREAS]
SchemeForm = type(
    "SchemeForm",
    (_SchemeFormBase,),
    {
        f"cap_{kind}_{area}": forms.FloatField(
            label=format_lazy("{} · {}", label, area_label),
            required=False,
            min_value=0,
            help_text=_("留空表示不设上限"),
        )
        for kind, label in CAP_KINDS
        for area, area_label in CAP_AREAS
    },
)


@admin.register(AssessmentScheme)
class SchemeAdmin(ModelAdmin):
    list_display = ("name", "year", "published")
    inlines = [ItemInline]
    form = SchemeForm
    actions = ["copy_to_next_year"]

    @admin.action(description=_("复制到下一年度（超前谋划）"))
    def copy_to_next_year(self, request, queryset):
        """Each selected scheme copied to next year by `planning.scheme_copy_to_next_year` (each all or nothing)."""
        for scheme in queryset:
            try:
                done = planning.scheme_copy_to_next_year(scheme=scheme, user=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, "；".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            else:
                self.message_user(
                    request,
                    format_lazy(
                        _("已复制为“{name}”：{items} 个考核项、{targets} 个目标值（已有 {kept} 个保留不变）。"),
                        name=done.scheme.name, items=done.items, targets=done.targets, kept=done.targets_kept,
                    ),
                )  # fmt: skip

    fieldsets = (
        (None, {"fields": ("year", "name", "published")}),
        (_("加减分上限"), {"fields": CAP_FIELDS, "classes": ("collapse",)}),
    )

    change_form_template = "admin/targets/assessmentscheme/change_form.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """「预览排名」: save the edited scheme inside a transaction, compute the ranking it would give (nothing is
        stored), roll everything back and show the preview — the scheme itself is saved only by 保存."""
        if request.method != "POST" or "_preview" not in request.POST or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if response.status_code != 302:  # the form has errors: shown as usual, nothing saved
                transaction.set_rollback(True)
                return response
            scheme = AssessmentScheme.objects.get(pk=object_id)
            as_of = default_as_of(scheme.year)
            preview = scores_preview(scheme=scheme, as_of=as_of)
            transaction.set_rollback(True)
        list(messages.get_messages(request))  # drop "changed successfully": nothing was saved
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "scheme": scheme,
            "as_of": as_of,
            "rows": preview.astype(object).where(preview.notna(), None).to_dict("records"),
            "title": _("排名预览（未保存）"),
        }
        return TemplateResponse(request, "admin/targets/assessmentscheme/preview.html", context)


@admin.register(NotApplicable)
class NotApplicableAdmin(ModelAdmin):
    """不涉及认定: an admin finds that a unit has nothing to assess on an indicator, with the reason."""

    list_display = ("indicator", "unit", "year", "reason", "created_at")
    list_filter = ("year", "indicator__area")
    autocomplete_fields = ("indicator",)


@admin.register(DataValue)
class DataValueAdmin(ModelAdmin):
    list_display = ("indicator", "unit", "year", "month", "value", "status", "verified", "superseded_at")
    list_filter = ("status", "year", "indicator__area")
    readonly_fields = [f.name for f in DataValue._meta.fields]

    def has_add_permission(self, request):
        return False  # values are entered by units on the site, through the workflow


@admin.register(ScoringRun)
class ScoringRunAdmin(ModelAdmin):
    list_display = ("scheme", "as_of", "status", "progress", "created_at", "finished_at", "replaced_by")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ScoringRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Publication)
class PublicationAdmin(ModelAdmin):
    list_display = ("title", "run", "published_at", "published_by")
    readonly_fields = ("run", "published_at", "published_by")

    def has_add_permission(self, request):
        return False


# --- dashboards: map boundaries ----------------------------------------------------------------------
class GeoBoundaryForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("GeoJSON 文件"),
        required=False,
        help_text=_(
            "行政区划边界 FeatureCollection，每个区域须有 properties.adcode（与责任单位代码一致），不超过 5 MB。"
        ),
    )

    class Meta:
        model = GeoBoundary
        fields = ("name", "is_active")

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if not self.instance.pk:
                raise forms.ValidationError(_("请上传 GeoJSON 文件。"))
            return None
        try:
            return parse_boundary(upload.read(MAX_BYTES + 1))
        except BoundaryError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(GeoBoundary)
class GeoBoundaryAdmin(ModelAdmin):
    form = GeoBoundaryForm
    list_display = ("name", "feature_count", "is_active", "uploaded_at")
    readonly_fields = ("feature_count", "uploaded_at")

    def save_model(self, request, obj, form, change):
        doc = form.cleaned_data.get("upload")
        geo_boundary_save(boundary=obj, doc=doc)


@admin.register(ProvincialRanking)
class ProvincialRankingAdmin(ModelAdmin):
    """The province's ranking of the city, entered from its notices; an action proposes targets from the gap."""

    list_display = ("indicator", "year", "month", "rank", "total", "score", "value", "next_value")
    list_filter = ("year", "indicator")
    actions = ["propose_targets"]

    @admin.action(description=_("按前一名数值提出本年度目标值"))
    def propose_targets(self, request, queryset):
        """`planning.targets_propose_from_ranking` for each selected ranking (targets only ever made stricter)."""
        for ranking in queryset.select_related("indicator"):
            try:
                p = planning.targets_propose_from_ranking(ranking=ranking, user=request.user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            if p.value is None:
                self.message_user(request, format_lazy(_("{r}：已是全省第一或未填前一名数值，不提出目标。"), r=ranking))
            else:
                self.message_user(
                    request,
                    format_lazy(
                        _("{r}：建议目标值 {v}，已提高 {n} 个单位的目标值，{k} 个单位目标值已不低于建议值。"),
                        r=ranking, v=p.value, n=p.raised, k=p.kept,
                    ),
                )  # fmt: skip


@admin.register(QuarterTarget)
class QuarterTargetAdmin(ModelAdmin):
    list_display = ("indicator", "unit", "year", "quarter", "value")
    list_filter = ("year", "quarter", "indicator")


@admin.register(RiskFollowUp)
class RiskFollowUpAdmin(ModelAdmin):
    """扣分风险跟踪督办: assigned and reported on the site; here only to look up and correct a person or a note."""

    list_display = ("year", "unit", "item", "person", "deadline", "status")
    list_filter = ("year", "status", "unit")
    autocomplete_fields = ("person",)
    readonly_fields = ("year", "unit", "item", "status", "version", "assigned_by", "assigned_at", "done_on")

    def has_add_permission(self, request):
        return False  # assigned through the site (the service checks the risk and tells the unit)
