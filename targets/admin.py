"""Admins set indicators, targets and schemes here. Workflow fields (status, runs, snapshots) are read-only."""

from django import forms
from django.contrib import admin

from .models import AssessmentItem, AssessmentScheme, DataValue, Indicator, Publication, ScoringRun, Target
from .scoring import validate_params


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "measure", "direction", "area", "source", "aggregate")
    list_filter = ("area", "source")
    search_fields = ("code", "name")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("indicator", "unit", "year", "value", "baseline")
    list_filter = ("year", "indicator__area", "unit")
    autocomplete_fields = ("indicator",)


class ItemForm(forms.ModelForm):
    class Meta:
        model = AssessmentItem
        fields = ("indicator", "max_points", "rule", "params", "sort_order")

    def clean(self):
        data = super().clean()
        errors = validate_params(data.get("rule", ""), data.get("params") or {})
        if errors:
            self.add_error("params", errors)
        return data


class ItemInline(admin.TabularInline):
    model = AssessmentItem
    form = ItemForm
    extra = 0
    autocomplete_fields = ("indicator",)


@admin.register(AssessmentScheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "published")
    inlines = [ItemInline]


@admin.register(DataValue)
class DataValueAdmin(admin.ModelAdmin):
    list_display = ("indicator", "unit", "year", "month", "value", "status", "audited", "superseded_at")
    list_filter = ("status", "year", "indicator__area")
    readonly_fields = [f.name for f in DataValue._meta.fields]

    def has_add_permission(self, request):
        return False  # values are entered by units on the site, through the workflow


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    list_display = ("scheme", "as_of", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ScoringRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("title", "run", "published_at", "published_by")
    readonly_fields = ("run", "published_at", "published_by")

    def has_add_permission(self, request):
        return False
